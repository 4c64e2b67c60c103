import { inTransaction, type Pool } from '../db/pool.ts';

export interface SharedGauges {
  takenAt: number;
  backlog: number;
  /** Age of the oldest journaled event not yet signalled when the snapshot was taken (by Postgres's clock). */
  lagSeconds: number | null;
  connections: { provider: string; state: string; n: number }[];
  notifications: { type: string; channel: string; status: string; n: number }[];
  brokenByBrokerage: { provider: string; brokerage: string; n: number }[];
  openAlerts: { kind: string; level: string; n: number }[];
  reconciliationCorrections: { provider: string; kind: string; n: number }[];
  /** Epoch seconds of each provider's last completed reconciliation run. */
  reconciliationLastCompleted: { provider: string; at: number }[];
}

/** Bounds one read, so a slow Postgres cannot pile up scrapes. */
const STATEMENT_TIMEOUT = '5s';

/** What every process shares, read in one read-only transaction so the figures agree with each other. */
export async function readSharedGauges(pool: Pool): Promise<SharedGauges> {
  return inTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`);
    const backlog = await client.query<{ n: number; lag: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min(received_at))::float8 AS lag FROM webhook_journal WHERE status = 'pending'`,
    );
    const connections = await client.query<{ provider: string; state: string; n: number }>(
      `SELECT provider, state, count(*)::int AS n FROM connections GROUP BY provider, state`,
    );
    const notifications = await client.query<{ type: string; channel: string; status: string; n: number }>(
      `SELECT type, channel, CASE WHEN status = 'pending' AND attempts > 0 THEN 'failing' ELSE status END AS status,
              count(*)::int AS n
       FROM notification_outbox GROUP BY 1, 2, 3`,
    );
    const brokenByBrokerage = await client.query<{ provider: string; brokerage: string; n: number }>(
      `SELECT provider, coalesce(brokerage_id, 'unknown') AS brokerage, count(*)::int AS n FROM connections WHERE state = 'broken' GROUP BY 1, 2`,
    );
    const openAlerts = await client.query<{ kind: string; level: string; n: number }>(
      `SELECT kind, level, count(*)::int AS n FROM alerts WHERE status = 'open' GROUP BY 1, 2`,
    );
    const corrections = await client.query<{ provider: string; kind: string; n: number }>(
      `SELECT provider, kind, count(*)::int AS n FROM reconciliation_corrections GROUP BY provider, kind`,
    );
    const lastCompleted = await client.query<{ provider: string; at: number }>(
      `SELECT provider, extract(epoch FROM max(finished_at))::float8 AS at FROM reconciliation_runs WHERE status = 'completed' GROUP BY provider`,
    );
    return {
      takenAt: Date.now(),
      backlog: backlog.rows[0]!.n,
      lagSeconds: backlog.rows[0]!.lag,
      connections: connections.rows,
      notifications: notifications.rows,
      brokenByBrokerage: brokenByBrokerage.rows,
      openAlerts: openAlerts.rows,
      reconciliationCorrections: corrections.rows,
      reconciliationLastCompleted: lastCompleted.rows,
    };
  });
}
