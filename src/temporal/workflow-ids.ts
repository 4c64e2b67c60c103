import type { ConnectionEvent } from '../domain/connection-event.ts';

/**
 * The provider user's workflow, named by what `UserIdAttribute.valueOf` makes of the user id:
 * the id itself, or its keyed hash when payloads are encrypted, so a workflow id names no user.
 */
export function userWorkflowId(provider: string, userKey: string): string {
  return `user:${provider}:${userKey}`;
}

export function connectionWorkflowId(provider: string, connectionId: string): string {
  return `connection:${provider}:${connectionId}`;
}

/**
 * Where the journal routes an event. The user workflow's key here is the plain id: the journal
 * lives in Postgres with the rest of the user's data; the dispatcher names the Temporal workflow.
 */
export function workflowIdFor(event: Pick<ConnectionEvent, 'provider' | 'connectionId' | 'userId'>): string {
  return event.connectionId ? connectionWorkflowId(event.provider, event.connectionId) : userWorkflowId(event.provider, event.userId);
}
