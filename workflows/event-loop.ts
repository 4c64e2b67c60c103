import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';

export type LoopExit = { reason: 'finished' } | { reason: 'continue-as-new'; pending: ConnectionEvent[] };

/**
 * Applies queued signal events one at a time, in arrival order, until `apply` says the entity is
 * finished or the run has grown enough to continue as new. Signal handlers only push to `queue`,
 * so whatever is left there when the loop exits is handed over, never dropped.
 */
export async function runEventLoop(
  queue: ConnectionEvent[],
  maxEventsPerRun: number,
  apply: (event: ConnectionEvent) => Promise<'continue' | 'finished'>,
): Promise<LoopExit> {
  let applied = 0;
  let finished = false;
  const runIsFull = () => applied >= maxEventsPerRun || workflowInfo().continueAsNewSuggested;

  for (;;) {
    await condition(() => queue.length > 0 || runIsFull());
    while (queue.length > 0 && !runIsFull()) {
      const outcome = await apply(queue.shift()!);
      applied += 1;
      if (outcome === 'finished') finished = true;
    }
    // Late deliveries that arrived while finishing are applied (and recorded) before the run closes.
    if (finished && queue.length === 0) {
      await condition(allHandlersFinished);
      if (queue.length === 0) return { reason: 'finished' };
    }
    if (runIsFull()) {
      await condition(allHandlersFinished);
      return { reason: 'continue-as-new', pending: queue.splice(0) };
    }
  }
}
