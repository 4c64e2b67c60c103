import type { Client } from '@temporalio/client';
import { connectionStateKey } from '../../workflows/search-attributes.ts';
import { userWorkflowsQuery, type UserIdAttribute } from './user-id-attribute.ts';

/** One of a user's workflows, as the visibility store lists it. */
export type UserWorkflowSummary = { workflowId: string; status: string; connectionState: string | null };

/** The user's workflows (connections and attempts), found by the UserId search attribute; at most `limit`. */
export async function listUserWorkflows(client: Client, userIdAttribute: UserIdAttribute, provider: string, userId: string, limit = 100): Promise<UserWorkflowSummary[]> {
  const found: UserWorkflowSummary[] = [];
  const query = userWorkflowsQuery(provider, userIdAttribute.candidatesOf(userId));
  for await (const execution of client.workflow.list({ query, pageSize: limit })) {
    found.push({ workflowId: execution.workflowId, status: execution.status.name, connectionState: execution.typedSearchAttributes.get(connectionStateKey) ?? null });
    if (found.length >= limit) break;
  }
  return found;
}
