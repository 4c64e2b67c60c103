import type { ConnectionEvent } from './connection-event.ts';
import { resolveAttempts, type BackendAttempt } from './backend-attempts.ts';

/**
 * A provider user's registration and connection attempts: the events that carry no connection id.
 * Pure, like the connection lifecycle; the user workflow applies the effects.
 */
export interface ConnectionAttempt {
  eventId: string;
  occurredAt: string;
  /** The provider's result code (SUCCESS, INVALID_CREDENTIALS …), or FAILED for a plain failure. */
  result: string;
  succeeded: boolean;
  brokerageId: string | null;
}

export interface UserState {
  provider: string;
  userId: string;
  registeredAt: string | null;
  /** Latest first, bounded. */
  attempts: ConnectionAttempt[];
  /** What backends are waiting for (POST /connections/attempts), latest first. */
  backendAttempts: BackendAttempt[];
  seenEventIds: string[];
}

export type UserEffect =
  | { type: 'recordUser' }
  | { type: 'recordAttempt'; attempt: ConnectionAttempt };

export const USER_ATTEMPTS_KEPT = 50;
const SEEN_WINDOW = 1000;

export function initialUserState(provider: string, userId: string): UserState {
  return { provider, userId, registeredAt: null, attempts: [], backendAttempts: [], seenEventIds: [] };
}

export function applyUserEvent(state: UserState, event: ConnectionEvent, now: number): { state: UserState; effects: UserEffect[] } {
  if (state.seenEventIds.includes(event.eventId)) return { state, effects: [] };
  let next: UserState = {
    ...state,
    backendAttempts: resolveAttempts(state.backendAttempts ?? [], event, now),
    seenEventIds: [...state.seenEventIds, event.eventId].slice(-SEEN_WINDOW),
  };
  const effects: UserEffect[] = [];

  if (event.type === 'user.registered' && (next.registeredAt === null || event.occurredAt < next.registeredAt)) {
    next = { ...next, registeredAt: event.occurredAt };
    effects.push({ type: 'recordUser' });
  }
  if (event.type === 'connection.attempted' || event.type === 'connection.failed') {
    const result = event.type === 'connection.failed' ? 'FAILED' : String(event.detail.result ?? 'UNKNOWN');
    const attempt: ConnectionAttempt = {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      result,
      succeeded: result === 'SUCCESS',
      brokerageId: event.brokerageId ?? null,
    };
    const attempts = [...next.attempts, attempt]
      .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0))
      .slice(0, USER_ATTEMPTS_KEPT);
    next = { ...next, attempts };
    effects.push({ type: 'recordUser' }, { type: 'recordAttempt', attempt });
  }
  return { state: next, effects };
}
