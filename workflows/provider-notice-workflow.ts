import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { proxyActivities, sleep, startChild } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alert-activities.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';

// No attempt limit: these only write Postgres, and a notice that is never recorded lets prompts out.
const notices = proxyActivities<Pick<AlertActivities, 'beginMaintenance' | 'endMaintenance' | 'raiseProviderAlert'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One provider-wide notice (maintenance, alert), acted on apart from the connection it arrived on:
 * it outlives that connection's run, and sleeps through a maintenance window to tell ops when it
 * is over.
 */
export async function providerNoticeWorkflow(event: ConnectionEvent): Promise<void> {
  if (event.type === 'provider.alert') {
    await notices.raiseProviderAlert(event);
    return;
  }
  const endsAt = await notices.beginMaintenance(event);
  if (endsAt === null) return;
  await sleep(Math.max(endsAt - Date.now(), 1));
  await notices.endMaintenance(event);
}

/**
 * Started from the connection workflow, which is where provider deliveries are dispatched. The
 * workflow id is the event's and is never reused, so a notice delivered or applied twice starts once.
 */
export async function startProviderNotice(event: ConnectionEvent): Promise<void> {
  try {
    await startChild(providerNoticeWorkflow, {
      workflowId: `provider-notice:${event.provider}:${event.eventId}`,
      args: [event],
      parentClosePolicy: 'ABANDON',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
