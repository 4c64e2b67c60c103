import type { ConnectionEvent } from '../domain/connection-event.ts';
import type { AccountState, ConnectionSnapshot, ConnectionState, EventOutcome } from '../domain/connection-state.ts';
import { instant } from './instant-sql.ts';
import { storableText, toJsonb } from './jsonb.ts';
import { inTransaction, type Pool, type PoolClient } from './pool.ts';

export interface ConnectionEventRecord {
  connection: ConnectionSnapshot;
  event: ConnectionEvent;
  outcome: EventOutcome;
  accounts: AccountState[];
}

/**
 * One event's worth of state in one transaction. Idempotent: the timeline is keyed by event id, and
 * the connection row only moves forward in revision, so a retried or replayed activity is harmless.
 */
export async function saveConnectionEvent(pool: Pool, record: ConnectionEventRecord): Promise<void> {
  const { connection: c, event, outcome, accounts } = record;
  await inTransaction(pool, async (client) => {
    await upsertConnection(client, c);
    // Accounts a holdings refresh found are not in the lifecycle's state; deletion takes them too.
    if (c.status === 'deleted') await client.query(`DELETE FROM accounts WHERE provider = $1 AND connection_id = $2`, [c.provider, c.connectionId]);
    await client.query(
      `INSERT INTO connection_events (provider, event_id, connection_id, event_type, occurred_at, outcome, account_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (provider, event_id) DO NOTHING`,
      [c.provider, storableText(event.eventId), c.connectionId, event.type, event.occurredAt, outcome, event.accountId ?? null, toJsonb(detailOf(event))],
    );
    for (const account of accounts) await saveAccount(client, c, account);
  });
}

/** The timeline shows where an event came from when it was not a provider's delivery. */
function detailOf(event: ConnectionEvent): ConnectionEvent['detail'] {
  return event.source ? { ...event.detail, source: event.source } : event.detail;
}

/** Several events applied in one pass of the lifecycle: the state they led to, and what each left behind. */
export interface ConnectionBatchRecord {
  connection: ConnectionSnapshot;
  events: Array<{ event: ConnectionEvent; outcome: EventOutcome }>;
  /** Each account as the last event of the batch left it. */
  accounts: AccountState[];
  /** Broken episodes the batch opened, counted towards the brokerage's outage window. */
  breakages: number[];
}

/**
 * A batch's worth of state in one statement (atomic, one round trip and one commit, however many
 * events): connection row, timeline, accounts, breakages. Idempotent like saveConnectionEvent, so
 * a retried or re-executed activity is harmless. An account is either kept or removed in the
 * batch's outcome, and a deleted connection has all its accounts removed, so no two parts of the
 * statement touch the same row.
 */
export async function saveConnectionBatch(pool: Pool, record: ConnectionBatchRecord): Promise<void> {
  const { connection: c, events, accounts, breakages } = record;
  const kept = c.status === 'deleted' ? [] : accounts.filter((account) => !account.removed);
  const removed = c.status === 'deleted' ? [] : accounts.filter((account) => account.removed);
  await pool.query(
    `WITH connection AS (${UPSERT_CONNECTION}),
     cleared AS (DELETE FROM accounts WHERE $5 = 'deleted' AND provider = $1 AND connection_id = $2),
     timeline AS (
       INSERT INTO connection_events (provider, event_id, connection_id, event_type, occurred_at, outcome, account_id, detail)
       SELECT $1, e.event_id, $2, e.event_type, e.occurred_at, e.outcome, e.account_id, e.detail
       FROM unnest($12::text[], $13::text[], $14::timestamptz[], $15::text[], $16::text[], $17::jsonb[])
            AS e(event_id, event_type, occurred_at, outcome, account_id, detail)
       ON CONFLICT (provider, event_id) DO NOTHING),
     kept AS (
       INSERT INTO accounts (provider, account_id, connection_id, changed_at, last_activity_at)
       SELECT $1, a.account_id, $2, a.changed_at, a.last_activity_at
       FROM unnest($18::text[], $19::timestamptz[], $20::timestamptz[]) AS a(account_id, changed_at, last_activity_at)
       ON CONFLICT (provider, account_id) DO UPDATE SET connection_id = EXCLUDED.connection_id,
         changed_at = EXCLUDED.changed_at, last_activity_at = EXCLUDED.last_activity_at, updated_at = now()),
     removed AS (DELETE FROM accounts WHERE provider = $1 AND account_id = ANY($21::text[])),
     broke AS (
       INSERT INTO breakages (provider, brokerage_id, connection_id, episode)
       SELECT $1, coalesce($4, '*'), $2, episode FROM unnest($22::int[]) AS episode
       ON CONFLICT DO NOTHING)
     SELECT 1`,
    [
      ...connectionParams(c),
      events.map(({ event }) => storableText(event.eventId)),
      events.map(({ event }) => event.type),
      events.map(({ event }) => event.occurredAt),
      events.map(({ outcome }) => outcome),
      events.map(({ event }) => event.accountId ?? null),
      events.map(({ event }) => toJsonb(detailOf(event))),
      kept.map((account) => account.accountId),
      kept.map((account) => account.changedAt),
      kept.map((account) => account.lastActivityAt),
      removed.map((account) => account.accountId),
      breakages,
    ],
  );
}

