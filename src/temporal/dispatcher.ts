import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { claimUndispatched, markDispatched, markDispatchFailed, type PendingDispatch } from '../db/journal.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { ConnectionEvent } from '../domain/connection-event.ts';
import { connectionEventSignal, connectionEventsSignal } from '../../workflows/definitions.ts';
import type { ConnectionWorkflowInput } from '../../workflows/connection-workflow.ts';
import type { UserWorkflowInput } from '../../workflows/user-workflow.ts';
import { providerKey, userIdKey } from '../../workflows/search-attributes.ts';
import type { UserIdAttribute } from './user-id-attribute.ts';
import { userWorkflowId } from './workflow-ids.ts';

export interface DeliveryDeps {
  client: Client;
  pool: Pool;
  taskQueue: string;
  workflowEventsPerRun: number;
  logger: Logger;
  /** What the workflows it starts publish as their UserId search attribute. */
  userIdAttribute: UserIdAttribute;
}

export interface DispatcherDeps extends DeliveryDeps {
  sweepIntervalMs: number;
  sweepGraceMs: number;
}

const SIGNAL_DEADLINE_MS = 10_000;
/** Events in one signal, and about how many bytes of them: far below Temporal's 2 MB payload limit. */
const SIGNAL_BATCH = 100;
const SIGNAL_BATCH_BYTES = 256 * 1024;

function batchLength(events: readonly ConnectionEvent[]): number {
  let bytes = 0;
  let count = 0;
  for (const event of events) {
    bytes += Buffer.byteLength(JSON.stringify(event));
    if (count > 0 && (count >= SIGNAL_BATCH || bytes > SIGNAL_BATCH_BYTES)) break;
    count += 1;
  }
  return count;
}
const SWEEP_BATCH = 100;
/** Workflows the sweeper signals at once: a backlog drains at Temporal's pace, not one RPC at a time. */
const SWEEP_PARALLEL = 16;
/** Longer than a batch of signals can take, so a claimed row is not claimed again meanwhile. */
const SWEEP_LEASE_MS = 60_000;
/** Immediate sends in flight at once: a burst goes out at Temporal's pace, not one RPC at a time. */
const MAX_IN_FLIGHT = 32;
/**
 * Acked events waiting for an immediate send. Past this they wait in the journal for the sweeper:
 * a burst cannot pile up unbounded memory in the receiver.
 */
const MAX_QUEUED = 10_000;

/**
 * Hands journaled events to their workflows with signalWithStart: at once after the ack, and from a
 * sweeper for whatever that missed (a crash after the ack, Temporal down). An event may thus be
 * signalled twice; the workflows drop ids they have seen.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { pool, logger } = deps;
  const { deliver, flush } = createDelivery(deps);
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  const inFlight = new Set<Promise<unknown>>();
  /**
   * One send in flight per workflow, the rest gathering behind it for the next: Temporal takes a
   * workflow's signals one at a time under its lock, so more only contend for it, and a burst for
   * one connection (a package of hundreds) would otherwise crowd out every other connection.
   */
  let waiting = new Map<string, PendingDispatch[]>();
  const sendingTo = new Set<string>();
  /** Workflows with events waiting and none in flight, in the order they became so. */
  let ready: string[] = [];
  let readyHead = 0;
  let queued = 0;

  function markReady(workflowId: string): void {
    if (readyHead > 1024 && readyHead * 2 > ready.length) {
      ready = ready.slice(readyHead);
      readyHead = 0;
    }
    ready.push(workflowId);
  }

  function pump(): void {
    while (inFlight.size < MAX_IN_FLIGHT && readyHead < ready.length) {
      const workflowId = ready[readyHead]!;
      readyHead += 1;
      const behind = waiting.get(workflowId)!;
      // Everything that gathered behind the last send goes at once: one signal, not one per event.
      const batch = behind.splice(0, SIGNAL_BATCH);
      if (behind.length === 0) waiting.delete(workflowId);
      queued -= batch.length;
      sendingTo.add(workflowId);
      const sending: Promise<unknown> = Promise.all(batch.map(deliver)).finally(() => {
        inFlight.delete(sending);
        sendingTo.delete(workflowId);
        if (waiting.has(workflowId)) markReady(workflowId);
        pump();
      });
      inFlight.add(sending);
    }
  }

  /** Right after the ack, without waiting; what fails or does not fit stays in the journal for the sweeper. */
  function dispatchNow(items: readonly PendingDispatch[]): void {
    for (const item of items) {
      if (queued >= MAX_QUEUED) break;
      const behind = waiting.get(item.workflowId);
      if (behind) behind.push(item);
      else {
        waiting.set(item.workflowId, [item]);
        // Not in flight and not waiting yet: nothing will make it ready but this.
        if (!sendingTo.has(item.workflowId)) markReady(item.workflowId);
      }
      queued += 1;
    }
    pump();
  }

  /** One batch; how many rows it claimed, so a full batch is followed at once by the next. */
  async function sweepOnce(): Promise<number> {
    const rows = await claimUndispatched(pool, deps.sweepGraceMs, SWEEP_BATCH, SWEEP_LEASE_MS);
    // A workflow's rows are handed over together, so they share one signal; SWEEP_PARALLEL workflows at a time.
    const byWorkflow = new Map<string, PendingDispatch[]>();
    for (const row of rows) {
      const group = byWorkflow.get(row.workflowId);
      if (group) group.push(row);
      else byWorkflow.set(row.workflowId, [row]);
    }
    const groups = [...byWorkflow.values()];
    let delivered = 0;
    for (let i = 0; i < groups.length; i += SWEEP_PARALLEL) {
      const results = await Promise.all(groups.slice(i, i + SWEEP_PARALLEL).flatMap((group) => group.map(deliver)));
      delivered += results.filter(Boolean).length;
    }
    if (rows.length > 0) logger.info({ found: rows.length, delivered }, 'sweeper dispatched journaled events');
    return rows.length;
  }

  function start(): void {
    const tick = () => {
      sweeping = sweepOnce()
        .catch((error: unknown) => {
          logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'sweep failed');
          return 0;
        })
        .then((claimed) => {
          if (timer) timer = setTimeout(tick, claimed === SWEEP_BATCH ? 0 : deps.sweepIntervalMs);
        });
    };
    timer = setTimeout(tick, deps.sweepIntervalMs);
  }

  /** Stops sweeping and waits for sends in flight and their marks, so the Temporal connection can close under none. */
  async function stop(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    await sweeping;
    // Queued events are journaled: the next receiver's sweeper sends them.
    waiting = new Map();
    ready = [];
    readyHead = 0;
    queued = 0;
    await Promise.allSettled([...inFlight]);
    await flush();
  }

  return { dispatchNow, sweepOnce, start, stop };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/**
 * One journaled event to its workflow(s), marked dispatched; a failure is left to the sweeper (with
 * backoff). The worker uses this alone for what it journals itself (reconciliation).
 */
