import { createHash } from 'node:crypto';
import { connectionEventSchema, type ConnectionEvent } from '../domain/connection-event.ts';
import type { DeliveryItem } from '../providers/adapter.ts';
import { workflowIdFor } from '../temporal/workflow-ids.ts';
import { storable, storableText, toJsonb } from './jsonb.ts';
import { inTransaction, type Pool, type PoolClient } from './pool.ts';
import { saveLoginName } from './user-profile-store.ts';

/** A journaled event still to be signalled to its workflow. */
export interface PendingDispatch {
  journalId: string;
  workflowId: string;
  event: ConnectionEvent;
}

export interface JournalResult {
  fresh: PendingDispatch[];
  duplicates: number;
  ignored: number;
  deadLettered: number;
}

/**
 * Records a whole delivery in one transaction; only after it commits may the provider be told 200.
 * A redelivered event hits the (provider, event_id) key and is counted as a duplicate.
 */
export async function journalDelivery(
  pool: Pool,
  provider: string,
  items: readonly DeliveryItem[],
  requestId: string,
): Promise<JournalResult> {
  return inTransaction(pool, (client) => journalItems(client, provider, items, requestId));
}

/** journalDelivery inside a transaction the caller holds (a replay that also retires the old row). */
export async function journalItems(client: PoolClient, provider: string, items: readonly DeliveryItem[], requestId: string): Promise<JournalResult> {
  const result: JournalResult = { fresh: [], duplicates: 0, ignored: 0, deadLettered: 0 };
  for (const item of items.map(storableItem)) {
    if (item.kind === 'malformed') {
      if (await insertDeadLetter(client, provider, item.reason, item.body, requestId)) result.deadLettered += 1;
      else result.duplicates += 1;
    } else if (item.kind === 'ignored') {
      const inserted = await client.query(
        `INSERT INTO webhook_journal (provider, event_id, event_type, status, body, request_id)
         VALUES ($1, $2, $3, 'ignored', $4, $5) ON CONFLICT (provider, event_id) DO NOTHING`,
        [provider, item.eventId, item.eventType, JSON.stringify(item.body), requestId],
      );
      if (inserted.rowCount === 0) result.duplicates += 1;
      else result.ignored += 1;
    } else {
      const checked = connectionEventSchema.safeParse(item.event);
      if (!checked.success) {
        // What an adapter made of it cannot be routed (a year 0, an id with U+0000 or a lone surrogate):
        // kept for inspection rather than left to jam its workflow.
        const problem = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        if (await insertDeadLetter(client, provider, `normalized event invalid: ${problem}`, item.event, requestId)) result.deadLettered += 1;
        else result.duplicates += 1;
        continue;
      }
      // Exactly what is journaled is what the workflow gets, now and from the sweeper.
      const event = checked.data;
      const workflowId = workflowIdFor(event);
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO webhook_journal (provider, event_id, event_type, status, workflow_id, event, request_id)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6) ON CONFLICT (provider, event_id) DO NOTHING RETURNING id`,
        [provider, event.eventId, event.type, workflowId, JSON.stringify(event), requestId],
      );
      const row = inserted.rows[0];
      if (row && item.loginName) await saveLoginName(client, provider, event.userId, item.loginName);
      if (row) result.fresh.push({ journalId: row.id, workflowId, event });
      else result.duplicates += 1;
    }
  }
  return result;
}

/**
 * The one place a delivery becomes values every store accepts (journal, timeline, attempts,
 * alerts, holds): U+0000 and lone surrogates in free text replaced, nesting bounded. Done before
 * anything is stored or dispatched, so no activity ever sees what Postgres would refuse.
 */
export function storableItem(item: DeliveryItem): DeliveryItem {
  switch (item.kind) {
    case 'event':
      // Ids are left as sent: one that cannot be stored or routed fails the event schema below.
      return { kind: 'event', event: { ...item.event, detail: storable(item.event.detail) }, ...(item.loginName === undefined ? {} : { loginName: storableText(item.loginName) }) };
    case 'ignored':
      return { kind: 'ignored', eventId: storableText(item.eventId), eventType: storableText(item.eventType), body: storable(item.body) };
    case 'malformed':
      return { kind: 'malformed', reason: storableText(item.reason), body: storable(item.body) };
  }
}

/**
 * Keeps what could not be read. Keyed by its content, so a redelivery (a package sent again, a
 * provider's retries) is kept once; false when it already was.
 */
/** What is kept of a body that was never authenticated: enough to recognise it, never all of it. */
export const UNAUTHENTICATED_PREFIX_BYTES = 4096;

export async function insertDeadLetter(
  client: Pool | PoolClient,
  provider: string,
  reason: string,
  body: unknown,
  requestId: string,
  authenticated = true,
): Promise<boolean> {
  const kept = authenticated ? { body, sha256: null, bytes: null, truncated: false } : boundedBody(body);
  const storedReason = storableText(reason);
  const storedBody = toJsonb(kept.body);
  const dedupKey = createHash('sha256').update(storedReason).update('\n').update(kept.sha256 ?? storedBody).digest('hex');
  const inserted = await client.query(
    `INSERT INTO dead_letters (provider, reason, body, request_id, authenticated, dedup_key, body_sha256, body_bytes, body_truncated)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (provider, dedup_key) DO NOTHING`,
    [provider, storedReason, storedBody, requestId, authenticated, dedupKey, kept.sha256, kept.bytes, kept.truncated],
  );
  return (inserted.rowCount ?? 0) > 0;
}

/** The hash is of the text as redacted at the door, so no secret can be guessed back from it. */
function boundedBody(body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const bytes = Buffer.from(text, 'utf8');
  const truncated = bytes.length > UNAUTHENTICATED_PREFIX_BYTES;
  // Cut on bytes, decoded leniently: a character split at the edge becomes U+FFFD, never invalid text.
  const kept = truncated ? bytes.subarray(0, UNAUTHENTICATED_PREFIX_BYTES).toString('utf8') : body;
  return { body: kept, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, truncated };
}

/** Many rows at once: the dispatcher marks whatever its sends confirmed since its last mark. */
export async function markDispatched(client: Pool | PoolClient, journalIds: readonly string[]): Promise<void> {
  await client.query(
    `UPDATE webhook_journal SET status = 'dispatched', dispatched_at = now(), dispatch_attempts = dispatch_attempts + 1,
            last_error = NULL
     WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
    [journalIds],
  );
}

