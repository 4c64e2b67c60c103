import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import type { ConnectionView } from '../src/domain/connection-view.ts';
import type { BackendAttempt } from '../src/domain/backend-attempts.ts';
import type { UserState } from '../src/domain/user-lifecycle.ts';

/** Names shared by the workflows and the clients that signal and query them. */
export const connectionEventSignal = defineSignal<[ConnectionEvent]>('connectionEvent');
/**
 * Events for one workflow that were ready together, in one signal: a burst for one connection
 * costs its history (and each workflow activation) a handful of signals, not one per event.
 */
export const connectionEventsSignal = defineSignal<[ConnectionEvent[]]>('connectionEvents');
export const connectionStateQuery = defineQuery<ConnectionView>('state');
export const userStateQuery = defineQuery<UserView>('state');

export type UserView = Omit<UserState, 'seenEventIds'>;

/** Starts (or joins) a backend's connection attempt on the user's workflow; answers at once. */
export const startAttemptUpdate = defineUpdate<BackendAttempt, [{ brokerageId: string | null; timeoutMs: number }]>('startAttempt');
export const attemptQuery = defineQuery<BackendAttempt | null, [string]>('attempt');

/** Connection actions, as updates: a validator refuses them in states where they make no sense. */
export const refreshUpdate = defineUpdate<{ requested: boolean }>('refresh');
export const remindUpdate = defineUpdate<{ attempt: number }>('remind');
export const deleteUpdate = defineUpdate<{ status: 'deleted'; removedAtProvider: boolean }>('delete');
