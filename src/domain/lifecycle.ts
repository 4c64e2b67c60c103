import type { ConnectionEvent, ConnectionEventType, SyncFailure } from './connection-event.ts';
import type { AccountState, ConnectionState, ConnectionStatus, Effect, EventOutcome, TimelineEntry, Transition, TransitionTimes } from './connection-state.ts';
import { RECENT_EVENTS, SEEN_EVENT_WINDOW } from './connection-state.ts';
import type { LifecyclePolicy } from './lifecycle-policy.ts';
import { enterDegraded, enterReauth, withAlert } from './lifecycle-timers.ts';

/**
 * The connection lifecycle as a pure function: (state, event) → (state, effects).
 * No Temporal import, so it is unit- and property-tested directly; the workflow only applies effects.
 *
 * Ordering rule: providers redeliver late, so a state-changing event older than the last applied
 * transition is recorded but changes nothing. Deletion is the exception: it always wins and is
 * terminal, so no delivery order can bring a deleted connection back. Events that only show the
 * connection exists (updates, account activity) create it as `active` without pinning a transition
 * time, so any real transition, earlier or later, still decides the state.
 *
 * Time: `occurredAt` (the provider's clock) orders events; `now` (the workflow's clock) starts
 * grace periods and retries, since a redelivered event may be hours old on arrival.
 */
type Target = keyof TransitionTimes | 'deleted';

const fixedTransitions: Partial<Record<ConnectionEventType, Target>> = {
  'connection.added': 'active',
  'connection.fixed': 'active',
  'connection.sync_succeeded': 'active',
  'connection.broken': 'broken',
  'connection.deleted': 'deleted',
};

const syncFailureTransitions: Record<SyncFailure, Target | undefined> = {
  user_action: 'broken',
  temporary: 'degraded',
  provider: undefined,
};

/** The state an event moves the connection to, if it is a transition at all. */
function targetOf(event: ConnectionEvent): Target | undefined {
  if (event.type === 'connection.sync_failed') return syncFailureTransitions[failureOf(event)];
  return fixedTransitions[event.type];
}

function failureOf(event: ConnectionEvent): SyncFailure {
  const failure = event.detail.failure;
  return failure === 'user_action' || failure === 'temporary' ? failure : 'provider';
}

const impliesExistence: ReadonlySet<ConnectionEventType> = new Set([
  'connection.updated',
  'connection.sync_failed',
  'account.added',
  'account.removed',
  'account.transactions_initial',
  'account.transactions_updated',
  'account.trades_placed',
  'account.holdings_updated',
]);

const holdingsTriggers: ReadonlySet<ConnectionEventType> = new Set(['connection.added', 'account.holdings_updated']);

const providerNotices: ReadonlySet<ConnectionEventType> = new Set(['provider.maintenance_scheduled', 'provider.alert']);

export function initialConnectionState(provider: string, connectionId: string): ConnectionState {
  return {
    provider,
    connectionId,
    userId: null,
    brokerageId: null,
    status: 'connecting',
    statusSince: null,
    lastTransitionAt: null,
    latest: { active: null, broken: null, degraded: null },
    lastEventAt: null,
    revision: 0,
    accounts: {},
    reauth: null,
    degraded: null,
    brokenEpisodes: 0,
    degradedEpisodes: 0,
    openAlerts: [],
    recent: [],
    seenEventIds: [],
  };
}

