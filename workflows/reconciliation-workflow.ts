import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PageResult, ReconciliationActivities } from '../activities/reconciliation-activities.ts';
import type { ReconciliationRun } from '../src/domain/reconciliation.ts';

export interface ReconciliationInput {
  provider: string;
  pageSize: number;
  maxRps: number;
  /** Carried over by continue-as-new: the run's row, where the next page starts, the pace. */
  run?: { runId: string; after: string; notBefore: number };
}

const bookkeeping = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Longest a single provider call may take (the SDK clients' timeout) and a margin. */
const CALL_ALLOWANCE_MS = 60_000;

/**
 * One reconciliation of one provider, started by its Schedule: a page of users per run, then
 * continue-as-new with the cursor, so the history stays small for any number of users. A provider
 * that fails makes the page activity retry with backoff, without end: the Schedule skips its next
 * start while this one runs, and the next run starts from scratch anyway.
 */
export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationRun> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const run = input.run ?? { runId: await bookkeeping.beginReconciliationRun(input.provider, { workflowId, firstRunId: firstExecutionRunId }), after: '', notBefore: 0 };
  const intervalMs = 1000 / input.maxRps;
  const { reconcilePage } = proxyActivities<ReconciliationActivities>({
    // Every call is paced; a user may take a few (deletions are confirmed one by one).
    startToCloseTimeout: Math.ceil(input.pageSize * 4 * intervalMs + CALL_ALLOWANCE_MS * 5),
    heartbeatTimeout: Math.ceil(intervalMs + CALL_ALLOWANCE_MS),
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
  const page: PageResult = await reconcilePage({ provider: input.provider, runId: run.runId, after: run.after, pageSize: input.pageSize, maxRps: input.maxRps, notBefore: run.notBefore });
  if (!page.done) {
    return continueAsNew<typeof reconciliationWorkflow>({ ...input, run: { runId: run.runId, after: page.last, notBefore: page.notBefore } });
  }
  return bookkeeping.finishReconciliationRun(run.runId);
}
