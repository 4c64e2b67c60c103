import { allHandlersFinished, condition, patched, workflowInfo } from '@temporalio/workflow';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import type { Backlog } from './backlog.ts';

/**
 * Events applied in one pass at most: a pass runs in one workflow activation, which must stay far
 * inside the worker's 5 s budget for a workflow's JavaScript even on a starved CPU, and a backlog
 * of thousands is applied a hundred at a time.
 */
const MAX_BATCH = 100;

/** `backlog`: events were parked for the next run to take (see backlog.ts). */
export type LoopExit = { reason: 'finished' } | { reason: 'continue-as-new'; pending: ConnectionEvent[]; backlog: boolean };

export interface EventLoopHandlers {
  apply(event: ConnectionEvent): Promise<void>;
  /** When given, everything queued (up to the run's limit) is applied in one call instead. */
  applyBatch?: ((events: ConnectionEvent[]) => Promise<void>) | undefined;
  /** True once the entity has reached its end (a deleted connection); an update may get it there too. */
  finished?: () => boolean;
  /** Epoch ms of the next timer the entity needs (a prompt, a retry), or null. */
  nextDeadline?: () => number | null;
  onDeadline?: () => Promise<void>;
}

/**
 * Applies queued signal events in arrival order (one at a time, or all queued at once), and wakes for the entity's own
 * timers, until the entity is finished or the run has grown enough to continue as new. Signal
 * handlers only push to `queue`, so whatever is left there when the loop exits is handed over,
 * never dropped: parked in the backlog, which the next run drains as it has room, so what crosses
 * continue-as-new stays small however long the queue grew; update handlers are waited for, never
 * cut off.
 */
export async function runEventLoop(queue: ConnectionEvent[], maxEventsPerRun: number, handlers: EventLoopHandlers, backlog: Backlog): Promise<LoopExit> {
  let applied = 0;
  const finished = () => handlers.finished?.() ?? false;
  const runIsFull = () => applied >= maxEventsPerRun || workflowInfo().continueAsNewSuggested;
  const nextDeadline = () => (finished() ? null : (handlers.nextDeadline?.() ?? null));
  const backlogWaiting = () => backlog.pending && !runIsFull();

  for (;;) {
    const deadline = nextDeadline();
    // An update handler may bring a timer forward (a new attempt's deadline): that wakes the loop too.
    const woken = () => queue.length > 0 || backlogWaiting() || runIsFull() || finished() || nextDeadline() !== deadline;
    if (deadline === null) await condition(woken);
    else if (!(await condition(woken, Math.max(deadline - Date.now(), 1)))) await handlers.onDeadline?.();

    for (;;) {
      if (queue.length === 0 && backlogWaiting()) queue.push(...(await backlog.take(maxEventsPerRun - applied)));
      if (queue.length === 0 || runIsFull()) break;
      if (handlers.applyBatch) {
        const batch = queue.splice(0, Math.min(MAX_BATCH, maxEventsPerRun - applied));
        await handlers.applyBatch(batch);
        applied += batch.length;
      } else {
        await handlers.apply(queue.shift()!);
        applied += 1;
      }
    }
    // Late deliveries that arrived while finishing are applied (and recorded) before the run closes.
    if (finished() && queue.length === 0 && !backlog.pending) {
      await condition(allHandlersFinished);
      if (queue.length === 0) return { reason: 'finished' };
    }
    if (runIsFull()) {
      await condition(allHandlersFinished);
      // Runs that continued as new before the backlog existed carried their queue in the input.
      if (queue.length > 0 && patched('park-backlog')) await backlog.park(queue);
      return { reason: 'continue-as-new', pending: queue.splice(0), backlog: backlog.pending };
    }
  }
}
