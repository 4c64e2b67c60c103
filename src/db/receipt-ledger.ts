import { createHash } from 'node:crypto';
import type { ReceiptLedger } from '../providers/receipt-ledger.ts';
import { storableText } from './jsonb.ts';
import { inTransaction, type Pool } from './pool.ts';

/**
 * receipt_ledger in Postgres. The upsert replaces the row unless it holds the same body within the
 * window, and locks it either way, so concurrent copies of one hook all get one id. Committed before
 * the journal: if journaling then fails, the provider's retry is given the same id and journaled then.
 */
export function createReceiptLedger(pool: Pool): ReceiptLedger {
  return {
    eventIdFor: (receipt) =>
      inTransaction(pool, async (client) => {
        const scope = createHash('sha256').update(receipt.scope).digest('hex');
        const recorded = await client.query<{ event_id: string }>(
          `INSERT INTO receipt_ledger AS last (provider, scope, body_digest, event_id, accepted_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (provider, scope) DO UPDATE
             SET body_digest = EXCLUDED.body_digest, event_id = EXCLUDED.event_id, accepted_at = EXCLUDED.accepted_at
             WHERE last.body_digest <> EXCLUDED.body_digest
                OR last.accepted_at <= EXCLUDED.accepted_at - make_interval(secs => $6::double precision / 1000)
           RETURNING event_id`,
          [receipt.provider, scope, receipt.digest, storableText(receipt.candidateId), receipt.receivedAt, receipt.windowMs],
        );
        if (recorded.rows[0]) return recorded.rows[0].event_id;
        const last = await client.query<{ event_id: string }>(`SELECT event_id FROM receipt_ledger WHERE provider = $1 AND scope = $2`, [receipt.provider, scope]);
        return last.rows[0]!.event_id;
      }),
  };
}
