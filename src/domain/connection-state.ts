import type { ConnectionEvent, ConnectionEventType } from './connection-event.ts';
import type { DegradedEpisode, ReauthEpisode } from './lifecycle-policy.ts';

/** A connection as the lifecycle sees it, and what a transition asks the world to do. */
export type ConnectionStatus = 'connecting' | 'active' | 'degraded' | 'broken' | 'deleted';

export interface TransitionTimes {
  active: string | null;
  broken: string | null;
  degraded: string | null;
}

export type EventOutcome = 'applied' | 'recorded' | 'stale' | 'duplicate' | 'after_deletion';

export type AlertKind = 'reauth_exhausted' | 'degraded_too_long' | 'provider_error';

export type NotificationKind = 'reauth_required' | 'reauth_reminder' | 'restored' | 'reauth_exhausted' | 'degraded';

/** Everything needed to derive the notification's id, so a retried send is the same notification. */
export interface NotificationIntent {
  kind: NotificationKind;
  /** Which broken (or degraded) episode of this connection. */
  episode: number;
  /** 1 for the first prompt, 2.. for reminders; 1 for one-off kinds. */
  attempt: number;
}

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
  /** The newest event of each kind of transition: the state follows from these alone, whatever the delivery order. */
  latest: TransitionTimes;
  lastEventAt: string | null;
  /** Counts applied deliveries; storage refuses to overwrite a newer revision with an older one. */
  revision: number;
  accounts: Record<string, AccountState>;
  /** Present while broken: the re-authentication prompts of this episode. */
  reauth: ReauthEpisode | null;
  /** Present while degraded: the sync retries of this episode. */
  degraded: DegradedEpisode | null;
  /** Episodes so far, so every episode's notifications get ids of their own. */
  brokenEpisodes: number;
  degradedEpisodes: number;
  /** Alerts this connection has open, so they are resolved when their cause clears. */
  openAlerts: AlertKind[];
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
  | { type: 'recordBreakage'; episode: number }
  | { type: 'notify'; notification: NotificationIntent }
  | { type: 'raiseAlert'; kind: AlertKind; message: string }
  | { type: 'resolveAlert'; kind: AlertKind }
  | { type: 'requestSync'; attempt: number }
  /** Fetch the connection's accounts and holdings from the provider again. */
  | { type: 'refreshHoldings' }
  /** A provider-wide notice (maintenance, alert) to act on outside this connection. */
  | { type: 'providerNotice'; event: ConnectionEvent }
  | { type: 'complete' };

export interface Transition {
  state: ConnectionState;
  effects: Effect[];
}

export const SEEN_EVENT_WINDOW = 1000;
export const RECENT_EVENTS = 20;
