import { Mutex } from 'async-mutex';
import { ApplicationFailure, continueAsNew, log, patched, proxyActivities, proxyLocalActivities, setHandler, upsertMemo, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alert-activities.ts';
import type { NotificationActivities } from '../activities/notification-activities.ts';
import type { PersistenceActivities } from '../activities/persistence-activities.ts';
import type { PolicyActivities } from '../activities/policy-activities.ts';
import type { ProviderActivities } from '../activities/provider-activities.ts';
import type { RunStartActivities } from '../activities/run-start-activities.ts';
import type { ConnectionRef } from '../src/domain/connection-ref.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import { summaryOf } from '../src/domain/connection-summary.ts';
import { viewOf } from '../src/domain/connection-view.ts';
import { deletionRequested, refusalOf, remindNow, type ConnectionAction } from '../src/domain/connection-actions.ts';
import { connectionEventSignal, connectionEventsSignal, connectionStateQuery, deleteUpdate, refreshUpdate, remindUpdate } from './definitions.ts';
import { createBacklog } from './backlog.ts';
import { runEventLoop } from './event-loop.ts';
import { applyEvent, applyEvents, initialConnectionState } from '../src/domain/lifecycle.ts';
import { snapshotOf, type AccountState, type ConnectionState, type Effect } from '../src/domain/connection-state.ts';
import type { LifecyclePolicy } from '../src/domain/lifecycle-policy.ts';
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
  /**
   * Set by every starter since the runs below began: this run and its continuations never ran code
   * from before any patch in this file, so each patch is on without asking `patched()`, whose marker
   * and `TemporalChangeVersion` upsert cost every new connection two history events. Such a run also
   * reads its stored state and its settings in one local activity (one marker, not two). Runs
   * started without it take the paths their histories recorded.
   */
  startedPatched?: true;
}

const retryForever = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };

// No attempt limit: while Postgres is down the event waits here, durable, instead of being lost.
const persistence = proxyActivities<PersistenceActivities>({ startToCloseTimeout: '30 seconds', retry: retryForever });
const policies = proxyActivities<PolicyActivities>({ startToCloseTimeout: '30 seconds', retry: retryForever });
/**
 * The same Postgres reads and writes as local activities: each is a short, idempotent statement or
 * transaction on the worker's own pool, so it runs inside the workflow task that needs it instead
 * of a round trip through the server's activity queue (a third of the events and RPCs of a regular
 * activity, and one hop less between a signal and its row). A worker crash re-runs one on replay,
 * which is harmless: the timeline is keyed by event id, the connection row only moves forward in
 * revision, breakages are keyed by episode. Calls to the outside world stay regular activities.
 */
const localOptions = {
  startToCloseTimeout: '30 seconds',
  retry: retryForever,
  // Retries wait on a workflow timer, never inside the workflow task: while Postgres is away the
  // task completes at once and signals keep being taken in small tasks. A task held open for a
  // second of local retries under a burst of signals is failed by the server (too many buffered
  // events), and the worker (SDK 1.24) then lost signals of that run: backlog.test.ts lost 6 of
  // 5,000 events that way.
  localRetryThreshold: '10 milliseconds',
} as const;
const localPersistence = proxyLocalActivities<PersistenceActivities>(localOptions);
const localPolicies = proxyLocalActivities<PolicyActivities>(localOptions);
const localRunStart = proxyLocalActivities<RunStartActivities>(localOptions);

/**
 * Runs recorded before this patch apply one event per step with regular activities; runs that start
 * after it apply every queued event in one pass and store it with one local activity.
 */
