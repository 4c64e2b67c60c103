import type { ReauthEpisode } from '../domain/lifecycle-policy.ts';
import { instant } from './instant-sql.ts';
import type { Pool } from './pool.ts';

export interface ConnectionRecord {
  provider: string;
  connectionId: string;
  userId: string | null;
  brokerageId: string | null;
  state: string;
  stateSince: string | null;
  lastEventAt: string | null;
  reauth: { episode: number; promptsSent: number; nextPromptAt: string | null; exhausted: boolean } | null;
  accounts: { accountId: string; lastActivityAt: string }[];
  events: { eventId: string; type: string; occurredAt: string; outcome: string; accountId: string | null; detail: unknown }[];
}

const TIMELINE_LIMIT = 50;
const summaryColumns = `provider, connection_id, user_id, brokerage_id, state, ${instant('state_since')}, ${instant('last_event_at')},
  reauth_exhausted, lifecycle`;

/** The read model backends query: the connection, its current accounts and its latest events. */
export async function readConnection(pool: Pool, provider: string, connectionId: string): Promise<ConnectionRecord | null> {
  const { rows } = await pool.query(
    `SELECT ${summaryColumns} FROM connections WHERE provider = $1 AND connection_id = $2`,
    [provider, connectionId],
  );
  const row = rows[0];
  if (!row) return null;
  const [accounts, events] = await Promise.all([
    pool.query(
      `SELECT account_id, ${instant('last_activity_at')} FROM accounts WHERE provider = $1 AND connection_id = $2 ORDER BY account_id`,
      [provider, connectionId],
    ),
    pool.query(
      `SELECT event_id, event_type, ${instant('occurred_at')}, outcome, account_id, detail FROM connection_events
       WHERE provider = $1 AND connection_id = $2 ORDER BY connection_events.occurred_at DESC, recorded_at DESC LIMIT $3`,
      [provider, connectionId, TIMELINE_LIMIT],
    ),
  ]);
  return {
    ...connectionSummary(row),
    accounts: accounts.rows.map((a) => ({ accountId: a.account_id, lastActivityAt: a.last_activity_at })),
    events: events.rows.map((e) => ({
      eventId: e.event_id,
      type: e.event_type,
      occurredAt: e.occurred_at,
      outcome: e.outcome,
      accountId: e.account_id,
      detail: e.detail,
    })),
  };
}

export async function readUserConnections(pool: Pool, provider: string, userId: string) {
  const { rows } = await pool.query(
    `SELECT ${summaryColumns} FROM connections WHERE provider = $1 AND user_id = $2 ORDER BY created_at`,
    [provider, userId],
  );
  return rows.map(connectionSummary);
}

function connectionSummary(row: Record<string, unknown>) {
  return {
    provider: row.provider as string,
    connectionId: row.connection_id as string,
    userId: row.user_id as string | null,
    brokerageId: row.brokerage_id as string | null,
    state: row.state as string,
    stateSince: row.state_since as string | null,
    lastEventAt: row.last_event_at as string | null,
    reauth: reauthOf(row.lifecycle as { reauth?: ReauthEpisode | null }, row.reauth_exhausted as boolean),
  };
}

/** While broken: how far the re-authentication prompts have gone, and whether they ran out. */
function reauthOf(lifecycle: { reauth?: ReauthEpisode | null }, exhausted: boolean) {
  const reauth = lifecycle.reauth;
  if (!reauth) return null;
  return {
    episode: reauth.episode,
    promptsSent: reauth.promptsSent,
    nextPromptAt: reauth.nextPromptAt === null ? null : new Date(reauth.nextPromptAt).toISOString(),
    exhausted,
  };
}
