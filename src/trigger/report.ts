import type { ConnectionRecord } from '../db/connection-reads.ts';
import type { Sent, StateRead } from './send.ts';

/** One delivery and what became of it, for a person at a terminal. */
export function describe(sent: Sent, state: StateRead): string {
  return [
    `${sent.provider} ${sent.event} (${sent.providerType}) → POST ${sent.url} [${sent.authentication}]`,
    `  answer  ${sent.status} ${typeof sent.answer === 'string' ? sent.answer : JSON.stringify(sent.answer)}`,
    `  state   ${describeState(sent, state)}`,
  ].join('\n');
}

/** The same, as one JSON line (`--json`). */
export function asJson(sent: Sent, state: StateRead): string {
  const { before: _before, subject: _subject, ...rest } = sent;
  return JSON.stringify({ ...rest, state: stateValue(state) });
}

function stateValue(state: StateRead): unknown {
  switch (state.kind) {
    case 'connection':
      return state.connection;
    case 'user':
      return { connections: state.connections };
    case 'unknown':
      return null;
    case 'unreadable':
      return { unreadable: state.reason };
  }
}

function describeState(sent: Sent, state: StateRead): string {
  switch (state.kind) {
    case 'unreadable':
      return `(${state.reason})`;
    case 'unknown':
      return `${sent.provider}/${sent.connectionId}: not known (yet)`;
    case 'user': {
      const list = state.connections;
      const connections = list.length === 0 ? 'no connections' : list.map((c) => `${c.connectionId} ${c.state}`).join(', ');
      return `user ${sent.provider}/${sent.subject.user}: ${connections}`;
    }
    case 'connection': {
      const c = state.connection;
      const latest = c.events[0];
      const parts = [
        `${c.provider}/${c.connectionId}: ${c.state}${c.stateSince ? ` since ${c.stateSince}` : ''}`,
        ...(c.userId ? [`user ${c.userId}`] : []),
        ...(c.brokerageId ? [`brokerage ${c.brokerageId}`] : []),
        ...(c.reauth ? [describeReauth(c.reauth)] : []),
        ...(latest ? [`latest ${providerEventTypeOf(latest.detail) ?? latest.type} ${latest.outcome}`] : []),
      ];
      return parts.join(' · ');
    }
  }
}

function describeReauth(reauth: NonNullable<ConnectionRecord['reauth']>): string {
  if (reauth.exhausted) return `prompts exhausted after ${reauth.promptsSent}`;
  return `${reauth.promptsSent} prompt(s) sent${reauth.nextPromptAt ? `, next at ${reauth.nextPromptAt}` : ''}`;
}

/** The provider's own name for the event, which the journal keeps in the event's detail. */
function providerEventTypeOf(detail: unknown): string | undefined {
  const type = (detail as { providerEventType?: unknown } | null)?.providerEventType;
  return typeof type === 'string' ? type : undefined;
}
