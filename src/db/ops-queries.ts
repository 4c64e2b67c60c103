import { closeAlert } from '../alerts/alert-store.ts';
import { instant } from './instant-sql.ts';
import type { Pool } from './pool.ts';

/** What operators look at from the command line; the same rows the read API and metrics use. */
export async function listConnections(pool: Pool, filter: { state?: string | undefined; provider?: string | undefined; limit: number }) {
  const { rows } = await pool.query(
    `SELECT provider, connection_id, user_id, brokerage_id, state, ${instant('state_since')}, reauth_exhausted
     FROM connections
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR provider = $2)
     ORDER BY updated_at DESC LIMIT $3`,
    [filter.state ?? null, filter.provider ?? null, filter.limit],
  );
  return rows;
}

export async function connectionTimeline(pool: Pool, provider: string, connectionId: string, limit: number) {
  const { rows } = await pool.query(
    `SELECT ${instant('occurred_at')}, event_type, outcome, account_id, event_id
     FROM connection_events WHERE provider = $1 AND connection_id = $2
     ORDER BY connection_events.occurred_at DESC LIMIT $3`,
    [provider, connectionId, limit],
  );
  return rows;
}

export async function listDeadLetters(pool: Pool, provider: string | undefined, limit: number) {
  const { rows } = await pool.query(
    `SELECT id, provider, received_at, reason, replayed_at, request_id FROM dead_letters
     WHERE ($1::text IS NULL OR provider = $1) ORDER BY id DESC LIMIT $2`,
    [provider ?? null, limit],
  );
  return rows;
}

export async function listIgnored(pool: Pool, provider: string | undefined, limit: number) {
  const { rows } = await pool.query(
    `SELECT id, provider, event_type, event_id, received_at FROM webhook_journal
     WHERE status = 'ignored' AND ($1::text IS NULL OR provider = $1) ORDER BY id DESC LIMIT $2`,
    [provider ?? null, limit],
  );
  return rows;
}

/** Journaled events not yet signalled to their workflow: the first place to look when Temporal was away. */
export async function journalBacklog(pool: Pool, limit: number) {
  const summary = await pool.query<{ pending: number; oldest: Date | null; failing: number; parked: number }>(
    `SELECT count(*)::int AS pending, min(received_at) AS oldest, count(*) FILTER (WHERE dispatch_attempts > 0)::int AS failing,
            (SELECT count(*)::int FROM workflow_backlog WHERE taken_by IS NULL) AS parked
     FROM webhook_journal WHERE status = 'pending'`,
  );
  const { rows } = await pool.query(
    `SELECT id, provider, event_type, workflow_id, received_at, dispatch_attempts, next_dispatch_at, last_error
     FROM webhook_journal WHERE status = 'pending' ORDER BY id LIMIT $1`,
    [limit],
  );
  return { summary: summary.rows[0]!, rows };
}

export async function listAlerts(pool: Pool, includeResolved: boolean) {
  const { rows } = await pool.query(
    `SELECT id, kind, scope, status, occurrences, opened_at, resolved_at, message FROM alerts
     WHERE $1 OR status = 'open' ORDER BY id DESC LIMIT 200`,
    [includeResolved],
  );
  return rows;
}

/** Resolves an alert by hand; true when it was open. */
export async function resolveAlertById(pool: Pool, id: string): Promise<boolean> {
  const { rows } = await pool.query<{ kind: string; scope: string }>(`SELECT kind, scope FROM alerts WHERE id = $1 AND status = 'open'`, [id]);
  const alert = rows[0];
  return alert ? closeAlert(pool, alert.kind, alert.scope) : false;
}
