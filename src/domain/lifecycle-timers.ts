import type { AlertKind, ConnectionState, Effect, Transition } from './connection-state.ts';
import type { DegradedEpisode, LifecyclePolicy, PromptGate, ReauthEpisode } from './lifecycle-policy.ts';

/**
 * What the lifecycle does with time, as pure functions of the state and the workflow's clock
 * (epoch milliseconds): re-authentication prompts while broken, sync retries while degraded.
 */

export function enterReauth(episode: number, now: number, policy: LifecyclePolicy): ReauthEpisode {
  return { episode, since: now, promptsSent: 0, nextPromptAt: now + policy.reauthGraceMs, exhausted: false };
}

export function enterDegraded(episode: number, now: number, policy: LifecyclePolicy): DegradedEpisode {
  return { episode, since: now, syncAttempts: 0, nextSyncAt: now + policy.syncRetryInitialMs, escalated: false };
}

/** The next moment the workflow must wake up for, or null when nothing is scheduled. */
export function nextWakeUp(state: ConnectionState, policy: LifecyclePolicy): number | null {
  const times: number[] = [];
  if (state.reauth?.nextPromptAt != null) times.push(state.reauth.nextPromptAt);
  if (state.degraded) {
    times.push(state.degraded.nextSyncAt);
    if (!state.degraded.escalated) times.push(state.degraded.since + policy.degradedEscalateAfterMs);
  }
  return times.length > 0 ? Math.min(...times) : null;
}

/** True when a prompt to the user is due now: the workflow then asks for the PromptGate first. */
export function userPromptDue(state: ConnectionState, now: number, policy: LifecyclePolicy): boolean {
  const reauth = state.reauth;
  return reauth !== null && reauth.nextPromptAt !== null && reauth.nextPromptAt <= now && reauth.promptsSent <= policy.maxReminders;
}

export function tick(state: ConnectionState, now: number, policy: LifecyclePolicy, gate: PromptGate): Transition {
  const effects: Effect[] = [];
  let next = state;

  const reauth = next.reauth;
  if (reauth && reauth.nextPromptAt !== null && reauth.nextPromptAt <= now) {
    if (reauth.promptsSent > policy.maxReminders) {
      next = withAlert({ ...next, reauth: { ...reauth, exhausted: true, nextPromptAt: null } }, 'reauth_exhausted');
      effects.push(
        { type: 'notify', notification: { kind: 'reauth_exhausted', episode: reauth.episode, attempt: 1 } },
        { type: 'raiseAlert', kind: 'reauth_exhausted', message: `no reconnection after ${reauth.promptsSent} prompts` },
      );
    } else if (gate.deferUntil !== null && gate.deferUntil > now) {
      next = { ...next, reauth: { ...reauth, nextPromptAt: gate.deferUntil } };
    } else {
      const attempt = reauth.promptsSent + 1;
      effects.push({ type: 'notify', notification: { kind: attempt === 1 ? 'reauth_required' : 'reauth_reminder', episode: reauth.episode, attempt } });
      next = { ...next, reauth: { ...reauth, promptsSent: attempt, nextPromptAt: now + cadenceAfter(attempt, policy) } };
    }
  }

  const degraded = next.degraded;
  if (degraded && degraded.nextSyncAt <= now) {
    const attempt = degraded.syncAttempts + 1;
    effects.push({ type: 'requestSync', attempt });
    const delay = Math.min(policy.syncRetryInitialMs * 2 ** attempt, policy.syncRetryMaxMs);
    next = { ...next, degraded: { ...degraded, syncAttempts: attempt, nextSyncAt: now + delay } };
  }
  if (next.degraded && !next.degraded.escalated && next.degraded.since + policy.degradedEscalateAfterMs <= now) {
    next = withAlert({ ...next, degraded: { ...next.degraded, escalated: true } }, 'degraded_too_long');
    effects.push({ type: 'raiseAlert', kind: 'degraded_too_long', message: `still degraded after ${next.degraded!.syncAttempts} sync retries` });
  }

  if (effects.length > 0 || next !== state) effects.push({ type: 'saveConnection' });
  return { state: next, effects };
}

export function withAlert(state: ConnectionState, kind: AlertKind): ConnectionState {
  return state.openAlerts.includes(kind) ? state : { ...state, openAlerts: [...state.openAlerts, kind] };
}

/** The wait after prompt number `sent`: 1 day after the first, 3 after the next… the last repeats. */
export function cadenceAfter(sent: number, policy: LifecyclePolicy): number {
  const cadence = policy.reminderCadenceMs;
  return cadence[Math.min(sent - 1, cadence.length - 1)] ?? policy.reauthGraceMs;
}
