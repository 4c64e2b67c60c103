import type { ConnectionEvent, ConnectionEventType } from '../src/domain/connection-event.ts';

/**
 * The connection lifecycle as a pure function: (state, event) → (state, effects).
 * No Temporal import, so it is unit- and property-tested directly; the workflow only applies effects.
 *
 * Ordering rule: providers redeliver late, so a state-changing event older than the last applied
 * transition is recorded but changes nothing. Deletion is the exception: it always wins and is
 * terminal, so no delivery order can bring a deleted connection back. Events that only show the
 * connection exists (updates, account activity) create it as `active` without pinning a transition
 * time, so any real transition, earlier or later, still decides the state.
 */
export type ConnectionStatus = 'connecting' | 'active' | 'broken' | 'deleted';

export type EventOutcome = 'applied' | 'recorded' | 'stale' | 'duplicate' | 'after_deletion';

export interface AccountState {
  accountId: string;
  removed: boolean;
  /** occurredAt of the add/remove that decided `removed`; null when only activity implied the account. */
  changedAt: string | null;
  lastActivityAt: string;
}

export interface TimelineEntry {
  eventId: string;
  type: ConnectionEventType;
  occurredAt: string;
  outcome: EventOutcome;
}

export interface ConnectionState {
  provider: string;
  connectionId: string;
  userId: string | null;
  brokerageId: string | null;
  status: ConnectionStatus;
  statusSince: string | null;
  lastTransitionAt: string | null;
  lastEventAt: string | null;
  /** Counts applied deliveries; storage refuses to overwrite a newer revision with an older one. */
  revision: number;
  accounts: Record<string, AccountState>;
  /** Latest events first, bounded: what the `state` query shows. */
  recent: TimelineEntry[];
  /** Ids already seen, bounded: survives continue-as-new so redeliveries stay no-ops. */
  seenEventIds: string[];
}

/** The part of the state that is stored; the bounded windows live only in the workflow. */
export type ConnectionSnapshot = Omit<ConnectionState, 'recent' | 'seenEventIds' | 'accounts'>;

export function snapshotOf(state: ConnectionState): ConnectionSnapshot {
  const { recent: _recent, seenEventIds: _seen, accounts: _accounts, ...snapshot } = state;
  return snapshot;
}

export type Effect =
  | { type: 'recordEvent'; event: ConnectionEvent; outcome: EventOutcome }
  | { type: 'saveConnection' }
  | { type: 'saveAccount'; account: AccountState }
  | { type: 'complete' };

export interface Transition {
  state: ConnectionState;
  effects: Effect[];
}

export const SEEN_EVENT_WINDOW = 1000;
export const RECENT_EVENTS = 20;

const transitions: Partial<Record<ConnectionEventType, ConnectionStatus>> = {
  'connection.added': 'active',
  'connection.fixed': 'active',
  'connection.broken': 'broken',
  'connection.deleted': 'deleted',
};

const impliesExistence: ReadonlySet<ConnectionEventType> = new Set([
  'connection.updated',
  'account.added',
  'account.removed',
  'account.transactions_initial',
  'account.transactions_updated',
  'account.trades_placed',
]);

export function initialConnectionState(provider: string, connectionId: string): ConnectionState {
  return {
    provider,
    connectionId,
    userId: null,
    brokerageId: null,
    status: 'connecting',
    statusSince: null,
    lastTransitionAt: null,
    lastEventAt: null,
    revision: 0,
    accounts: {},
    recent: [],
    seenEventIds: [],
  };
}

export function applyEvent(state: ConnectionState, event: ConnectionEvent): Transition {
  if (state.seenEventIds.includes(event.eventId)) return { state, effects: [] };

  const outcome = decideOutcome(state, event);
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

  if (outcome === 'applied') {
    const target = transitions[event.type]!;
    next = { ...next, status: target, statusSince: event.occurredAt, lastTransitionAt: event.occurredAt };
  } else if (outcome === 'recorded' && next.status === 'connecting' && impliesExistence.has(event.type)) {
    next = { ...next, status: 'active', statusSince: event.occurredAt };
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
    if (account) {
      next = { ...next, accounts: { ...next.accounts, [account.accountId]: account } };
      effects.push({ type: 'saveAccount', account });
    }
  }

  effects.push({ type: 'saveConnection' });
  if (next.status === 'deleted') effects.push({ type: 'complete' });
  return { state: next, effects };
}

export function applyEvents(state: ConnectionState, events: readonly ConnectionEvent[]): Transition {
  return events.reduce<Transition>(
    (acc, event) => {
      const step = applyEvent(acc.state, event);
      return { state: step.state, effects: [...acc.effects, ...step.effects] };
    },
    { state, effects: [] },
  );
}

function decideOutcome(state: ConnectionState, event: ConnectionEvent): EventOutcome {
  const target = transitions[event.type];
  if (state.status === 'deleted') {
    // A second deletion only matters if it dates the deletion earlier: deleted since the first.
    const earlier = target === 'deleted' && state.lastTransitionAt !== null && event.occurredAt < state.lastTransitionAt;
    return earlier ? 'applied' : 'after_deletion';
  }
  if (!target) return 'recorded';
  if (target === 'deleted') return 'applied';
  if (state.lastTransitionAt !== null && event.occurredAt < state.lastTransitionAt) return 'stale';
  return 'applied';
}

function applyAccountEvent(
  current: AccountState | undefined,
  event: ConnectionEvent,
  accountId: string,
): AccountState | undefined {
  const lastActivityAt = laterOf(current?.lastActivityAt ?? null, event.occurredAt)!;
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
