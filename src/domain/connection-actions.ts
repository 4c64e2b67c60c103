import type { ConnectionEvent } from './connection-event.ts';
import type { ConnectionState, Transition } from './connection-state.ts';
import { cadenceAfter } from './lifecycle-timers.ts';
import type { LifecyclePolicy } from './lifecycle-policy.ts';

/** What a backend or operator may ask of a connection, each only in the states where it makes sense. */
export type ConnectionAction = 'refresh' | 'remind' | 'delete';

/** Why the action is refused in this state (a 409 for the caller), or null when it is allowed. */
export function refusalOf(state: ConnectionState, action: ConnectionAction): string | null {
  if (state.status === 'deleted') return 'the connection is deleted';
  if (action === 'refresh' && state.status === 'connecting') return 'the connection is not established yet';
  if (action === 'remind' && state.status !== 'broken') return `only a broken connection needs re-authentication (it is ${state.status})`;
  return null;
}

/**
 * A prompt sent now, on request, counted as the episode's next attempt so it gets a notification
 * of its own; the next reminder then waits its cadence from now, as after any prompt. Quiet hours
 * and holds do not apply: a person asked for it.
 */
export function remindNow(state: ConnectionState, now: number, policy: LifecyclePolicy): Transition {
  const reauth = state.reauth;
  if (!reauth) return { state, effects: [] };
  const attempt = reauth.promptsSent + 1;
  return {
    state: { ...state, reauth: { ...reauth, promptsSent: attempt, nextPromptAt: now + cadenceAfter(attempt, policy) } },
    effects: [
      { type: 'notify', notification: { kind: attempt === 1 ? 'reauth_required' : 'reauth_reminder', episode: reauth.episode, attempt } },
      { type: 'saveConnection' },
    ],
  };
}

/** The deletion, once the provider confirmed it, as an event the lifecycle applies like any other. */
export function deletionRequested(state: ConnectionState, requestId: string, now: number): ConnectionEvent {
  return {
    provider: state.provider,
    eventId: `deletion-requested:${requestId}`,
    type: 'connection.deleted',
    occurredAt: `${new Date(now).toISOString().slice(0, 23)}000Z`,
    userId: state.userId ?? 'unknown',
    connectionId: state.connectionId,
    ...(state.brokerageId ? { brokerageId: state.brokerageId } : {}),
    detail: { requestedBy: 'api' },
  };
}