export function applyEvent(state: ConnectionState, event: ConnectionEvent, now: number, policy: LifecyclePolicy): Transition {
  if (state.seenEventIds.includes(event.eventId)) return { state, effects: [] };

  const target = targetOf(event);
  const latest = target && target !== 'deleted' ? { ...state.latest, [target]: laterOf(state.latest[target], event.occurredAt) } : state.latest;
  const standing = standingOf(latest);
  const outcome = decideOutcome(state, event, target, latest, standing);
  let next: ConnectionState = {
    ...state,
    userId: state.userId ?? event.userId,
    brokerageId: state.brokerageId ?? event.brokerageId ?? null,
    lastEventAt: laterOf(state.lastEventAt, event.occurredAt),
    revision: state.revision + 1,
    recent: [entry(event, outcome), ...state.recent].slice(0, RECENT_EVENTS),
    seenEventIds: [...state.seenEventIds, event.eventId].slice(-SEEN_EVENT_WINDOW),
  };
  const effects: Effect[] = [{ type: 'recordEvent', event, outcome }];

  if (outcome === 'applied' && target === 'deleted') {
    const moved = moveTo(next, 'deleted', event.occurredAt, now, policy);
    // Deleted already: this deletion is earlier, and the connection has been deleted since then.
    next = { ...moved.state, lastTransitionAt: event.occurredAt, statusSince: state.status === 'deleted' ? event.occurredAt : moved.state.statusSince };
    effects.push(...moved.effects);
  } else if (outcome === 'applied' && standing) {
    const moved = moveTo(next, standing, latest[standing]!, now, policy);
    next = { ...moved.state, latest, lastTransitionAt: newestOf(latest) };
    effects.push(...moved.effects);
  } else if (state.status !== 'deleted' && latest !== state.latest) {
    next = { ...next, latest, lastTransitionAt: newestOf(latest) };
  } else if (outcome === 'recorded' && next.status === 'connecting' && impliesExistence.has(event.type)) {
    next = { ...next, status: 'active', statusSince: event.occurredAt };
  }

  if (event.type === 'connection.sync_failed' && failureOf(event) === 'provider' && outcome !== 'after_deletion') {
    next = withAlert(next, 'provider_error');
    effects.push({ type: 'raiseAlert', kind: 'provider_error', message: `sync failed at the provider (${String(event.detail.error ?? 'unknown error')})` });
  }

  if (next.status === 'deleted' && outcome === 'applied') {
    // A deleted connection has no accounts left; late account events cannot add any back.
    for (const account of Object.values(next.accounts).filter((a) => !a.removed)) {
      const removed = { ...account, removed: true };
      next = { ...next, accounts: { ...next.accounts, [account.accountId]: removed } };
      effects.push({ type: 'saveAccount', account: removed });
    }
  } else if (outcome !== 'after_deletion' && event.accountId) {
    const account = applyAccountEvent(next.accounts[event.accountId], event, event.accountId);
    next = { ...next, accounts: { ...next.accounts, [account.accountId]: account } };
    effects.push({ type: 'saveAccount', account });
  }

  if (holdingsTriggers.has(event.type) && (outcome === 'applied' || outcome === 'recorded')) effects.push({ type: 'refreshHoldings' });
  // It concerns the provider, not this connection, so it counts even after the connection's deletion.
  if (providerNotices.has(event.type)) effects.push({ type: 'providerNotice', event });

  effects.push({ type: 'saveConnection' });
  if (next.status === 'deleted') effects.push({ type: 'complete' });
  return { state: next, effects };
}

export function applyEvents(state: ConnectionState, events: readonly ConnectionEvent[], now: number, policy: LifecyclePolicy): Transition {
  let current = state;
  const effects: Effect[] = [];
  for (const event of events) {
    const step = applyEvent(current, event, now, policy);
    current = step.state;
    effects.push(...step.effects);
  }
  return { state: current, effects };
}

/**
 * Leaving a state ends its episode (pending prompts or retries are cancelled with it) and resolves
 * the alert it raised; entering one starts the next. Staying in the same state is not a new
 * episode: a second BROKEN while broken does not restart the prompts.
 */
