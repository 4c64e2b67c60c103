// What the server recorded for a workflow, for the benches to count: the type of every event of
// every run (continue-as-new included), in order.
import type { Client } from '@temporalio/client';

export async function historyEventTypes(client: Client, workflowId: string): Promise<string[]> {
  const types: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const attributes = Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key as keyof typeof event]);
      types.push(attributes?.replace(/EventAttributes$/, '') ?? String(event.eventType));
    }
  }
  return types;
}
