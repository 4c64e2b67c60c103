import { continueAsNew, proxyActivities, setHandler, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { PersistenceActivities } from '../activities/persistence-activities.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import { expireAttempts, nextAttemptDeadline, startAttempt } from '../src/domain/backend-attempts.ts';
import { attemptQuery, connectionEventSignal, connectionEventsSignal, startAttemptUpdate, userStateQuery } from './definitions.ts';
import { createBacklog } from './backlog.ts';
import { runEventLoop } from './event-loop.ts';
import { providerKey, userIdKey } from './search-attributes.ts';
import { applyUserEvent, initialUserState, type UserState } from '../src/domain/user-lifecycle.ts';

export interface UserWorkflowInput {
  provider: string;
  userId: string;
  maxEventsPerRun: number;
  /** The UserId search attribute as the starter computed it (a keyed hash when payloads are encrypted). */
  userIdAttribute?: string;
  state?: UserState;
  /** Carried by runs that continued as new before the backlog existed. */
  pending?: ConnectionEvent[];
  /** Events are parked in the backlog for this run to take (see backlog.ts). */
  backlog?: boolean;
}

const { persistUserEvent } = proxyActivities<PersistenceActivities>({
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
  setHandler(connectionEventsSignal, (events) => {
    queue.push(...events);
  });
  setHandler(userStateQuery, () => {
    const { seenEventIds: _seen, ...view } = state;
    return view;
  });
  // A backend waiting on the truth instead of the portal redirect: started here, resolved by webhooks.
  setHandler(
    startAttemptUpdate,
    ({ brokerageId, timeoutMs }) => {
      const started = startAttempt(state.backendAttempts ?? [], { attemptId: uuid4(), brokerageId, now: Date.now(), timeoutMs });
      state = { ...state, backendAttempts: started.attempts };
      return started.attempt;
    },
    { validator: ({ timeoutMs }) => assertPositive(timeoutMs) },
  );
  setHandler(attemptQuery, (attemptId) => (state.backendAttempts ?? []).find((a) => a.attemptId === attemptId) ?? null);
  upsertSearchAttributes([
    { key: providerKey, value: input.provider },
    { key: userIdKey, value: input.userIdAttribute ?? input.userId },
  ]);

  const exit = await runEventLoop(queue, input.maxEventsPerRun, {
    async apply(event) {
      const step = applyUserEvent(state, event, Date.now());
      state = step.state;
      if (step.effects.length > 0) {
        const attempt = step.effects.find((effect) => effect.type === 'recordAttempt')?.attempt;
        await persistUserEvent({ provider: state.provider, userId: state.userId, registeredAt: state.registeredAt, attempt });
      }
    },
    nextDeadline: () => nextAttemptDeadline(state.backendAttempts ?? []),
    async onDeadline() {
      state = { ...state, backendAttempts: expireAttempts(state.backendAttempts ?? [], Date.now()) };
    },
  }, createBacklog(input.backlog ?? false));
  if (exit.reason === 'continue-as-new') {
    await continueAsNew<typeof userWorkflow>({ ...input, state, pending: exit.pending, backlog: exit.backlog });
  }
}

function assertPositive(timeoutMs: number): void {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new Error('timeoutMs must be a positive number of milliseconds');
}