export function createDelivery(deps: DeliveryDeps) {
  const { client, pool, logger } = deps;
  let confirmed: string[] = [];
  let marking: Promise<void> | undefined;

  /** Sends waiting for one workflow; while one signal is in flight, the next events gather. */
  interface Lane {
    workflowType: 'connectionWorkflow' | 'userWorkflow';
    input: ConnectionWorkflowInput | UserWorkflowInput;
    waiting: { event: ConnectionEvent; settle: (error?: unknown) => void }[];
  }
  const lanes = new Map<string, Lane>();

  async function signal(item: PendingDispatch): Promise<void> {
    const event = item.event;
    const userIdAttribute = deps.userIdAttribute.valueOf(event.userId);
    const common = { provider: event.provider, maxEventsPerRun: deps.workflowEventsPerRun, userIdAttribute };
    if (event.connectionId) {
      // Workers are upgraded before receivers (README, "Architecture"), so whichever worker runs it knows every patch.
      await toWorkflow(item.workflowId, 'connectionWorkflow', { ...common, connectionId: event.connectionId, startedPatched: true }, event);
      if (event.type === 'connection.added') await client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => answerPendingAttempt(event));
    } else {
      await toWorkflow(userWorkflowId(event.provider, userIdAttribute), 'userWorkflow', { ...common, userId: event.userId }, event);
    }
  }

  /**
   * Events for a workflow that already has a signal in flight wait for it and then go together, in
   * one signal: a burst for one connection (a package, a sweep) becomes a few signals, so neither
   * its history nor any one activation of its workflow grows with the number of events.
   */
  function toWorkflow(workflowId: string, workflowType: Lane['workflowType'], input: Lane['input'], event: ConnectionEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      const lane = lanes.get(workflowId);
      if (lane) {
        lane.waiting.push({ event, settle });
        return;
      }
      const fresh: Lane = { workflowType, input, waiting: [{ event, settle }] };
      lanes.set(workflowId, fresh);
      // After the caller's synchronous work: the events it hands over together join this first signal.
      queueMicrotask(() => void drain(workflowId, fresh));
    });
  }

  async function drain(workflowId: string, lane: Lane): Promise<void> {
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, batchLength(lane.waiting.map((waiting) => waiting.event)));
      const events = batch.map((waiting) => waiting.event);
      const first = events[0]!;
      try {
        await client.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
          client.workflow.signalWithStart(lane.workflowType, {
            workflowId,
            taskQueue: deps.taskQueue,
            signal: connectionEventsSignal,
            signalArgs: [events] as [ConnectionEvent[]],
            args: [lane.input],
            typedSearchAttributes: [
              { key: providerKey, value: first.provider },
              { key: userIdKey, value: lane.input.userIdAttribute ?? first.userId },
            ],
          }),
        );
        for (const waiting of batch) waiting.settle();
      } catch (error) {
        for (const waiting of batch) waiting.settle(error);
      }
    }
    lanes.delete(workflowId);
  }

  /**
   * A new connection also settles its user's pending attempt, and attempts live in the user's
   * workflow, which a backend's attempt starts. Without one running there is no attempt to settle,
   * so a plain signal (no start) spares every new connection a second workflow.
   */
  async function answerPendingAttempt(event: ConnectionEvent): Promise<void> {
    try {
      await client.workflow.getHandle(userWorkflowId(event.provider, deps.userIdAttribute.valueOf(event.userId))).signal(connectionEventSignal, event);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  /** Marks whatever was confirmed since the last mark in one statement; one statement at a time. */
  function confirm(journalId: string): void {
    confirmed.push(journalId);
    marking ??= (async () => {
      while (confirmed.length > 0) {
        const ids = confirmed;
        confirmed = [];
        // An unmarked row is signalled again by the sweeper later: harmless, the workflows drop it.
        await markDispatched(pool, ids).catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'marking dispatched rows failed'));
      }
      marking = undefined;
    })();
  }

  async function deliver(item: PendingDispatch): Promise<boolean> {
    try {
      await signal(item);
      confirm(item.journalId);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ journalId: item.journalId, workflowId: item.workflowId, err: message }, 'dispatch failed; the sweeper will retry');
      await markDispatchFailed(pool, item.journalId, message).catch(() => undefined);
      return false;
    }
  }

  /** Resolves once every confirmed row is marked. */
  async function flush(): Promise<void> {
    await marking;
  }

  return { deliver, flush };
}
