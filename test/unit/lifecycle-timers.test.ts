import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionEvent } from '../../src/domain/connection-event.ts';
import { applyEvent, initialConnectionState } from '../../src/domain/lifecycle.ts';
import type { ConnectionState, Effect } from '../../src/domain/connection-state.ts';
import { nextWakeUp, tick, userPromptDue } from '../../src/domain/lifecycle-timers.ts';
import type { LifecyclePolicy } from '../../src/domain/lifecycle-policy.ts';
import { remindNow } from '../../src/domain/connection-actions.ts';

const MIN = 60_000;
const policy: LifecyclePolicy = {
  reauthGraceMs: 15 * MIN,
  reminderCadenceMs: [1440 * MIN, 3 * 1440 * MIN, 7 * 1440 * MIN],
  maxReminders: 3,
  syncRetryInitialMs: 15 * MIN,
  syncRetryMaxMs: 360 * MIN,
  degradedEscalateAfterMs: 1440 * MIN,
};
const T0 = Date.UTC(2024, 5, 1, 12);
let seq = 0;
const event = (type: ConnectionEvent['type'], detail: ConnectionEvent['detail'] = {}): ConnectionEvent => ({
  provider: 'vezgo',
  eventId: `e${(seq += 1)}`,
  type,
  occurredAt: new Date(T0 + seq * 1000).toISOString().replace('Z', '000Z'),
  userId: 'u',
  connectionId: 'c',
  detail,
});
const open = { deferUntil: null };

/** Runs the clock forward, waking exactly when the lifecycle asks, and collects what it did. */
function runClock(state: ConnectionState, until: number, gate = open) {
  const log: { at: number; effect: Effect }[] = [];
  let current = state;
  for (let wake = nextWakeUp(current, policy); wake !== null && wake <= until; wake = nextWakeUp(current, policy)) {
    const step = tick(current, wake, policy, userPromptDue(current, wake, policy) ? gate : open);
    current = step.state;
    log.push(...step.effects.filter((e) => e.type !== 'saveConnection').map((effect) => ({ at: wake!, effect })));
  }
  return { state: current, log };
}

describe('lifecycle timers', () => {
  test('a broken connection is prompted after the grace period, reminded at the cadence, then exhausted', () => {
    const broken = applyEvent(initialConnectionState('vezgo', 'c'), event('connection.broken'), T0, policy).state;
    const { state, log } = runClock(broken, T0 + 30 * 1440 * MIN);
    assert.deepEqual(
      log.map(({ at, effect }) => [(at - T0) / MIN, effect.type === 'notify' ? effect.notification.kind : effect.type]),
      [
        [15, 'reauth_required'],
        [15 + 1440, 'reauth_reminder'],
        [15 + 4 * 1440, 'reauth_reminder'],
        [15 + 11 * 1440, 'reauth_reminder'],
        [15 + 18 * 1440, 'reauth_exhausted'],
        [15 + 18 * 1440, 'raiseAlert'],
      ],
    );
    assert.equal(state.reauth?.exhausted, true);
    assert.equal(nextWakeUp(state, policy), null);
  });

  test('a held prompt waits for the gate, and the schedule continues from when it went out', () => {
    const broken = applyEvent(initialConnectionState('vezgo', 'c'), event('connection.broken'), T0, policy).state;
    const held = tick(broken, T0 + 15 * MIN, policy, { deferUntil: T0 + 120 * MIN });
    assert.deepEqual(held.effects.filter((e) => e.type === 'notify'), []);
    assert.equal(held.state.reauth?.nextPromptAt, T0 + 120 * MIN);
    const sent = tick(held.state, T0 + 120 * MIN, policy, open);
    assert.equal(sent.effects.some((e) => e.type === 'notify' && e.notification.kind === 'reauth_required'), true);
    assert.equal(sent.state.reauth?.nextPromptAt, T0 + 120 * MIN + 1440 * MIN);
  });

  test('fixing cancels pending prompts; restored only goes to users who were prompted', () => {
    const broken = applyEvent(initialConnectionState('vezgo', 'c'), event('connection.broken'), T0, policy).state;
    const quietFix = applyEvent(broken, event('connection.fixed'), T0 + MIN, policy);
    assert.deepEqual(quietFix.effects.filter((e) => e.type === 'notify'), []);
    assert.equal(nextWakeUp(quietFix.state, policy), null);

    const prompted = tick(broken, T0 + 15 * MIN, policy, open).state;
    const fixed = applyEvent(prompted, event('connection.sync_succeeded'), T0 + 20 * MIN, policy);
    assert.deepEqual(
      fixed.effects.flatMap((e) => (e.type === 'notify' ? [e.notification] : [])),
      [{ kind: 'restored', episode: 1, attempt: 1 }],
    );
  });

  test('degraded retries sync with doubling backoff capped, and escalates once', () => {
    const degraded = applyEvent(initialConnectionState('vezgo', 'c'), event('connection.sync_failed', { failure: 'temporary' }), T0, policy);
    assert.equal(degraded.state.status, 'degraded');
    assert.deepEqual(degraded.effects.filter((e) => e.type === 'notify').map((e) => e.type === 'notify' && e.notification.kind), ['degraded']);
    const { log } = runClock(degraded.state, T0 + 1440 * MIN);
    const syncs = log.filter(({ effect }) => effect.type === 'requestSync').map(({ at }) => (at - T0) / MIN);
    assert.deepEqual(syncs.slice(0, 7), [15, 45, 105, 225, 465, 825, 1185]);
    assert.equal(log.filter(({ effect }) => effect.type === 'raiseAlert').length, 1);
  });

  test('a new breakage starts a new episode, so its notifications get new ids', () => {
    let state = applyEvent(initialConnectionState('vezgo', 'c'), event('connection.broken'), T0, policy).state;
    state = applyEvent(state, event('connection.fixed'), T0, policy).state;
    const again = applyEvent(state, event('connection.broken'), T0, policy);
    assert.equal(again.state.reauth?.episode, 2);
    assert.deepEqual(again.effects.filter((e) => e.type === 'recordBreakage'), [{ type: 'recordBreakage', episode: 2 }]);
  });
});

describe('prompts on request', () => {
  test('remind now sends the next attempt and moves the next reminder a cadence away', () => {
    const broken = applyEvent(initialConnectionState('vezgo', 'c'), event('connection.broken'), T0, policy).state;
    const reminded = remindNow(broken, T0 + MIN, policy);
    assert.deepEqual(reminded.effects.filter((e) => e.type === 'notify'), [{ type: 'notify', notification: { kind: 'reauth_required', episode: 1, attempt: 1 } }]);
    assert.equal(reminded.state.reauth?.nextPromptAt, T0 + MIN + 1440 * MIN, 'no second prompt at the end of the grace period');
  });
});