/** Backs off exponentially (1 s doubling, capped at 5 min) so a long Temporal outage is not hammered. */
export async function markDispatchFailed(client: Pool | PoolClient, journalId: string, error: string): Promise<void> {
  await client.query(
    `UPDATE webhook_journal SET dispatch_attempts = dispatch_attempts + 1, last_error = $2,
            next_dispatch_at = now() + least(interval '5 minutes', interval '1 second' * power(2, least(dispatch_attempts, 20)))
     WHERE id = $1 AND status = 'pending'`,
    [journalId, error.slice(0, 2000)],
  );
}

/**
 * Claims rows the immediate dispatch did not get through: FOR UPDATE SKIP LOCKED splits them
 * between concurrent sweepers, and the claim is a lease (next_dispatch_at moves on) taken in a
 * short transaction, so no row lock is held while Temporal is called.
 */
export async function claimUndispatched(pool: Pool, olderThanMs: number, limit: number, leaseMs: number): Promise<PendingDispatch[]> {
  const { rows } = await pool.query<{ id: string; workflow_id: string; event: ConnectionEvent }>(
    `UPDATE webhook_journal SET next_dispatch_at = now() + make_interval(secs => $3::double precision / 1000)
     WHERE id IN (
       SELECT id FROM webhook_journal
       WHERE status = 'pending' AND next_dispatch_at <= now()
         AND received_at <= now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id, workflow_id, event`,
    [olderThanMs, limit, leaseMs],
  );
  return rows.map((row) => ({ journalId: row.id, workflowId: row.workflow_id, event: row.event }));
}