function moveTo(state: ConnectionState, target: ConnectionStatus, occurredAt: string, now: number, policy: LifecyclePolicy): Transition {
  const entering = state.status !== target;
  const effects: Effect[] = [];
  const clearing = state.openAlerts.filter(
    (kind) =>
      (kind === 'provider_error' && (target === 'active' || target === 'deleted')) ||
      (entering && kind === 'reauth_exhausted' && state.status === 'broken') ||
      (entering && kind === 'degraded_too_long' && state.status === 'degraded'),
  );
  for (const kind of clearing) effects.push({ type: 'resolveAlert', kind });
  let next: ConnectionState = {
    ...state,
    status: target,
    statusSince: entering ? occurredAt : state.statusSince,
    openAlerts: state.openAlerts.filter((kind) => !clearing.includes(kind)),
  };
  if (!entering) return { state: next, effects };

  if (state.reauth) {
    if (target === 'active' && state.reauth.promptsSent > 0) {
      effects.push({ type: 'notify', notification: { kind: 'restored', episode: state.reauth.episode, attempt: 1 } });
    }
    next = { ...next, reauth: null };
  }
  next = { ...next, degraded: null };

  if (target === 'broken') {
    const episode = next.brokenEpisodes + 1;
    next = { ...next, brokenEpisodes: episode, reauth: enterReauth(episode, now, policy) };
    effects.push({ type: 'recordBreakage', episode });
  }
  if (target === 'degraded') {
    const episode = next.degradedEpisodes + 1;
    next = { ...next, degradedEpisodes: episode, degraded: enterDegraded(episode, now, policy) };
    effects.push({ type: 'notify', notification: { kind: 'degraded', episode, attempt: 1 } });
  }
  return { state: next, effects };
}

/**
 * Deletion wins and is terminal. Otherwise the state is what the newest event of each kind implies
 * (see standingOf), so an event applies when it moves the state, or is the newest of its kind and
 * its state stands; an event older than the transition that decides is stale.
 */
function decideOutcome(
  state: ConnectionState,
  event: ConnectionEvent,
  target: Target | undefined,
  latest: TransitionTimes,
  standing: keyof TransitionTimes | null,
): EventOutcome {
  if (state.status === 'deleted') {
    // A second deletion only matters if it dates the deletion earlier: deleted since the first.
    const earlier = target === 'deleted' && state.lastTransitionAt !== null && event.occurredAt < state.lastTransitionAt;
    return earlier ? 'applied' : 'after_deletion';
  }
  if (!target) return 'recorded';
  if (target === 'deleted') return 'applied';
  if (standing !== state.status || (standing === target && latest[target] === event.occurredAt)) return 'applied';
  return state.lastTransitionAt !== null && event.occurredAt < state.lastTransitionAt ? 'stale' : 'recorded';
}

/** Broken outranks degraded: a temporary failure says nothing about credentials the user must renew. */
function standingOf(latest: TransitionTimes): keyof TransitionTimes | null {
  const newer = (a: string | null, b: string | null) => a !== null && (b === null || a > b);
  if (newer(latest.broken, latest.active)) return 'broken';
  if (newer(latest.degraded, latest.active)) return 'degraded';
  return latest.active === null ? null : 'active';
}

function newestOf(latest: TransitionTimes): string | null {
  return [latest.active, latest.broken, latest.degraded].reduce<string | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
}

function applyAccountEvent(current: AccountState | undefined, event: ConnectionEvent, accountId: string): AccountState {
  const lastActivityAt = laterOf(current?.lastActivityAt ?? null, event.occurredAt);
  const decisive = event.type === 'account.added' || event.type === 'account.removed';
  if (!decisive) {
    return { accountId, removed: current?.removed ?? false, changedAt: current?.changedAt ?? null, lastActivityAt };
  }
  const newer = !current || current.changedAt === null || event.occurredAt >= current.changedAt;
  if (!newer) return { ...current, lastActivityAt };
  return { accountId, removed: event.type === 'account.removed', changedAt: event.occurredAt, lastActivityAt };
}

function entry(event: ConnectionEvent, outcome: EventOutcome): TimelineEntry {
  return { eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, outcome };
}

function laterOf(a: string | null, b: string): string {
  return a !== null && a > b ? a : b;
}
