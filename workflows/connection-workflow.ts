import { Mutex } from 'async-mutex';
import { ApplicationFailure, continueAsNew, log, patched, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alert-activities.ts';
import type { NotificationActivities } from '../activities/notification-activities.ts';
import type { PersistenceActivities } from '../activities/persistence-activities.ts';
import type { PolicyActivities } from '../activities/policy-activities.ts';
import type { ProviderActivities } from '../activities/provider-activities.ts';
import type { ConnectionRef } from '../src/domain/connection-ref.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import { summaryOf } from '../src/domain/connection-summary.ts';
import { viewOf } from '../src/domain/connection-view.ts';
import { deletionRequested, refusalOf, remindNow, type ConnectionAction } from '../src/domain/connection-actions.ts';
import { connectionEventSignal, connectionStateQuery, deleteUpdate, refreshUpdate, remindUpdate } from './definitions.ts';
import { createBacklog } from './backlog.ts';
import { runEventLoop } from './event-loop.ts';
import { applyEvent, initialConnectionState } from '../src/domain/lifecycle.ts';
import { snapshotOf, type ConnectionState, type Effect } from '../src/domain/connection-state.ts';
import { nextWakeUp, tick, userPromptDue } from '../src/domain/lifecycle-timers.ts';
import { startProviderNotice } from './provider-notice-workflow.ts';
import { brokerageIdKey, connectionStateKey, providerKey, reauthExhaustedKey, userIdKey } from './search-attributes.ts';

export interface ConnectionWorkflowInput {
  provider: string;
  connectionId: string;
  maxEventsPerRun: number;
  /**
   * The UserId search attribute, as the starter computed it (a keyed hash when payloads are
   * encrypted); runs started before it existed publish the state's user id, as they did.
   */
  userIdAttribute?: string;
  /** Carried over by continue-as-new. */
  state?: ConnectionState;
  /** Carried by runs that continued as new before the backlog existed. */
  pending?: ConnectionEvent[];
  /** Events are parked in the backlog for this run to take (see backlog.ts). */
  backlog?: boolean;
}

const retryForever = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };

// No attempt limit: while Postgres is down the event waits here, durable, instead of being lost.
const persistence = proxyActivities<PersistenceActivities>({ startToCloseTimeout: '30 seconds', retry: retryForever });
const policies = proxyActivities<PolicyActivities>({ startToCloseTimeout: '30 seconds', retry: retryForever });
// Outbound calls are bounded, so a dead endpoint cannot stall the connection's event loop for long;
// what did not go out stays in the outbox or the alerts table.
const outboundOptions = { startToCloseTimeout: '1 minute', retry: { ...retryForever, maximumAttempts: 8 } } as const;
const providerCalls = proxyActivities<ProviderActivities>(outboundOptions);
// A notification is written to the outbox and tried once; the worker's relay owns its retries. The
// activity thus fails only while Postgres does, and then, as for persistence, the record must not be lost.
const notifications = proxyActivities<NotificationActivities>({ startToCloseTimeout: '1 minute', retry: retryForever });
const alerts = proxyActivities<Pick<AlertActivities, 'raiseConnectionAlert' | 'resolveConnectionAlert'>>(outboundOptions);

