import type { Alerter } from '../alerts/alerter.ts';
import type { Pool } from '../db/pool.ts';
import { maintenanceHoldEnd } from './maintenance.ts';

export interface OutagePolicy {
  threshold: number;
  windowMs: number;
  maxHoldMs: number;
}

export interface OutageStatus {
  /** While an outage holds prompts, until when at the latest (the next time to look again). */
  heldUntil: number | null;
}

/**
 * Many connections of one brokerage breaking together is the brokerage failing, not its users
 * forgetting passwords. Breakages are counted in a sliding window in Postgres (an index per
 * brokerage and time keeps this cheap at any number of connections). Above the threshold an
 * outage hold opens (one ops alert); it clears, and the alert resolves, once the window holds no
 * more than the threshold; it never holds longer than maxHold.
 */
export function createOutageDetector(deps: { pool: Pool; alerter: Alerter; policy: OutagePolicy }) {
  const { pool, alerter, policy } = deps;
  const scopeOf = (provider: string, brokerageId: string) => `${provider}:${brokerageId}`;

  async function evaluate(provider: string, brokerageId: string, now: number): Promise<OutageStatus> {
    const windowStart = new Date(now - policy.windowMs);
    // Counted up to one past the threshold, which is all the decision needs: an outage breaks
    // thousands of connections, each evaluated as it breaks, and counting the whole window each
    // time made that quadratic in the size of the outage.
    // And the newest breakage past the threshold's count: once it leaves the window, only the newest
    // `threshold` are left in it, so no outage can end before then (one index scan of threshold + 1 rows).
    const { rows } = await pool.query<{ breakages: number; deciding: Date | null }>(
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM breakages
                 WHERE provider = $1 AND brokerage_id = $2 AND broke_at > $3 LIMIT $4) AS recent) AS breakages,
              (SELECT broke_at FROM breakages WHERE provider = $1 AND brokerage_id = $2 AND broke_at > $3
                 ORDER BY broke_at DESC OFFSET $5 LIMIT 1) AS deciding`,
      [provider, brokerageId, windowStart, policy.threshold + 1, policy.threshold],
    );
    const { breakages, deciding } = rows[0]!;
    const open = await pool.query<{ ends_at: Date }>(
      `SELECT ends_at FROM prompt_holds
       WHERE provider = $1 AND brokerage_id = $2 AND reason = 'outage' AND cleared_at IS NULL
       ORDER BY starts_at DESC LIMIT 1`,
      [provider, brokerageId],
    );
    const hold = open.rows[0];
    const scope = scopeOf(provider, brokerageId);

    if (breakages > policy.threshold) {
      // Breakages during announced maintenance are the maintenance: no outage, no alert. Prompts
      // are held by the maintenance itself; the count is looked at again once it is over.
      if (!hold && (await maintenanceHoldEnd(pool, provider, brokerageId, now)) !== null) return { heldUntil: null };
      const endsAt = hold ? hold.ends_at.getTime() : await openHold(provider, brokerageId, now, breakages);
      if (endsAt <= now) return { heldUntil: null };
      // Not when the oldest breakage leaves the window: while an outage goes on that is a moment
      // away, and every held connection would wake to ask again at the pace breakages came in.
      return { heldUntil: Math.min(endsAt, (deciding?.getTime() ?? now) + policy.windowMs + 1) };
    }
    if (hold) {
      await pool.query(`UPDATE prompt_holds SET cleared_at = $3 WHERE provider = $1 AND brokerage_id = $2 AND reason = 'outage' AND cleared_at IS NULL`, [
        provider,
        brokerageId,
        new Date(now),
      ]);
      await alerter.resolve('provider_outage', scope);
    }
    return { heldUntil: null };
  }

  /**
   * The brokerage's one open outage hold (a unique index): the breakages of an outage are evaluated
   * concurrently, and whichever opens it raises the alert; the others take its end.
   */
  async function openHold(provider: string, brokerageId: string, now: number, breakages: number): Promise<number> {
    const opened = await pool.query(
      `INSERT INTO prompt_holds (provider, brokerage_id, reason, starts_at, ends_at, detail) VALUES ($1, $2, 'outage', $3, $4, $5)
       ON CONFLICT (provider, brokerage_id) WHERE reason = 'outage' AND cleared_at IS NULL DO NOTHING`,
      [provider, brokerageId, new Date(now), new Date(now + policy.maxHoldMs), JSON.stringify({ breakages })],
    );
    if (opened.rowCount === 1) {
      await alerter.raise('provider_outage', scopeOf(provider, brokerageId), `more than ${policy.threshold} connections broke within ${policy.windowMs / 1000}s; user prompts held`);
      return now + policy.maxHoldMs;
    }
    const { rows } = await pool.query<{ ends_at: Date }>(
      `SELECT ends_at FROM prompt_holds WHERE provider = $1 AND brokerage_id = $2 AND reason = 'outage' AND cleared_at IS NULL`,
      [provider, brokerageId],
    );
    // Cleared in between: the next breakage or timer looks again.
    return rows[0]?.ends_at.getTime() ?? now;
  }

  return { evaluate };
}

export type OutageDetector = ReturnType<typeof createOutageDetector>;
