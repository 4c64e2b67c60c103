import { journalItems, UNAUTHENTICATED_PREFIX_BYTES, type JournalResult } from '../db/journal.ts';
import { inTransaction, type Pool } from '../db/pool.ts';
import type { AdapterVerdict, DeliveryItem, ProviderAdapter } from '../providers/adapter.ts';

export type ReplayResult = { ok: true; journal: JournalResult } | { ok: false; reason: string };

/**
 * Re-runs a kept body through its provider's adapter (interpret: parse and normalize; it was
 * authenticated when it arrived) and the journal, exactly as a delivery would be. The journal's
 * dedup key makes a second replay a no-op; the receiver's sweeper signals what it journals.
 */
async function replay(
  pool: Pool,
  adapters: readonly ProviderAdapter[],
  kept: { provider: string; body: unknown; receivedAt: Date },
  requestId: string,
  retire: (client: Parameters<typeof journalItems>[0]) => Promise<void>,
): Promise<ReplayResult> {
  const adapter = adapters.find((candidate) => candidate.provider === kept.provider);
  if (!adapter) return { ok: false, reason: `no ${kept.provider} adapter is configured` };
  const verdict: AdapterVerdict = adapter.interpret(kept.body, kept.receivedAt);
  if (verdict.kind === 'rejected') return { ok: false, reason: `${verdict.title}: ${verdict.detail}` };
  const unreadable = verdict.items.filter((item): item is Extract<DeliveryItem, { kind: 'malformed' }> => item.kind === 'malformed');
  if (unreadable.length > 0) return { ok: false, reason: unreadable.map((item) => item.reason).join('; ') };
  if (verdict.items.every((item) => item.kind === 'ignored')) return { ok: false, reason: 'this version still does not orchestrate that event type' };
  // One transaction: the kept row is retired first (a replayed ignored event may carry the same
  // id as its old row), and if journaling fails it is not retired at all.
  const journal = await inTransaction(pool, async (client) => {
    await retire(client);
    return journalItems(client, kept.provider, verdict.items, requestId);
  });
  return { ok: true, journal };
}

/**
 * A dead letter, as kept or with a corrected body. Replayed once; a body that was never
 * authenticated (not JSON where the secret sits in the body) needs `force`, and one of which only
 * a prefix was kept needs the whole body.
 */
export async function replayDeadLetter(
  pool: Pool,
  adapters: readonly ProviderAdapter[],
  id: string,
  options: { body?: unknown; force?: boolean } = {},
): Promise<ReplayResult> {
  const { rows } = await pool.query<{ provider: string; body: unknown; received_at: Date; authenticated: boolean; body_truncated: boolean; body_bytes: number | null; replayed_at: Date | null }>(
    `SELECT provider, body, received_at, authenticated, body_truncated, body_bytes, replayed_at FROM dead_letters WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return { ok: false, reason: `no dead letter ${id}` };
  if (row.replayed_at) return { ok: false, reason: `dead letter ${id} was replayed at ${row.replayed_at.toISOString()}` };
  if (row.body_truncated && options.body === undefined) {
    return { ok: false, reason: `only the first ${UNAUTHENTICATED_PREFIX_BYTES} bytes of dead letter ${id} (${row.body_bytes} bytes) were kept: replay it with --body FILE` };
  }
  if (!row.authenticated && !options.force) return { ok: false, reason: `dead letter ${id} was never authenticated: check where it came from, then --force` };
  const requestId = `replay:dead-letter:${id}`;
  return replay(pool, adapters, { provider: row.provider, body: options.body ?? row.body, receivedAt: row.received_at }, requestId, async (client) => {
    await client.query(`UPDATE dead_letters SET replayed_at = now(), replay_request_id = $2 WHERE id = $1`, [id, requestId]);
  });
}

/** A journaled-but-ignored event, once a newer version understands its type. */
export async function replayIgnored(pool: Pool, adapters: readonly ProviderAdapter[], journalId: string): Promise<ReplayResult> {
  const { rows } = await pool.query<{ provider: string; body: unknown; received_at: Date }>(
    `SELECT provider, body, received_at FROM webhook_journal WHERE id = $1 AND status = 'ignored'`,
    [journalId],
  );
  const row = rows[0];
  if (!row) return { ok: false, reason: `no ignored journal row ${journalId}` };
  return replay(pool, adapters, { provider: row.provider, body: row.body, receivedAt: row.received_at }, `replay:ignored:${journalId}`, async (client) => {
    await client.query(`DELETE FROM webhook_journal WHERE id = $1 AND status = 'ignored'`, [journalId]);
  });
}
