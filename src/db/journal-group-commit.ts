import type { DeliveryItem } from '../providers/adapter.ts';
import { connectionEventSchema, type ConnectionEvent } from '../domain/connection-event.ts';
import { workflowIdFor } from '../temporal/workflow-ids.ts';
import { isCausedByInput } from './errors.ts';
import { journalDelivery, storableItem, type JournalResult } from './journal.ts';
import type { Pool } from './pool.ts';

export interface JournalWriter {
  /** Resolves once the delivery is committed, never before: only then may the provider hear 200. */
  journal(provider: string, items: readonly DeliveryItem[], requestId: string): Promise<JournalResult>;
}

export interface GroupCommitOptions {
  /** Rows one statement carries at most. */
  maxRows?: number;
  /** Statements in flight at once; what arrives meanwhile waits for the next one. */
  maxStatements?: number;
}

interface Row {
  provider: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'ignored';
  workflowId: string | null;
  /** What is journaled is what gets dispatched: the checked, storable copy. */
  event: ConnectionEvent | null;
  body: string | null;
  requestId: string;
}

interface Waiting {
  rows: Row[];
  resolve(result: JournalResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the ack path. Concurrent deliveries are journaled together: one autocommitted
 * multi-row INSERT per turn (no BEGIN/COMMIT round trips, one WAL flush for all of them), and each
 * delivery is answered only when the statement holding its rows has committed. At low load a
 * delivery goes out alone at once; under load the next statement carries whatever arrived while the
 * previous one was in flight, so throughput grows with load instead of commits queueing.
 *
 * Deliveries with a dead letter or personal data to keep (rare: malformed items, Vezgo's login
 * name) take the transactional path of journalDelivery, which writes to more than one table.
 */
export function createJournalWriter(pool: Pool, options: GroupCommitOptions = {}): JournalWriter {
  const maxRows = options.maxRows ?? 500;
  const maxStatements = options.maxStatements ?? 2;
  let queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled || queue.length === 0 || inFlight >= maxStatements) return;
    scheduled = true;
    // Deliveries whose bodies were read in the same turn of the event loop join one statement.
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && inFlight < maxStatements) {
        const batch = takeBatch();
        inFlight += 1;
        void write(batch).finally(() => {
          inFlight -= 1;
          schedule();
        });
      }
    });
  }

  function takeBatch(): Waiting[] {
    let rows = 0;
    let count = 0;
    while (count < queue.length && (count === 0 || rows + queue[count]!.rows.length <= maxRows)) {
      rows += queue[count]!.rows.length;
      count += 1;
    }
    const batch = queue.slice(0, count);
    queue = queue.slice(count);
    return batch;
  }

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const inserted = await insertRows(pool, batch.flatMap((waiting) => waiting.rows));
      for (const waiting of batch) waiting.resolve(resultOf(waiting, inserted));
    } catch (error) {
      if (batch.length > 1 && isCausedByInput(error)) {
        // One delivery's content spoilt the statement for all: each goes again alone, so only it fails.
        await Promise.all(batch.map((waiting) => write([waiting])));
        return;
      }
      for (const waiting of batch) waiting.reject(error);
    }
  }

  return {
    journal(provider, items, requestId) {
      const rows = rowsOf(provider, items, requestId);
      if (!rows) return journalDelivery(pool, provider, items, requestId);
      if (rows.length === 0) return Promise.resolve({ fresh: [], duplicates: 0, ignored: 0, deadLettered: 0 });
      return new Promise<JournalResult>((resolve, reject) => {
        queue.push({ rows, resolve, reject });
        schedule();
      });
    },
  };
}

/**
 * The journal rows of a delivery, made storable as journalDelivery makes them, or null when it
 * needs more than the journal table (a dead letter, a login name).
 */
function rowsOf(provider: string, items: readonly DeliveryItem[], requestId: string): Row[] | null {
  const rows: Row[] = [];
  for (const item of items.map(storableItem)) {
    if (item.kind === 'malformed') return null;
    if (item.kind === 'ignored') {
      rows.push({ provider, eventId: item.eventId, eventType: item.eventType, status: 'ignored', workflowId: null, event: null, body: JSON.stringify(item.body), requestId });
      continue;
    }
    const checked = connectionEventSchema.safeParse(item.event);
    if (item.loginName !== undefined || !checked.success) return null;
    const event = checked.data;
    rows.push({ provider, eventId: event.eventId, eventType: event.type, status: 'pending', workflowId: workflowIdFor(event), event, body: null, requestId });
  }
  return rows;
}

const keyOf = (provider: string, eventId: string) => `${provider}\u0000${eventId}`;

/**
 * One statement for every row; a key already in the journal, or earlier in this very statement (a
 * redelivery racing its original), inserts nothing. Returns the new rows' ids by key.
 */
async function insertRows(pool: Pool, rows: readonly Row[]): Promise<Map<string, string>> {
  const columns = { provider: [] as string[], eventId: [] as string[], eventType: [] as string[], status: [] as string[] };
  const more = { workflowId: [] as Array<string | null>, event: [] as Array<string | null>, body: [] as Array<string | null>, requestId: [] as string[] };
  for (const row of rows) {
    columns.provider.push(row.provider);
    columns.eventId.push(row.eventId);
    columns.eventType.push(row.eventType);
    columns.status.push(row.status);
    more.workflowId.push(row.workflowId);
    more.event.push(row.event && JSON.stringify(row.event));
    more.body.push(row.body);
    more.requestId.push(row.requestId);
  }
  const { rows: inserted } = await pool.query<{ id: string; provider: string; event_id: string }>(
    `INSERT INTO webhook_journal (provider, event_id, event_type, status, workflow_id, event, body, request_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[])
     ON CONFLICT (provider, event_id) DO NOTHING
     RETURNING id, provider, event_id`,
    [columns.provider, columns.eventId, columns.eventType, columns.status, more.workflowId, more.event, more.body, more.requestId],
  );
  return new Map(inserted.map((row) => [keyOf(row.provider, row.event_id), row.id]));
}

/** A key inserted by the statement belongs to the first row that carried it; any later one is a duplicate. */
function resultOf(waiting: Waiting, inserted: Map<string, string>): JournalResult {
  const result: JournalResult = { fresh: [], duplicates: 0, ignored: 0, deadLettered: 0 };
  for (const row of waiting.rows) {
    const key = keyOf(row.provider, row.eventId);
    const id = inserted.get(key);
    inserted.delete(key);
    if (id === undefined) result.duplicates += 1;
    else if (row.event === null) result.ignored += 1;
    else result.fresh.push({ journalId: id, workflowId: row.workflowId!, event: row.event });
  }
  return result;
}
