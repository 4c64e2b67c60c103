import { condition, allHandlersFinished, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { PersistenceActivities } from '../activities/persistence-activities.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';

// Like the rest of persistence: while Postgres is away the events wait here, durable, in history.
const { deferEvents, takeDeferredEvents } = proxyActivities<PersistenceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Events per activity call, in bytes of JSON: far below Temporal's 2 MB payload limit. */
const BATCH_BYTES = 256 * 1024;
const TAKE_LIMIT = 100;

/**
 * What a run had queued but not applied when it continued as new. A backlog grown while an
 * activity retried (Postgres away, one busy account) can hold thousands of events, more than a
 * continue-as-new input may carry (2 MB), so they are parked in Postgres (`workflow_backlog`) and
 * the next run takes them back in batches as it has room. The journal rows stay `dispatched`:
 * the events are in this workflow's keeping, in history or in the backlog table, at every moment.
 */
export interface Backlog {
  /** Events may be parked for this workflow. */
  readonly pending: boolean;
  /** Up to `room` parked events, oldest first. */
  take(room: number): Promise<ConnectionEvent[]>;
  /** Parks everything in `queue` (and what arrives meanwhile), emptying it. */
  park(queue: ConnectionEvent[]): Promise<void>;
}

export function createBacklog(parked: boolean): Backlog {
  let pending = parked;
  return {
    get pending() {
      return pending;
    },
    async take(room) {
      const batch = await takeDeferredEvents(workflowInfo().workflowId, uuid4(), Math.max(1, Math.min(room, TAKE_LIMIT)), BATCH_BYTES);
      pending = batch.more;
      return batch.events;
    },
    async park(queue) {
      for (;;) {
        await condition(allHandlersFinished);
        if (queue.length === 0) return;
        await deferEvents(workflowInfo().workflowId, queue.splice(0, batchLength(queue)));
        pending = true;
      }
    },
  };
}

function batchLength(queue: readonly ConnectionEvent[]): number {
  let bytes = 0;
  let count = 0;
  for (const event of queue) {
    bytes += JSON.stringify(event).length * 3;
    if (count > 0 && bytes > BATCH_BYTES) break;
    count += 1;
  }
  return count;
}
