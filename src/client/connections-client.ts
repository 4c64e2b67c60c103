import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { BackendAttempt } from '../domain/backend-attempts.ts';
import type { ConnectionView } from '../domain/connection-view.ts';
import { attemptQuery, connectionStateQuery, deleteUpdate, refreshUpdate, remindUpdate, startAttemptUpdate } from '../../workflows/definitions.ts';
import type { UserWorkflowInput } from '../../workflows/user-workflow.ts';
import { userIdAttributeFrom, type UserIdAttribute } from '../temporal/user-id-attribute.ts';
import { listUserWorkflows, type UserWorkflowSummary } from '../temporal/user-workflows.ts';
import { connectionWorkflowId, userWorkflowId } from '../temporal/workflow-ids.ts';
import { decodeAttemptId, encodeAttemptId } from './attempt-id.ts';

export interface ConnectionsClientOptions {
  taskQueue: string;
  /** How long an attempt waits for the provider's webhook before it is abandoned. */
  attemptTimeoutMs: number;
  workflowEventsPerRun?: number;
  /**
   * The UserId search attribute of the workflows it starts, and how it finds a user's workflows:
   * `userIdAttributeFrom(TEMPORAL_ENCRYPTION_KEY)`. Plain ids when left out.
   */
  userIdAttribute?: UserIdAttribute;
}

export type AttemptView = Omit<BackendAttempt, 'attemptId' | 'startedAt' | 'deadline' | 'resolvedAt'> & {
  attemptId: string;
  provider: string;
  userId: string;
  startedAt: string;
  deadline: string;
  resolvedAt: string | null;
};

const POLL_INTERVAL_MS = 250;

/** The connection's state does not allow the action (a 409 over HTTP); the message says why. */
export class ConnectionActionRefused extends Error {}
/** No workflow runs for that connection: unknown, or deleted and closed. */
export class ConnectionNotRunning extends Error {}

/**
 * The backend's handle on connection workflows, straight over Temporal: what the HTTP API does,
 * for services in the same network. `import { ConnectionsClient } from 'connection-lifecycle'`.
 */
export class ConnectionsClient {
  private readonly userIdAttribute: UserIdAttribute;

  constructor(
    private readonly client: Client,
    private readonly options: ConnectionsClientOptions,
  ) {
    this.userIdAttribute = options.userIdAttribute ?? userIdAttributeFrom(undefined);
  }

  /** Starts (or joins) the user's attempt and answers at once; the webhooks decide how it ends. */
  async startAttempt(request: { provider: string; userId: string; brokerageId?: string | null }): Promise<AttemptView> {
    const input: UserWorkflowInput = {
      provider: request.provider,
      userId: request.userId,
      maxEventsPerRun: this.options.workflowEventsPerRun ?? 500,
      userIdAttribute: this.userIdAttribute.valueOf(request.userId),
    };
    const attempt = await this.client.workflow.executeUpdateWithStart(startAttemptUpdate, {
      args: [{ brokerageId: request.brokerageId ?? null, timeoutMs: this.options.attemptTimeoutMs }],
      startWorkflowOperation: new WithStartWorkflowOperation('userWorkflow', {
        workflowId: userWorkflowId(request.provider, request.userId),
        taskQueue: this.options.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    return viewOf(request.provider, request.userId, attempt);
  }

  /** The attempt's status; with `waitMs`, waits up to that long for it to stop being pending. */
  async getAttempt(id: string, waitMs = 0): Promise<AttemptView | null> {
    const ref = decodeAttemptId(id);
    if (!ref) return null;
    const handle = this.client.workflow.getHandle(userWorkflowId(ref.provider, ref.userId));
    const deadline = Date.now() + waitMs;
    for (;;) {
      let attempt: BackendAttempt | null;
      try {
        attempt = await handle.query(attemptQuery, ref.attemptId);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
      if (!attempt) return null;
      if (attempt.status !== 'pending' || Date.now() >= deadline) return viewOf(ref.provider, ref.userId, attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_INTERVAL_MS, deadline - Date.now())));
    }
  }

  /** Asks the provider to sync the connection now. */
  refresh(provider: string, connectionId: string): Promise<{ requested: boolean }> {
    return this.act(provider, connectionId, (handle) => handle.executeUpdate(refreshUpdate));
  }

  /** Sends the user a re-authentication prompt now; only for a broken connection. */
  remind(provider: string, connectionId: string): Promise<{ attempt: number }> {
    return this.act(provider, connectionId, (handle) => handle.executeUpdate(remindUpdate));
  }

  /** Removes the connection at the provider through its SDK, then marks it deleted. */
  delete(provider: string, connectionId: string): Promise<{ status: 'deleted'; removedAtProvider: boolean }> {
    return this.act(provider, connectionId, (handle) => handle.executeUpdate(deleteUpdate));
  }

  private async act<T>(provider: string, connectionId: string, update: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T> {
    try {
      return await update(this.client.workflow.getHandle(connectionWorkflowId(provider, connectionId)));
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new ConnectionActionRefused(error.cause?.message ?? error.message);
      if (error instanceof WorkflowNotFoundError) throw new ConnectionNotRunning(`no workflow runs for ${provider} connection ${connectionId}`);
      throw error;
    }
  }

  async connectionState(provider: string, connectionId: string): Promise<ConnectionView> {
    return this.client.workflow.getHandle(connectionWorkflowId(provider, connectionId)).query(connectionStateQuery);
  }

  /** The user's workflows (connections and attempts), found by the UserId search attribute. */
  async workflowsOfUser(provider: string, userId: string, limit = 100): Promise<UserWorkflowSummary[]> {
    return listUserWorkflows(this.client, this.userIdAttribute, provider, userId, limit);
  }

}

function viewOf(provider: string, userId: string, attempt: BackendAttempt): AttemptView {
  return {
    ...attempt,
    attemptId: encodeAttemptId(provider, userId, attempt.attemptId),
    provider,
    userId,
    startedAt: new Date(attempt.startedAt).toISOString(),
    deadline: new Date(attempt.deadline).toISOString(),
    resolvedAt: attempt.resolvedAt === null ? null : new Date(attempt.resolvedAt).toISOString(),
  };
}