/** One run per connection, for its whole life: applies provider events and its own timers through the lifecycle. */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<ConnectionState> {
  const queue: ConnectionEvent[] = [...(input.pending ?? [])];
  let state: ConnectionState = input.state ?? initialConnectionState(input.provider, input.connectionId);
  setHandler(connectionEventSignal, (event) => {
    queue.push(event);
  });
  setHandler(connectionStateQuery, () => viewOf(state));

  // A fresh run may follow a closed one (a late event after deletion): Postgres remembers the past.
  if (!input.state) state = (await persistence.loadConnection(input.provider, input.connectionId)) ?? state;
  const policy = await policies.lifecyclePolicy();
  const publish = (current: ConnectionState) => publishSearchAttributes(current, input.userIdAttribute ?? current.userId ?? undefined);
  publish(state);

  async function step(next: ConnectionState, effects: Effect[]): Promise<void> {
    const before = state;
    state = next;
    await applyEffects(next, effects);
    if (summaryOf(next) !== summaryOf(before) || next.userId !== before.userId) publish(next);
  }

  let complete = false;
  async function applyOne(event: ConnectionEvent): Promise<void> {
    const { state: next, effects } = applyEvent(state, event, Date.now(), policy);
    await step(next, effects);
    complete ||= effects.some((effect) => effect.type === 'complete');
  }

  // The event loop and the update handlers all move the state, and each step awaits activities:
  // one at a time, or their changes could interleave.
  const lock = new Mutex();
  const exclusive = <T>(step: () => Promise<T>) => lock.runExclusive(step);
  const refuse = (action: ConnectionAction) => () => {
    const refusal = refusalOf(state, action);
    if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'ActionRefused');
  };
  // The validator sees the state when the update arrives; the handler runs behind the lock, after
  // whatever was queued first (a FIXED, another delete), so the state is asked again there.
  // Histories from before this check replay without it.
  const stillAllowed = (action: ConnectionAction) => {
    const refusal = refusalOf(state, action);
    if (refusal && patched('actions-recheck-state')) throw ApplicationFailure.nonRetryable(refusal, 'ActionRefused');
  };
  setHandler(
    refreshUpdate,
    () =>
      exclusive(async () => {
        stillAllowed('refresh');
        const requested = await providerCalls.requestProviderSync(refOf(state));
        if (!requested && patched('actions-recheck-state')) throw noCredentials('sync it');
        return { requested };
      }),
    { validator: refuse('refresh') },
  );
  setHandler(
    remindUpdate,
    () =>
      exclusive(async () => {
        stillAllowed('remind');
        const { state: next, effects } = remindNow(state, Date.now(), policy);
        await step(next, effects);
        return { attempt: next.reauth?.promptsSent ?? 0 };
      }),
    { validator: refuse('remind') },
  );
  // Removed at the provider first; only then does the deletion enter the lifecycle like any event.
  setHandler(
    deleteUpdate,
    async () => {
      await exclusive(async () => {
        stillAllowed('delete');
        const removed = await providerCalls.removeAtProvider(refOf(state));
        if (!removed) throw noCredentials('remove it');
        await applyOne(deletionRequested(state, uuid4(), Date.now()));
      });
      return { status: 'deleted' as const, removedAtProvider: true };
    },
    { validator: refuse('delete') },
  );

  const exit = await runEventLoop(queue, input.maxEventsPerRun, {
    apply: (event) => exclusive(() => applyOne(event)),
    finished: () => complete,
    nextDeadline: () => nextWakeUp(state, policy),
    onDeadline: () =>
      exclusive(async () => {
        const now = Date.now();
        const gate = userPromptDue(state, now, policy) ? await policies.checkPromptGate(refOf(state)) : { deferUntil: null };
        const { state: next, effects } = tick(state, now, policy, gate);
        await step(next, effects);
      }),
  }, createBacklog(input.backlog ?? false));

  if (exit.reason === 'continue-as-new') {
    return continueAsNew<typeof connectionWorkflow>({ ...input, state, pending: exit.pending, backlog: exit.backlog });
  }
  return state;
}

function noCredentials(what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`the provider cannot be asked to ${what}: no credentials registered for this user`, 'NoCredentials');
}

function refOf(state: ConnectionState): ConnectionRef {
  return { provider: state.provider, connectionId: state.connectionId, brokerageId: state.brokerageId, userId: state.userId };
}

/** Storage first, so what the outside world is told never runs ahead of what Postgres knows. */
async function applyEffects(state: ConnectionState, effects: Effect[]): Promise<void> {
  const recorded = effects.find((effect) => effect.type === 'recordEvent');
  if (recorded) {
    await persistence.persistConnectionEvent({
      connection: snapshotOf(state),
      event: recorded.event,
      outcome: recorded.outcome,
      accounts: effects.flatMap((effect) => (effect.type === 'saveAccount' ? [effect.account] : [])),
    });
  } else if (effects.some((effect) => effect.type === 'saveConnection')) {
    await persistence.persistConnectionState(snapshotOf(state));
  }

  const ref = refOf(state);
  for (const effect of effects) {
    switch (effect.type) {
      case 'recordBreakage':
        await persistence.recordBreakage(ref, effect.episode);
        break;
      case 'notify':
        await bestEffort('notification', () => notifications.sendNotification({ ...ref, intent: effect.notification }));
        break;
      case 'raiseAlert':
        await bestEffort('alert', () => alerts.raiseConnectionAlert(ref, effect.kind, effect.message));
        break;
      case 'resolveAlert':
        await bestEffort('alert resolution', () => alerts.resolveConnectionAlert(ref, effect.kind));
        break;
      case 'requestSync':
        await bestEffort('sync request', () => providerCalls.requestProviderSync(ref));
        break;
      case 'refreshHoldings':
        // Histories recorded before holdings existed replay without the call.
        if (patched('refresh-holdings')) await bestEffort('holdings refresh', () => providerCalls.refreshHoldings(ref));
        break;
      case 'providerNotice':
        await startProviderNotice(effect.event);
        break;
      default:
        break;
    }
  }
}

/** A failed outbound call is logged and left to its record (outbox, alerts); the lifecycle goes on. */
async function bestEffort(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    log.warn(`${what} failed after retries`, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Search attributes to filter by, and a memo that tells the connection's story in one line. */
function publishSearchAttributes(state: ConnectionState, userIdAttribute: string | undefined): void {
  upsertSearchAttributes([
    { key: connectionStateKey, value: state.status },
    { key: providerKey, value: state.provider },
    { key: reauthExhaustedKey, value: state.reauth?.exhausted ?? false },
    ...(userIdAttribute ? [{ key: userIdKey, value: userIdAttribute }] : []),
    ...(state.brokerageId ? [{ key: brokerageIdKey, value: state.brokerageId }] : []),
  ]);
  upsertMemo({ summary: summaryOf(state) });
}
