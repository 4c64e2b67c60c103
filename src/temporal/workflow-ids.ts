import type { ConnectionEvent } from '../domain/connection-event.ts';

/** Connection-scoped events go to the connection's workflow; the rest to the provider user's. */
export function workflowIdFor(event: Pick<ConnectionEvent, 'provider' | 'connectionId' | 'userId'>): string {
  return event.connectionId
    ? `connection:${event.provider}:${event.connectionId}`
    : `user:${event.provider}:${event.userId}`;
}
