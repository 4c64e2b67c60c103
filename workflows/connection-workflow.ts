import { continueAsNew, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ConnectionActivities } from '../activities/connection-activities.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import { viewOf } from './connection-view.ts';
import { connectionEventSignal, connectionStateQuery } from './definitions.ts';
import { runEventLoop } from './event-loop.ts';
import { applyEvent, initialConnectionState, snapshotOf, type ConnectionState, type Effect } from './lifecycle.ts';
import { connectionStateKey, providerKey, userIdKey } from './search-attributes.ts';

export interface ConnectionWorkflowInput {
  provider: string;
  connectionId: string;
  maxEventsPerRun: number;
  /** Carried over by continue-as-new. */
  state?: ConnectionState;
  pending?: ConnectionEvent[];
}

// No attempt limit: while Postgres is down the event waits here, durable, instead of being lost.
const { loadConnection, persistConnectionEvent } = proxyActivities<ConnectionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** One run per connection, for its whole life: applies provider events through the lifecycle. */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<ConnectionState> {
  const queue: ConnectionEvent[] = [...(input.pending ?? [])];
  let state: ConnectionState = input.state ?? initialConnectionState(input.provider, input.connectionId);
  setHandler(connectionEventSignal, (event) => {
    queue.push(event);
  });
  setHandler(connectionStateQuery, () => viewOf(state));

  // A fresh run may follow a closed one (a late event after deletion): Postgres remembers the past.
  if (!input.state) state = (await loadConnection(input.provider, input.connectionId)) ?? state;
  publishSearchAttributes(state);

  const exit = await runEventLoop(queue, input.maxEventsPerRun, async (event) => {
    const before = state;
    const { state: after, effects } = applyEvent(before, event);
    state = after;
    await applyEffects(after, effects);
    if (after.status !== before.status || after.userId !== before.userId) publishSearchAttributes(after);
    return effects.some((effect) => effect.type === 'complete') ? 'finished' : 'continue';
  });

  if (exit.reason === 'continue-as-new') {
    return continueAsNew<typeof connectionWorkflow>({ ...input, state, pending: exit.pending });
  }
  return state;
}

async function applyEffects(state: ConnectionState, effects: Effect[]): Promise<void> {
  const recorded = effects.find((effect) => effect.type === 'recordEvent');
  if (!recorded) return;
  await persistConnectionEvent({
    connection: snapshotOf(state),
    event: recorded.event,
    outcome: recorded.outcome,
    accounts: effects.flatMap((effect) => (effect.type === 'saveAccount' ? [effect.account] : [])),
  });
}

function publishSearchAttributes(state: ConnectionState): void {
  upsertSearchAttributes([
    { key: connectionStateKey, value: state.status },
    { key: providerKey, value: state.provider },
    ...(state.userId ? [{ key: userIdKey, value: state.userId }] : []),
  ]);
}
