import type { ConnectionEvent } from '../domain/connection-event.ts';
import { inTransaction, type Pool } from './pool.ts';

/**
 * A workflow's queued events, parked across continue-as-new. Rows a run has taken are deleted at
 * the workflow's next take or deferral: by then they are in that run's history (applied, or queued
 * and deferred again), so nothing is lost if the run dies in between.
 */
export async function deferEvents(pool: Pool, workflowId: string, events: readonly ConnectionEvent[]): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`DELETE FROM workflow_backlog WHERE workflow_id = $1 AND taken_by IS NOT NULL`, [workflowId]);
    // A retried call, or an event taken and queued again, lands on its own row; an event signalled
    // twice (the dispatcher and the sweeper) is parked once.
    const once = [...new Map(events.map((event) => [event.eventId, event])).values()];
    await client.query(
      `INSERT INTO workflow_backlog (workflow_id, event_id, event)
       SELECT $1, e->>'eventId', e FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n
       ON CONFLICT (workflow_id, event_id) DO UPDATE SET taken_by = NULL, event = EXCLUDED.event`,
      [workflowId, JSON.stringify(once)],
    );
  });
}

export interface BacklogBatch {
  events: ConnectionEvent[];
  /** Rows are left after this batch. */
  more: boolean;
}

/**
 * The next batch, oldest first, at most `limit` events and about `maxBytes` of them (so the
 * activity's result stays far below Temporal's payload limit). Idempotent per `takeId`.
 */
export async function takeDeferred(pool: Pool, workflowId: string, takeId: string, limit: number, maxBytes: number): Promise<BacklogBatch> {
  return inTransaction(pool, async (client) => {
    let { rows } = await client.query<{ id: string; event: ConnectionEvent }>(`SELECT id, event FROM workflow_backlog WHERE workflow_id = $1 AND taken_by = $2 ORDER BY id`, [
      workflowId,
      takeId,
    ]);
    if (rows.length === 0) {
      await client.query(`DELETE FROM workflow_backlog WHERE workflow_id = $1 AND taken_by IS NOT NULL`, [workflowId]);
      ({ rows } = await client.query<{ id: string; event: ConnectionEvent }>(
        `UPDATE workflow_backlog b SET taken_by = $2 FROM (
           SELECT id FROM (
             SELECT id, sum(octet_length(event::text)) OVER (ORDER BY id) AS running, row_number() OVER (ORDER BY id) AS n
             FROM (SELECT id, event FROM workflow_backlog WHERE workflow_id = $1 AND taken_by IS NULL ORDER BY id LIMIT $3 FOR UPDATE) AS head
           ) AS sized WHERE running <= $4 OR n = 1
         ) AS batch
         WHERE b.id = batch.id
         RETURNING b.id, b.event`,
        [workflowId, takeId, limit, maxBytes],
      ));
      rows.sort((a, b) => Number(a.id) - Number(b.id));
    }
    const left = await client.query(`SELECT 1 FROM workflow_backlog WHERE workflow_id = $1 AND taken_by IS NULL LIMIT 1`, [workflowId]);
    return { events: rows.map((row) => row.event), more: (left.rowCount ?? 0) > 0 };
  });
}
