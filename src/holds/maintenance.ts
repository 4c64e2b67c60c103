import type { Pool } from '../db/pool.ts';
import type { MaintenanceNotice } from '../domain/provider-notice.ts';

/**
 * Maintenance a provider announced, as `prompt_holds` rows with reason 'maintenance' over the whole
 * provider ('*'): the prompt gate holds user prompts inside the window, the outage detector stays
 * quiet there (connections breaking during maintenance are the maintenance, not an outage).
 */

/** One row per announcing event: a retried activity or a second delivery finds the row it wrote. */
export async function recordMaintenanceHold(pool: Pool, provider: string, eventId: string, notice: MaintenanceNotice): Promise<void> {
  await pool.query(
    `INSERT INTO prompt_holds (provider, brokerage_id, reason, starts_at, ends_at, detail, event_id)
     VALUES ($1, '*', 'maintenance', $2, $3, $4, $5)
     ON CONFLICT (provider, event_id) WHERE event_id IS NOT NULL DO NOTHING`,
    [provider, notice.startsAt, notice.endsAt, JSON.stringify({ description: notice.description }), eventId],
  );
}

/** When the maintenance covering `now` for this brokerage (or its whole provider) ends; null outside any. */
export async function maintenanceHoldEnd(pool: Pool, provider: string, brokerageId: string | null, now: number): Promise<number | null> {
  const { rows } = await pool.query<{ ends_at: Date | null }>(
    `SELECT max(ends_at) AS ends_at FROM prompt_holds
     WHERE provider = $1 AND brokerage_id IN ('*', $2) AND reason = 'maintenance' AND cleared_at IS NULL
       AND starts_at <= $3 AND ends_at > $3`,
    [provider, brokerageId ?? '*', new Date(now)],
  );
  return rows[0]?.ends_at ? rows[0].ends_at.getTime() : null;
}