const BATCHED_APPLY = 'batched-apply';
/** Runs that start after this patch upsert search attributes and memo only when they change (publishChanges). */
const PUBLISH_ON_CHANGE = 'publish-on-change';
/** Runs that start after this patch ask the prompt gate with a local activity. */
const LOCAL_PROMPT_GATE = 'local-prompt-gate';
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
  setHandler(connectionEventsSignal, (events) => {
    queue.push(...events);
  });
  setHandler(connectionStateQuery, () => viewOf(state));

  const patchOn = (name: string) => input.startedPatched === true || patched(name);
  const batched = patchOn(BATCHED_APPLY);
  const userIdAttributeOf = (current: ConnectionState) => input.userIdAttribute ?? current.userId ?? undefined;
  const onChange = patchOn(PUBLISH_ON_CHANGE);
  /** Everything, or (with `before`) only what changed since then. */
  const publish = (current: ConnectionState, before?: ConnectionState) =>
    onChange ? publishChanges(current, userIdAttributeOf, before) : publishLegacy(current, userIdAttributeOf(current));
  let policy: LifecyclePolicy;
  let fetchesHoldings = true;
  if (input.startedPatched) {
    const start = await localRunStart.startConnectionRun(input.provider, input.connectionId, !input.state);
    if (start.stored) state = start.stored;
    ({ policy, fetchesHoldings } = start.settings);
    if (start.stored) publish(state);
  } else if (batched) {
    // A fresh run may follow a closed one (a late event after deletion): Postgres remembers the past.
    const stored = input.state ? null : await localPersistence.loadConnection(input.provider, input.connectionId);
    if (stored) state = stored;
    ({ policy, fetchesHoldings } = await localPolicies.runSettings(input.provider));
    // A new connection publishes with its first change; a continued run keeps its predecessor's.
    if (stored) publish(state);
  } else {
    if (!input.state) state = (await persistence.loadConnection(input.provider, input.connectionId)) ?? state;
    policy = await policies.lifecyclePolicy();
    publish(state);
  }
  const storeEffects = batched ? storeBatch : storeOne;
  // A few indexed reads of the holds in Postgres, like the reads above: a local activity. When a
  // brokerage-wide outage ends every grace period at once, each asks; a regular activity made that a
  // server round trip (8 history events) per connection.
  const checkPromptGate = (target: ConnectionRef) => (patchOn(LOCAL_PROMPT_GATE) ? localPolicies.checkPromptGate(target) : policies.checkPromptGate(target));

  async function step(next: ConnectionState, effects: Effect[]): Promise<void> {
    const before = state;
    state = next;
    await storeEffects(next, effects);
    await applyEffects(next, effects.filter((effect) => effect.type !== 'refreshHoldings' || fetchesHoldings), batched, patchOn);
    if (onChange) publish(next, before);
    else if (legacySummaryOf(next) !== legacySummaryOf(before) || next.userId !== before.userId) publish(next);
  }

  let complete = false;
  async function applyOne(event: ConnectionEvent): Promise<void> {
    const { state: next, effects } = applyEvent(state, event, Date.now(), policy);
    await step(next, effects);
    complete ||= effects.some((effect) => effect.type === 'complete');
  }
  /** Every queued event in one pass of the pure lifecycle: one store, then the effects in order. */
  async function applyBatch(events: ConnectionEvent[]): Promise<void> {
    const { state: next, effects } = applyEvents(state, events, Date.now(), policy);
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
    if (refusal && patchOn('actions-recheck-state')) throw ApplicationFailure.nonRetryable(refusal, 'ActionRefused');
  };
  setHandler(
    refreshUpdate,
    () =>
      exclusive(async () => {
        stillAllowed('refresh');
        const requested = await providerCalls.requestProviderSync(refOf(state));
        if (!requested && patchOn('actions-recheck-state')) throw noCredentials('sync it');
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
    applyBatch: batched ? (events) => exclusive(() => applyBatch(events)) : undefined,
    finished: () => complete,
    nextDeadline: () => nextWakeUp(state, policy),
    onDeadline: () =>
      exclusive(async () => {
        const now = Date.now();
        const gate = userPromptDue(state, now, policy) ? await checkPromptGate(refOf(state)) : { deferUntil: null };
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

/** One event's storage, with regular activities: how runs recorded before BATCHED_APPLY stored. */
async function storeOne(state: ConnectionState, effects: Effect[]): Promise<void> {
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
}

/** A whole pass's storage, breakages included, in one local activity and one transaction. */
async function storeBatch(state: ConnectionState, effects: Effect[]): Promise<void> {
  const events = effects.flatMap((effect) => (effect.type === 'recordEvent' ? [{ event: effect.event, outcome: effect.outcome }] : []));
  const breakages = effects.flatMap((effect) => (effect.type === 'recordBreakage' ? [effect.episode] : []));
  if (events.length > 0 || breakages.length > 0) {
    const accounts = new Map<string, AccountState>();
    for (const effect of effects) if (effect.type === 'saveAccount') accounts.set(effect.account.accountId, effect.account);
    await localPersistence.persistConnectionBatch({ connection: snapshotOf(state), events, accounts: [...accounts.values()], breakages });
  } else if (effects.some((effect) => effect.type === 'saveConnection')) {
    await localPersistence.persistConnectionState(snapshotOf(state));
  }
}

/** After storage, so what the outside world is told never runs ahead of what Postgres knows. */
async function applyEffects(state: ConnectionState, effects: Effect[], breakagesStored: boolean, patchOn: (name: string) => boolean): Promise<void> {
  const ref = refOf(state);
  for (const effect of effects) {
    switch (effect.type) {
      case 'recordBreakage':
        if (!breakagesStored) await persistence.recordBreakage(ref, effect.episode);
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
        if (patchOn('refresh-holdings')) await bestEffort('holdings refresh', () => providerCalls.refreshHoldings(ref));
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

/** Search attributes to filter by. */
function searchAttributesOf(state: ConnectionState, userIdAttribute: string | undefined) {
  return [
    { key: connectionStateKey, value: state.status },
    { key: providerKey, value: state.provider },
    { key: reauthExhaustedKey, value: state.reauth?.exhausted ?? false },
    ...(userIdAttribute ? [{ key: userIdKey, value: userIdAttribute }] : []),
    ...(state.brokerageId ? [{ key: brokerageIdKey, value: state.brokerageId }] : []),
  ];
}

/**
 * Search attributes and the memo (the connection's story in one line), each upserted only when it
 * differs from `before`'s: every upsert is a history event and a visibility write on the server, and
 * most events (an update, a sync) change neither.
 */
function publishChanges(state: ConnectionState, userIdAttributeOf: (state: ConnectionState) => string | undefined, before?: ConnectionState): void {
  const attributes = searchAttributesOf(state, userIdAttributeOf(state));
  if (!before || JSON.stringify(attributes) !== JSON.stringify(searchAttributesOf(before, userIdAttributeOf(before)))) upsertSearchAttributes(attributes);
  if (!before || summaryOf(state) !== summaryOf(before)) upsertMemo({ summary: summaryOf(state) });
}

/**
 * How runs recorded before PUBLISH_ON_CHANGE published: both at once, whenever this summary changed,
 * and it named the last event's time, so it changed with every event.
 */
function publishLegacy(state: ConnectionState, userIdAttribute: string | undefined): void {
  upsertSearchAttributes(searchAttributesOf(state, userIdAttribute));
  upsertMemo({ summary: legacySummaryOf(state) });
}

function legacySummaryOf(state: ConnectionState): string {
  return state.lastEventAt ? `${summaryOf(state)} · last event ${state.lastEventAt.slice(0, 19)}Z` : summaryOf(state);
}
