import type { ConnectionState } from './connection-state.ts';

/**
 * The one-line story an operator sees in the Web UI's memo column: where the connection stands and
 * what the workflow is doing about it. Ids only, no personal data. No event time: the memo is
 * upserted whenever this changes, and an upsert on every event costs the server a history event and
 * a visibility write each (the history itself tells when events came).
 */
export function summaryOf(state: ConnectionState): string {
  const parts = [`${state.provider}${state.brokerageId ? `/${state.brokerageId}` : ''}`, state.status];
  if (state.reauth) {
    parts.push(state.reauth.exhausted ? `re-auth exhausted after ${state.reauth.promptsSent} prompts` : `${state.reauth.promptsSent} re-auth prompt(s) sent`);
  }
  if (state.degraded) parts.push(`${state.degraded.syncAttempts} sync retr${state.degraded.syncAttempts === 1 ? 'y' : 'ies'}${state.degraded.escalated ? ', escalated' : ''}`);
  if (state.openAlerts.length > 0) parts.push(`alerts: ${state.openAlerts.join(', ')}`);
  const accounts = Object.values(state.accounts).filter((account) => !account.removed).length;
  parts.push(`${accounts} account${accounts === 1 ? '' : 's'}`);
  return parts.join(' · ');
}
