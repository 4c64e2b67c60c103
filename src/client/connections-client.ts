import { randomUUID } from 'node:crypto';
import {
  ActivityFailure,
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
  type Client,
  type UpdateDefinition,
  type WorkflowHandle,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import type { ConnectionAction } from '../domain/connection-actions.ts';
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
  /** How long `startAction` waits for an action's outcome before answering that it is still under way. */
  actionWaitMs?: number;
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
/** The provider failed the call or refused it (a 502 over HTTP); its HTTP status when it answered. */
export class ProviderActionFailed extends Error {
  constructor(
    message: string,
    readonly provider: string,
    readonly providerStatus: number | null,
  ) {
    super(message);
  }
}
/**
 * The action cannot be carried out as this deployment stands: no SDK client is configured for the
 * provider (501 over HTTP), or the user's credentials were never registered (424).
 */
export class ConnectionActionUnavailable extends Error {
  constructor(
    message: string,
    readonly reason: 'no-provider-client' | 'no-credentials',
  ) {
    super(message);
  }
}

/** An action's outcome, or the id to ask for it by (`actionProgress`) while the provider is still at it. */
export type ActionProgress = { status: 'done'; result: unknown } | { status: 'pending'; actionId: string };

const actionUpdates: Record<ConnectionAction, UpdateDefinition<unknown, []>> = { refresh: refreshUpdate, remind: remindUpdate, delete: deleteUpdate };

/** `<update id>` or `<update id>.<run id>`: the run pins it across continue-as-new. */
const actionIdPattern = /^([0-9a-f-]{36})(?:\.([0-9a-f-]{36}))?$/;
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
        workflowId: userWorkflowId(request.provider, this.userIdAttribute.valueOf(request.userId)),
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
    const deadline = Date.now() + waitMs;
    // The user's workflow is named by the current key's hash; one started under an older key (or
    // before encryption) still holds the attempts it was given.
    const keys = this.userIdAttribute.candidatesOf(ref.userId);
    for (;;) {
      let attempt: BackendAttempt | null = null;
      for (const key of keys) {
        try {
          attempt = await this.client.workflow.getHandle(userWorkflowId(ref.provider, key)).query(attemptQuery, ref.attemptId);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
        if (attempt) break;
      }
      if (!attempt) return null;
      if (attempt.status !== 'pending' || Date.now() >= deadline) return viewOf(ref.provider, ref.userId, attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_INTERVAL_MS, deadline - Date.now())));
    }
  }

  /** Asks the provider to sync the connection now. */
  refresh(provider: string, connectionId: string): Promise<{ requested: boolean }> {
    return this.outcome(refreshUpdate, provider, connectionId);
  }

  /** Sends the user a re-authentication prompt now; only for a broken connection. */
  remind(provider: string, connectionId: string): Promise<{ attempt: number }> {
    return this.outcome(remindUpdate, provider, connectionId);
  }

  /** Removes the connection at the provider through its SDK, then marks it deleted. */
  delete(provider: string, connectionId: string): Promise<{ status: 'deleted'; removedAtProvider: boolean }> {
    return this.outcome(deleteUpdate, provider, connectionId);
  }

  /**
   * Starts the action and waits up to `actionWaitMs` (default 30 s) for its outcome: a slow
   * provider does not hold the caller, who gets an action id to ask about later instead.
   * Throws ConnectionActionRefused, ProviderActionFailed, ConnectionActionUnavailable, ConnectionNotRunning.
   */
  async startAction(action: ConnectionAction, provider: string, connectionId: string): Promise<ActionProgress> {
    const deadline = Date.now() + (this.options.actionWaitMs ?? 30_000);
    const updateId = randomUUID();
    const handle = this.connectionHandle(provider, connectionId);
    let update: WorkflowUpdateHandle<unknown> | undefined;
    try {
      return await this.client.withDeadline(deadline, async () => {
        update = await handle.startUpdate(actionUpdates[action], { waitForStage: WorkflowUpdateStage.ACCEPTED, updateId });
        return { status: 'done' as const, result: await update.result() };
      });
    } catch (error) {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        return { status: 'pending', actionId: update?.workflowRunId ? `${updateId}.${update.workflowRunId}` : updateId };
      }
      throw actionError(error, provider, connectionId);
    }
  }

  /** What became of an action `startAction` left pending, waiting up to `waitMs`; null for an unknown id. */
  async actionProgress(provider: string, connectionId: string, actionId: string, waitMs = 0): Promise<ActionProgress | null> {
    const id = actionIdPattern.exec(actionId);
    if (!id) return null;
    const update = this.connectionHandle(provider, connectionId).getUpdateHandle(id[1]!, id[2] ? { workflowRunId: id[2] } : undefined);
    try {
      return { status: 'done', result: await this.client.withDeadline(Date.now() + Math.max(waitMs, 1_000), () => update.result()) };
    } catch (error) {
      if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { status: 'pending', actionId };
      if (error instanceof WorkflowNotFoundError) return null;
      throw actionError(error, provider, connectionId);
    }
  }

  private connectionHandle(provider: string, connectionId: string): WorkflowHandle {
    return this.client.workflow.getHandle(connectionWorkflowId(provider, connectionId));
  }

  private async outcome<R>(update: UpdateDefinition<R, []>, provider: string, connectionId: string): Promise<R> {
    try {
      return await this.connectionHandle(provider, connectionId).executeUpdate(update);
    } catch (error) {
      throw actionError(error, provider, connectionId);
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

/**
 * Why an action failed, told apart: a state refusal (the validator, or the handler's check behind
 * the lock), a provider's failure (the activity's last failure, with the provider's status), or a
 * deployment that cannot act (no provider client, no credentials).
 */
function actionError(error: unknown, provider: string, connectionId: string): unknown {
  if (error instanceof WorkflowNotFoundError) return new ConnectionNotRunning(`no workflow runs for ${provider} connection ${connectionId}`);
  if (!(error instanceof WorkflowUpdateFailedError)) return error;
  const failure = error.cause;
  const cause = failure instanceof ActivityFailure ? failure.cause : failure;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === 'ActionRefused') return new ConnectionActionRefused(cause.message);
    if (cause.type === 'NoProviderClient') return new ConnectionActionUnavailable(cause.message, 'no-provider-client');
    if (cause.type === 'NoCredentials') return new ConnectionActionUnavailable(cause.message, 'no-credentials');
    // Validators of earlier versions refused with a plain error.
    if (!(failure instanceof ActivityFailure) && cause.type === 'Error') return new ConnectionActionRefused(cause.message);
  }
  if (failure instanceof ActivityFailure) {
    const detail = cause instanceof ApplicationFailure ? (cause.details?.[0] as { status?: unknown } | undefined) : undefined;
    const status = typeof detail?.status === 'number' ? detail.status : null;
    return new ProviderActionFailed(cause?.message ?? failure.message, provider, status);
  }
  return error;
}
