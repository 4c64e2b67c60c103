import type { Pool } from '../db/pool.ts';
import type { AlertLevel } from '../domain/alert-level.ts';

/** Opens the (kind, scope) alert, or counts one more occurrence of the open one. True when newly opened. */
export async function openAlert(pool: Pool, kind: string, scope: string, message: string, level: AlertLevel = 'error'): Promise<boolean> {
  const { rows } = await pool.query<{ inserted: boolean }>(
    `INSERT INTO alerts (kind, scope, status, message, level) VALUES ($1, $2, 'open', $3, $4)
     ON CONFLICT (kind, scope) WHERE status = 'open'
     DO UPDATE SET occurrences = alerts.occurrences + 1, message = EXCLUDED.message, level = EXCLUDED.level, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [kind, scope, message, level],
  );
  return rows[0]?.inserted ?? false;
}

/** True when an open alert was resolved by this call. */
export async function closeAlert(pool: Pool, kind: string, scope: string): Promise<boolean> {
  const result = await pool.query(
    `UPDATE alerts SET status = 'resolved', resolved_at = now(), updated_at = now()
     WHERE kind = $1 AND scope = $2 AND status = 'open'`,
    [kind, scope],
  );
  return (result.rowCount ?? 0) > 0;
}
