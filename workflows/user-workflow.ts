import { continueAsNew, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { UserActivities } from '../activities/user-activities.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import { connectionEventSignal, userStateQuery } from './definitions.ts';
import { runEventLoop } from './event-loop.ts';
import { providerKey, userIdKey } from './search-attributes.ts';
import { applyUserEvent, initialUserState, type UserState } from './user-lifecycle.ts';

export interface UserWorkflowInput {
  provider: string;
  userId: string;
  maxEventsPerRun: number;
  state?: UserState;
  pending?: ConnectionEvent[];
}

const { persistUserEvent } = proxyActivities<UserActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One run per provider user: registration and connection attempts, the events that have no
 * connection id yet. It never finishes on its own; it continues as new to keep its history short.
 */
export async function userWorkflow(input: UserWorkflowInput): Promise<void> {
  const queue: ConnectionEvent[] = [...(input.pending ?? [])];
  let state = input.state ?? initialUserState(input.provider, input.userId);
  setHandler(connectionEventSignal, (event) => {
    queue.push(event);
  });
  setHandler(userStateQuery, () => {
    const { seenEventIds: _seen, ...view } = state;
    return view;
  });
  upsertSearchAttributes([
    { key: providerKey, value: input.provider },
    { key: userIdKey, value: input.userId },
  ]);

  const exit = await runEventLoop(queue, input.maxEventsPerRun, {
    async apply(event) {
      const step = applyUserEvent(state, event);
      state = step.state;
      if (step.effects.length > 0) {
        const attempt = step.effects.find((effect) => effect.type === 'recordAttempt')?.attempt;
        await persistUserEvent({ provider: state.provider, userId: state.userId, registeredAt: state.registeredAt, attempt });
      }
      return 'continue';
    },
  });
  if (exit.reason === 'continue-as-new') {
    await continueAsNew<typeof userWorkflow>({ ...input, state, pending: exit.pending });
  }
}
