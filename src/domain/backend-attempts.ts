import type { ConnectionEvent } from './connection-event.ts';

/**
 * Attempts a backend starts before sending its user to the provider's portal, resolved by the
 * provider's webhooks rather than by the portal's redirect: the redirect says nothing reliable.
 * Pure; the user workflow holds them and wakes for their deadlines.
 */
export type AttemptStatus = 'pending' | 'succeeded' | 'failed' | 'abandoned';

export interface BackendAttempt {
  attemptId: string;
  brokerageId: string | null;
  startedAt: number;
  deadline: number;
  status: AttemptStatus;
  connectionId: string | null;
  /** The provider's failure code (INVALID_CREDENTIALS, FAILED …), or null. */
  code: string | null;
  resolvedAt: number | null;
}

export const ATTEMPTS_KEPT = 50;
/** Provider clocks drift: an event stamped up to this long before the attempt began still belongs to it. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Joins the pending attempt for the same brokerage (a user who clicks "connect" twice is one
 * attempt), or starts a new one.
 */
export function startAttempt(
  attempts: readonly BackendAttempt[],
  request: { attemptId: string; brokerageId: string | null; now: number; timeoutMs: number },
): { attempts: BackendAttempt[]; attempt: BackendAttempt } {
  const joined = attempts.find((a) => a.status === 'pending' && a.brokerageId === request.brokerageId);
  if (joined) return { attempts: [...attempts], attempt: joined };
  const attempt: BackendAttempt = {
    attemptId: request.attemptId,
    brokerageId: request.brokerageId,
    startedAt: request.now,
    deadline: request.now + request.timeoutMs,
    status: 'pending',
    connectionId: null,
    code: null,
    resolvedAt: null,
  };
  return { attempts: [attempt, ...attempts].slice(0, ATTEMPTS_KEPT), attempt };
}

/** ADDED resolves a pending attempt as succeeded; a failed ATTEMPTED or FAILED as failed. */
export function resolveAttempts(attempts: readonly BackendAttempt[], event: ConnectionEvent, now: number): BackendAttempt[] {
  const outcome = outcomeOf(event);
  if (!outcome) return [...attempts];
  const occurredAt = Date.parse(event.occurredAt);
  const candidates = attempts
    .filter((a) => a.status === 'pending' && occurredAt >= a.startedAt - CLOCK_SKEW_MS)
    .filter((a) => a.brokerageId === null || !event.brokerageId || a.brokerageId === event.brokerageId)
    .sort((a, b) => a.startedAt - b.startedAt);
  const target = candidates[0];
  if (!target) return [...attempts];
  return attempts.map((a) => (a.attemptId === target.attemptId ? { ...a, ...outcome, resolvedAt: now } : a));
}

export function expireAttempts(attempts: readonly BackendAttempt[], now: number): BackendAttempt[] {
  return attempts.map((a) => (a.status === 'pending' && a.deadline <= now ? { ...a, status: 'abandoned', resolvedAt: now } : a));
}

export function nextAttemptDeadline(attempts: readonly BackendAttempt[]): number | null {
  const deadlines = attempts.filter((a) => a.status === 'pending').map((a) => a.deadline);
  return deadlines.length > 0 ? Math.min(...deadlines) : null;
}

function outcomeOf(event: ConnectionEvent): Pick<BackendAttempt, 'status' | 'connectionId' | 'code'> | null {
  if (event.type === 'connection.added') return { status: 'succeeded', connectionId: event.connectionId ?? null, code: null };
  if (event.type === 'connection.failed') return { status: 'failed', connectionId: null, code: 'FAILED' };
  if (event.type === 'connection.attempted') {
    const code = String(event.detail.result ?? 'UNKNOWN');
    return code === 'SUCCESS' ? null : { status: 'failed', connectionId: null, code };
  }
  return null;
}
