import type { EventTemplate } from '../event-template.ts';

function hook(name: string, effect: string, error?: string): EventTemplate {
  return {
    name,
    providerType: error ? `SyncError ${error}` : 'SyncAccount',
    effect,
    build: (subject) => ({
      body: {
        hook: error ? 'SyncError' : 'SyncAccount',
        user: { id: subject.user, loginName: `${subject.user}@example.com` },
        account: { id: subject.connection, provider: subject.brokerage },
        ...(error ? { error } : {}),
      },
      connectionId: subject.connection,
    }),
  };
}

/** Vezgo's two hooks, a sync error for each error class of its taxonomy. */
export const vezgoEvents: readonly EventTemplate[] = [
  hook('synced', 'successful sync: connection → active'),
  hook('login-failed', 'connection → broken (the user must reconnect)', 'LoginFailedError'),
  hook('security-question', 'connection → broken (the user must answer)', 'SecurityQuestionError'),
  hook('temporary-failure', 'connection → degraded; sync retried with backoff', 'TemporaryFailureError'),
  hook('unhandled-connector-error', 'state unchanged; ops alert', 'UnhandledConnectorError'),
  hook('unknown-connector-error', 'state unchanged; ops alert', 'UnknownConnectorError'),
];