async function saveAccount(client: PoolClient, c: ConnectionSnapshot, account: AccountState): Promise<void> {
  if (account.removed) {
    await client.query(`DELETE FROM accounts WHERE provider = $1 AND account_id = $2`, [c.provider, account.accountId]);
  } else {
    await client.query(
      `INSERT INTO accounts (provider, account_id, connection_id, changed_at, last_activity_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider, account_id) DO UPDATE SET connection_id = EXCLUDED.connection_id,
         changed_at = EXCLUDED.changed_at, last_activity_at = EXCLUDED.last_activity_at, updated_at = now()`,
      [c.provider, account.accountId, c.connectionId, account.changedAt, account.lastActivityAt],
    );
  }
}

/**
 * One row per broken episode, for the outage detector. A connection whose brokerage is not known
 * yet counts towards its provider as a whole ('*').
 */
export async function saveBreakage(pool: Pool | PoolClient, c: Pick<ConnectionSnapshot, 'provider' | 'connectionId' | 'brokerageId'>, episode: number): Promise<void> {
  await pool.query(
    `INSERT INTO breakages (provider, brokerage_id, connection_id, episode) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [c.provider, c.brokerageId ?? '*', c.connectionId, episode],
  );
}

/** The connection row alone, after a timer moved its episode on (a prompt sent, a retry made). */
export async function saveConnectionSnapshot(pool: Pool, connection: ConnectionSnapshot): Promise<void> {
  await upsertConnection(pool, connection);
}

const UPSERT_CONNECTION = `INSERT INTO connections (provider, connection_id, user_id, brokerage_id, state, state_since,
                              last_transition_at, last_event_at, revision, lifecycle, reauth_exhausted)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (provider, connection_id) DO UPDATE SET
       user_id = EXCLUDED.user_id, brokerage_id = EXCLUDED.brokerage_id, state = EXCLUDED.state,
       state_since = EXCLUDED.state_since, last_transition_at = EXCLUDED.last_transition_at,
       last_event_at = EXCLUDED.last_event_at, revision = EXCLUDED.revision, lifecycle = EXCLUDED.lifecycle,
       reauth_exhausted = EXCLUDED.reauth_exhausted, updated_at = now()
     WHERE connections.revision <= EXCLUDED.revision`;

/** $1–$11 of UPSERT_CONNECTION. */
function connectionParams(c: ConnectionSnapshot): unknown[] {
  const lifecycle = { reauth: c.reauth, degraded: c.degraded, brokenEpisodes: c.brokenEpisodes, degradedEpisodes: c.degradedEpisodes, openAlerts: c.openAlerts, latest: c.latest };
  return [c.provider, c.connectionId, c.userId, c.brokerageId, c.status, c.statusSince, c.lastTransitionAt, c.lastEventAt, c.revision, JSON.stringify(lifecycle), c.reauth?.exhausted ?? false];
}

async function upsertConnection(client: Pool | PoolClient, c: ConnectionSnapshot): Promise<void> {
  await client.query(UPSERT_CONNECTION, connectionParams(c));
}

interface ConnectionRow {
  user_id: string | null;
  brokerage_id: string | null;
  state: ConnectionState['status'];
  state_since: string | null;
  last_transition_at: string | null;
  last_event_at: string | null;
  revision: number;
  lifecycle: Partial<Pick<ConnectionState, 'reauth' | 'degraded' | 'brokenEpisodes' | 'degradedEpisodes' | 'openAlerts' | 'latest'>>;
}

/** The stored connection as lifecycle state, for a run that starts after an earlier one closed. */
export async function loadConnectionState(pool: Pool, provider: string, connectionId: string): Promise<ConnectionState | null> {
  const { rows } = await pool.query<ConnectionRow>(
    `SELECT user_id, brokerage_id, state, ${instant('state_since')}, ${instant('last_transition_at')},
            ${instant('last_event_at')}, revision, lifecycle
     FROM connections WHERE provider = $1 AND connection_id = $2`,
    [provider, connectionId],
  );
  const row = rows[0];
  if (!row) return null;
  const accounts = await pool.query<{ account_id: string; changed_at: string | null; last_activity_at: string }>(
    `SELECT account_id, ${instant('changed_at')}, ${instant('last_activity_at')}
     FROM accounts WHERE provider = $1 AND connection_id = $2`,
    [provider, connectionId],
  );
  return {
    provider,
    connectionId,
    userId: row.user_id,
    brokerageId: row.brokerage_id,
    status: row.state,
    statusSince: row.state_since,
    lastTransitionAt: row.last_transition_at,
    lastEventAt: row.last_event_at,
    revision: row.revision,
    reauth: row.lifecycle.reauth ?? null,
    degraded: row.lifecycle.degraded ?? null,
    brokenEpisodes: row.lifecycle.brokenEpisodes ?? 0,
    degradedEpisodes: row.lifecycle.degradedEpisodes ?? 0,
    openAlerts: row.lifecycle.openAlerts ?? [],
    latest: row.lifecycle.latest ?? { active: null, broken: null, degraded: null },
    accounts: Object.fromEntries(
      accounts.rows.map((a) => [
        a.account_id,
        { accountId: a.account_id, removed: false, changedAt: a.changed_at, lastActivityAt: a.last_activity_at },
      ]),
    ),
    recent: [],
    seenEventIds: [],
  };
}
