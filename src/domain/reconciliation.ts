import type { ConnectionEvent, ConnectionEventType } from './connection-event.ts';
import type { ConnectionStatus, TransitionTimes } from './connection-state.ts';

/**
 * Reconciliation: what a provider's API lists for a user, compared with what we hold. Pure; the
 * activity fetches both sides and journals what comes out like any webhook.
 *
 * Every correction is an ordinary ConnectionEvent the lifecycle orders by `occurredAt`, so it can
 * never undo a newer webhook, and a webhook for the same change arriving later is a no-op in
 * effect: the state it implies is already there (same kind, same or older time). Ids are derived
 * from what was observed, so observing the same discrepancy again journals nothing new.
 */
export const correctionKinds = ['added', 'broken', 'fixed', 'deleted'] as const;
export type CorrectionKind = (typeof correctionKinds)[number];

export interface HeldConnection {
  connectionId: string;
  status: ConnectionStatus;
  /** The newest event of each kind of transition applied so far. */
  latest: TransitionTimes;
}

export interface ListedConnection {
  connectionId: string;
  brokerageId: string | null;
  /** When the provider says it was created (canonical instant), if it says. */
  createdAt: string | null;
  /** Whether the provider reports it disabled (needs the user); null when its API cannot tell. */
  disabled: boolean | null;
  /** When it was disabled (canonical instant), if the provider says. */
  disabledAt: string | null;
}

/** What one run of one provider checked and corrected. */
export interface ReconciliationRun {
  runId: string;
  provider: string;
  usersChecked: number;
  /** Users the provider could not be asked about (no answer we understood, credentials refused). */
  usersFailed: number;
  corrections: Partial<Record<CorrectionKind, number>>;
}

export interface Correction {
  kind: CorrectionKind;
  event: ConnectionEvent;
}

export interface ReconcileUserInput {
  provider: string;
  userId: string;
  held: readonly HeldConnection[];
  listed: readonly ListedConnection[];
  /** Held connections the list lacks and the provider confirmed gone (a lookup by id answered 404). */
  confirmedGone: ReadonlySet<string>;
  /** When the provider was asked (canonical instant): the time of what it said, when it gives none. */
  observedAt: string;
}

const eventTypes: Record<CorrectionKind, ConnectionEventType> = {
  added: 'connection.added',
  broken: 'connection.broken',
  fixed: 'connection.fixed',
  deleted: 'connection.deleted',
};

/**
 * Held connections the provider no longer lists: candidates for deletion, to be confirmed one by
 * one before anything is deleted (deletion is terminal, and an empty list may be a glitch).
 */
export function missingFromListing(held: readonly HeldConnection[], listed: readonly ListedConnection[]): string[] {
  const listedIds = new Set(listed.map((c) => c.connectionId));
  return held.filter((c) => c.status !== 'deleted' && !listedIds.has(c.connectionId)).map((c) => c.connectionId);
}

/** The corrections that bring what we hold in line with what the provider lists, oldest first. */
export function reconcileUser(input: ReconcileUserInput): Correction[] {
  const held = new Map(input.held.map((c) => [c.connectionId, c]));
  const corrections: Correction[] = [];
  const correct = (kind: CorrectionKind, listed: Pick<ListedConnection, 'connectionId'> & Partial<ListedConnection>, occurredAt: string, idQualifier?: string) => {
    const event: ConnectionEvent = {
      provider: input.provider,
      eventId: ['reconciliation', kind, listed.connectionId, ...(idQualifier ? [idQualifier] : [])].join(':'),
      type: eventTypes[kind],
      occurredAt,
      userId: input.userId,
      connectionId: listed.connectionId,
      ...(listed.brokerageId ? { brokerageId: listed.brokerageId } : {}),
      detail: { observedAt: input.observedAt, ...(listed.disabledAt ? { disabledAt: listed.disabledAt } : {}) },
      source: 'reconciliation',
    };
    corrections.push({ kind, event });
  };

  for (const listed of input.listed) {
    const ours = held.get(listed.connectionId);
    if (ours?.status === 'deleted') continue;
    const brokenAt = listed.disabledAt ?? input.observedAt;
    if (!ours || ours.status === 'connecting') {
      // Never heard of: the ADDED webhook was lost. A connection created broken also breaks.
      const addedAt = listed.createdAt && listed.createdAt <= input.observedAt ? listed.createdAt : input.observedAt;
      correct('added', listed, addedAt);
      if (listed.disabled === true && brokenAt >= addedAt) correct('broken', listed, brokenAt, brokenAt);
      continue;
    }
    if (listed.disabled === true && ours.status !== 'broken' && isNewer(brokenAt, ours.latest.active)) {
      correct('broken', listed, brokenAt, brokenAt);
    } else if (listed.disabled === false && ours.status === 'broken' && isNewer(input.observedAt, ours.latest.broken)) {
      // The fix of this break: one id per break, however many runs see it before it is applied.
      correct('fixed', listed, input.observedAt, ours.latest.broken ?? input.observedAt);
    }
  }

  for (const connectionId of missingFromListing(input.held, input.listed)) {
    if (input.confirmedGone.has(connectionId)) correct('deleted', { connectionId }, input.observedAt);
  }
  return corrections.sort((a, b) => (a.event.occurredAt < b.event.occurredAt ? -1 : a.event.occurredAt > b.event.occurredAt ? 1 : 0));
}

/**
 * Evidence older than the newest transition the other way is stale: the lifecycle would record it
 * as such and change nothing, so it is not a correction.
 */
function isNewer(evidenceAt: string, than: string | null): boolean {
  return than === null || evidenceAt > than;
}
