import type { ConnectionEvent } from '../domain/connection-event.ts';

/** Connection-scoped events go to the connection's workflow; the rest to the provider user's. */
export function userWorkflowId(provider: string, userId: string): string {
  return `user:${provider}:${userId}`;
}

export function connectionWorkflowId(provider: string, connectionId: string): string {
  return `connection:${provider}:${connectionId}`;
}

export function workflowIdFor(event: Pick<ConnectionEvent, 'provider' | 'connectionId' | 'userId'>): string {
  return event.connectionId ? connectionWorkflowId(event.provider, event.connectionId) : userWorkflowId(event.provider, event.userId);
}
