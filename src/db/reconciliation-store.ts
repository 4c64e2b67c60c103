import type { ConnectionStatus, TransitionTimes } from '../domain/connection-state.ts';
import type { Correction, HeldConnection, ReconciliationRun } from '../domain/reconciliation.ts';
import { journalItems, type PendingDispatch } from './journal.ts';
import { instant } from './instant-sql.ts';
import { inTransaction, type Pool } from './pool.ts';

/** The run of this workflow execution chain, created on first call: a retried activity finds the same row. */
export async function beginRun(pool: Pool, provider: string, workflow: { workflowId: string; firstRunId: string }): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO reconciliation_runs (provider, workflow_id, first_run_id) VALUES ($1, $2, $3)
     ON CONFLICT (first_run_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id RETURNING id`,
    [provider, workflow.workflowId, workflow.firstRunId],
  );
  return rows[0]!.id;
}

/**
 * The users whose connections the provider can be asked about, in id order after `after`: those a
 * backend registered credentials for (SnapTrade's user secret) or whose loginName a hook brought (Vezgo).
 */
export async function usersToReconcile(pool: Pool, provider: string, after: string, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ user_id: string }>(
    `SELECT user_id FROM (
       (SELECT user_id FROM user_credentials WHERE provider = $1 AND user_id > $2 ORDER BY user_id LIMIT $3)
       UNION
       (SELECT user_id FROM provider_users WHERE provider = $1 AND login_name IS NOT NULL AND user_id > $2 ORDER BY user_id LIMIT $3)
     ) users ORDER BY user_id LIMIT $3`,
    [provider, after, limit],
  );
  return rows.map((row) => row.user_id);
}

/** The user's connections as Postgres holds them, deleted ones included (they stay deleted). */
export async function heldConnections(pool: Pool, provider: string, userId: string): Promise<HeldConnection[]> {
  const { rows } = await pool.query<{ connection_id: string; state: ConnectionStatus; latest: Partial<TransitionTimes> | null }>(
    `SELECT connection_id, state, lifecycle -> 'latest' AS latest FROM connections WHERE provider = $1 AND user_id = $2`,
    [provider, userId],
  );
  return rows.map((row) => ({
    connectionId: row.connection_id,
    status: row.state,
    latest: { active: row.latest?.active ?? null, broken: row.latest?.broken ?? null, degraded: row.latest?.degraded ?? null },
  }));
}

/**
 * Journals the corrections exactly like webhooks (same table, same (provider, event_id) key) and
 * records the fresh ones against the run in the same transaction. What comes back is to be
 * dispatched; what the journal already held (seen by an earlier run, or this one before a retry)
 * is neither dispatched again nor counted again.
 */
export async function journalCorrections(pool: Pool, runId: string, provider: string, corrections: readonly Correction[], requestId: string): Promise<PendingDispatch[]> {
  if (corrections.length === 0) return [];
  return inTransaction(pool, async (client) => {
    const journal = await journalItems(client, provider, corrections.map((c) => ({ kind: 'event' as const, event: c.event })), requestId);
    const kindOf = new Map(corrections.map((c) => [c.event.eventId, c.kind]));
    for (const { event } of journal.fresh) {
      await client.query(
        `INSERT INTO reconciliation_corrections (provider, event_id, run_id, kind, connection_id, user_id, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [provider, event.eventId, runId, kindOf.get(event.eventId), event.connectionId, event.userId, event.occurredAt],
      );
    }
    return journal.fresh;
  });
}

/** Counts one page; only once, even when the activity that did it is retried after it committed. */
export async function recordPage(pool: Pool, runId: string, page: { after: string; last: string; checked: number; failed: number }): Promise<void> {
  await pool.query(
    `UPDATE reconciliation_runs SET users_checked = users_checked + $3, users_failed = users_failed + $4, cursor = $5
     WHERE id = $1 AND coalesce(cursor, '') = $2`,
    [runId, page.after, page.checked, page.failed, page.last],
  );
}

export async function finishRun(pool: Pool, runId: string): Promise<ReconciliationRun> {
  const { rows } = await pool.query<{ id: string; provider: string; users_checked: number; users_failed: number; corrections: ReconciliationRun['corrections'] }>(
    `UPDATE reconciliation_runs SET status = 'completed', finished_at = coalesce(finished_at, now()),
       corrections = (SELECT coalesce(jsonb_object_agg(kind, n), '{}') FROM
                        (SELECT kind, count(*)::int AS n FROM reconciliation_corrections WHERE run_id = $1 GROUP BY kind) counted)
     WHERE id = $1 RETURNING id, provider, users_checked, users_failed, corrections`,
    [runId],
  );
  const row = rows[0]!;
  return { runId: row.id, provider: row.provider, usersChecked: row.users_checked, usersFailed: row.users_failed, corrections: row.corrections };
}

/** Latest runs first, for `npm run ops -- reconcile runs`. */
export async function listRuns(pool: Pool, provider: string | undefined, limit: number) {
  const { rows } = await pool.query(
    `SELECT id, provider, status, ${instant('started_at')}, ${instant('finished_at')}, users_checked, users_failed, corrections, workflow_id
     FROM reconciliation_runs WHERE ($1::text IS NULL OR provider = $1) ORDER BY id DESC LIMIT $2`,
    [provider ?? null, limit],
  );
  return rows;
}
