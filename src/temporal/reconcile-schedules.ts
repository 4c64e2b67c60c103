import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Logger } from '../logger.ts';
import type { ReconciliationInput } from '../../workflows/reconciliation-workflow.ts';

/** Providers whose API can be reconciled against; each has one Schedule per namespace. */
export const reconcilableProviders = ['snaptrade', 'vezgo'] as const;

export const reconcileScheduleId = (provider: string): string => `reconcile:${provider}`;

export interface ReconcileScheduleConfig {
  TEMPORAL_TASK_QUEUE: string;
  /** null: reconciliation is off. */
  RECONCILE_INTERVAL: number | null;
  RECONCILE_MAX_RPS: number;
  RECONCILE_PAGE_SIZE: number;
}

/**
 * The worker's Schedules, one per provider it can ask (`reconcile:<provider>`), created or brought
 * in line with its configuration at every start: a second start updates, never duplicates, and
 * keeps an operator's pause. With reconciliation off, or a provider not configured, a Schedule
 * that starts work on this worker's task queue is removed; one of another deployment is left alone.
 */
export async function ensureReconcileSchedules(client: Client, config: ReconcileScheduleConfig, configured: readonly string[], logger: Logger): Promise<void> {
  for (const provider of reconcilableProviders) {
    const handle = client.schedule.getHandle(reconcileScheduleId(provider));
    if (config.RECONCILE_INTERVAL === null || !configured.includes(provider)) {
      await removeIfOurs(provider);
      continue;
    }
    const input: ReconciliationInput = { provider, pageSize: config.RECONCILE_PAGE_SIZE, maxRps: config.RECONCILE_MAX_RPS };
    const action: ScheduleOptionsStartWorkflowAction<(input: ReconciliationInput) => Promise<unknown>> = {
      type: 'startWorkflow',
      workflowType: 'reconciliationWorkflow',
      // Each start gets this id and its start time: reconcile:snaptrade-2026-01-01T06:00:00Z.
      workflowId: reconcileScheduleId(provider),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [input],
    };
    const spec = { intervals: [{ every: config.RECONCILE_INTERVAL }] };
    // A run still going when the next is due is enough; after downtime, one catch-up run at most.
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: config.RECONCILE_INTERVAL };
    try {
      await client.schedule.create({ scheduleId: handle.scheduleId, spec, action, policies });
      logger.info({ scheduleId: handle.scheduleId, everyMs: config.RECONCILE_INTERVAL }, 'reconciliation schedule created');
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await handle.update((previous) => ({ ...previous, spec, action, policies }));
      logger.info({ scheduleId: handle.scheduleId, everyMs: config.RECONCILE_INTERVAL }, 'reconciliation schedule updated');
    }
  }

  async function removeIfOurs(provider: string): Promise<void> {
    const handle = client.schedule.getHandle(reconcileScheduleId(provider));
    try {
      const description = await handle.describe();
      if (description.action.type !== 'startWorkflow' || description.action.taskQueue !== config.TEMPORAL_TASK_QUEUE) return;
      await handle.delete();
      logger.info({ scheduleId: handle.scheduleId }, 'reconciliation schedule removed (off, or the provider is not configured)');
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
}

/**
 * Starts a run now through the provider's Schedule (so it shows there, with the scheduled ones);
 * one already running is finished first. False when there is no such Schedule.
 */
export async function triggerReconciliation(client: Client, provider: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(reconcileScheduleId(provider)).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}
