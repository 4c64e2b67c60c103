import type { Client } from '@temporalio/client';
import { markDispatched, markDispatchFailed, lockUndispatched, type PendingDispatch } from '../db/journal.ts';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { ConnectionEvent } from '../domain/connection-event.ts';
import { connectionEventSignal } from '../../workflows/definitions.ts';
import type { ConnectionWorkflowInput } from '../../workflows/connection-workflow.ts';
import type { UserWorkflowInput } from '../../workflows/user-workflow.ts';
import { providerKey, userIdKey } from '../../workflows/search-attributes.ts';

export interface DispatcherDeps {
  client: Client;
  pool: Pool;
  taskQueue: string;
  workflowEventsPerRun: number;
  sweepIntervalMs: number;
  sweepGraceMs: number;
  logger: Logger;
}

const SIGNAL_DEADLINE_MS = 10_000;
const SWEEP_BATCH = 100;

/**
 * Hands journaled events to their workflows with signalWithStart: at once after the ack, and from a
 * sweeper for whatever that missed (a crash after the ack, Temporal down). An event may thus be
 * signalled twice; the workflows drop ids they have seen.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { client, pool, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();

  async function signal(item: PendingDispatch): Promise<void> {
    const event = item.event;
    const options = {
      workflowId: item.workflowId,
      taskQueue: deps.taskQueue,
      signal: connectionEventSignal,
      signalArgs: [event] as [ConnectionEvent],
      typedSearchAttributes: [
        { key: providerKey, value: event.provider },
        { key: userIdKey, value: event.userId },
      ],
    };
    await client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, async () => {
      if (event.connectionId) {
        const input: ConnectionWorkflowInput = { provider: event.provider, connectionId: event.connectionId, maxEventsPerRun: deps.workflowEventsPerRun };
        await client.workflow.signalWithStart('connectionWorkflow', { ...options, args: [input] });
      } else {
        const input: UserWorkflowInput = { provider: event.provider, userId: event.userId, maxEventsPerRun: deps.workflowEventsPerRun };
        await client.workflow.signalWithStart('userWorkflow', { ...options, args: [input] });
      }
    });
  }

  async function deliver(db: Pool | PoolClient, item: PendingDispatch): Promise<boolean> {
    try {
      await signal(item);
      await markDispatched(db, item.journalId);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ journalId: item.journalId, workflowId: item.workflowId, err: message }, 'dispatch failed; the sweeper will retry');
      await markDispatchFailed(db, item.journalId, message).catch(() => undefined);
      return false;
    }
  }

  /** Right after the ack; failures stay in the journal for the sweeper. */
  async function dispatchNow(items: readonly PendingDispatch[]): Promise<void> {
    for (const item of items) await deliver(pool, item);
  }

  async function sweepOnce(): Promise<number> {
    return inTransaction(pool, async (db) => {
      const rows = await lockUndispatched(db, deps.sweepGraceMs, SWEEP_BATCH);
      let delivered = 0;
      for (const row of rows) if (await deliver(db, row)) delivered += 1;
      if (rows.length > 0) logger.info({ found: rows.length, delivered }, 'sweeper dispatched journaled events');
      return delivered;
    });
  }

  function start(): void {
    const tick = () => {
      sweeping = sweepOnce()
        .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'sweep failed'))
        .finally(() => {
          if (timer) timer = setTimeout(tick, deps.sweepIntervalMs);
        });
    };
    timer = setTimeout(tick, deps.sweepIntervalMs);
  }

  async function stop(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    await sweeping;
  }

  return { dispatchNow, sweepOnce, start, stop };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
