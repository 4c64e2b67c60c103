import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ConnectionEvent, ConnectionEventType } from '../../src/domain/connection-event.ts';
import { applyEvent, applyEvents, initialConnectionState } from '../../src/domain/lifecycle.ts';
import type { ConnectionState } from '../../src/domain/connection-state.ts';
import type { LifecyclePolicy } from '../../src/domain/lifecycle-policy.ts';

const at = (second: number) => `2024-01-01T00:00:${String(second).padStart(2, '0')}.000000Z`;

function event(type: ConnectionEventType, second: number, extra: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return {
    provider: 'snaptrade',
    eventId: `${type}-${second}-${extra.accountId ?? ''}`,
    type,
    occurredAt: at(second),
    userId: 'user-1',
    connectionId: 'conn-1',
    detail: {},
    ...extra,
  };
}

const NOW = Date.UTC(2024, 0, 2);
const policy: LifecyclePolicy = {
  reauthGraceMs: 15 * 60_000,
  reminderCadenceMs: [86_400_000, 3 * 86_400_000, 7 * 86_400_000],
  maxReminders: 3,
  syncRetryInitialMs: 15 * 60_000,
  syncRetryMaxMs: 6 * 3_600_000,
  degradedEscalateAfterMs: 24 * 3_600_000,
};
const fresh = () => initialConnectionState('snaptrade', 'conn-1');
const run = (events: ConnectionEvent[]) => applyEvents(fresh(), events, NOW, policy).state;

describe('lifecycle state machine', () => {
  test('added → broken → fixed → deleted, with the effects the workflow applies', () => {
    let state = fresh();
    const statuses: string[] = [];
    for (const [type, second] of [['connection.added', 1], ['connection.broken', 2], ['connection.fixed', 3], ['connection.deleted', 4]] as const) {
      const step = applyEvent(state, event(type, second), NOW, policy);
      state = step.state;
      statuses.push(state.status);
      assert.deepEqual(step.effects[0], { type: 'recordEvent', event: event(type, second), outcome: 'applied' });
      assert.equal(step.effects.some((e) => e.type === 'complete'), type === 'connection.deleted');
    }
    assert.deepEqual(statuses, ['active', 'broken', 'active', 'deleted']);
    assert.equal(state.statusSince, at(4));
  });

  test('an event for an unknown connection creates it in the state the event implies', () => {
    assert.equal(run([event('connection.broken', 5)]).status, 'broken');
    assert.equal(run([event('connection.fixed', 5)]).status, 'active');
    assert.equal(run([event('connection.deleted', 5)]).status, 'deleted');
    assert.equal(run([event('connection.updated', 5)]).status, 'active');
    assert.equal(fresh().status, 'connecting');
  });

  test('fixed arriving before an older broken ends active; the late broken is recorded as stale', () => {
    const state = fresh();
    const afterFixed = applyEvent(state, event('connection.fixed', 20), NOW, policy).state;
    const late = applyEvent(afterFixed, event('connection.broken', 10), NOW, policy);
    assert.equal(late.state.status, 'active');
    assert.deepEqual(late.effects[0], { type: 'recordEvent', event: event('connection.broken', 10), outcome: 'stale' });
  });

  test('nothing brings a deleted connection back, however new', () => {
    const deleted = run([event('connection.added', 1), event('connection.deleted', 2)]);
    const step = applyEvent(deleted, event('connection.fixed', 50), NOW, policy);
    assert.equal(step.state.status, 'deleted');
    assert.equal(step.effects[0]!.type === 'recordEvent' && step.effects[0]!.outcome, 'after_deletion');
  });

  test('a temporary sync failure does not un-break a connection that needs the user', () => {
    const failure = (second: number, kind: string) => event('connection.sync_failed', second, { eventId: `sync-${second}`, detail: { failure: kind } });
    const state = run([failure(1, 'user_action'), failure(2, 'temporary')]);
    assert.equal(state.status, 'broken');
    assert.equal(state.reauth?.episode, 1, 'the prompts keep their schedule');
    assert.equal(run([failure(1, 'user_action'), event('connection.fixed', 2), failure(3, 'temporary')]).status, 'degraded');
  });

  test('a seen event id changes nothing and asks for nothing', () => {
    const once = run([event('connection.added', 1)]);
    const again = applyEvent(once, event('connection.added', 1), NOW, policy);
    assert.equal(again.state, once);
    assert.deepEqual(again.effects, []);
  });

  test('accounts follow their newest add or remove; activity alone implies the account', () => {
    const state = run([
      event('account.removed', 9, { accountId: 'a' }),
      event('account.added', 3, { accountId: 'a' }),
      event('account.transactions_updated', 4, { accountId: 'b' }),
    ]);
    assert.equal(state.accounts.a!.removed, true);
    assert.equal(state.accounts.b!.removed, false);
    assert.equal(state.accounts.a!.lastActivityAt, at(9));
  });
});

/** Arbitrary sets of events for one connection with distinct timestamps. */
const eventTypes: ConnectionEventType[] = [
  'connection.added',
  'connection.broken',
  'connection.fixed',
  'connection.deleted',
  'connection.updated',
  'account.added',
  'account.removed',
  'account.transactions_updated',
  'account.trades_placed',
  'connection.sync_succeeded',
  'connection.sync_failed',
];
const eventSet = fc
  .uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 12 })
  .chain((seconds) =>
    fc.tuple(
      ...seconds.map((second) =>
        fc
          .record({
            type: fc.constantFrom(...eventTypes),
            account: fc.constantFrom('a', 'b', undefined),
            failure: fc.constantFrom('user_action', 'temporary', 'provider'),
          })
          .map(({ type, account, failure }) =>
            event(type, second, {
              ...(type.startsWith('account.') ? { accountId: account ?? 'a' } : {}),
              ...(type === 'connection.sync_failed' ? { detail: { failure } } : {}),
            }),
          ),
      ),
    ),
  );

/** Any order of delivery, with any event delivered any number of extra times. */
const deliveries = eventSet.chain((events) =>
  fc
    .array(fc.constantFrom(...events), { maxLength: 10 })
    .chain((duplicates) => fc.shuffledSubarray([...events, ...duplicates], { minLength: events.length + duplicates.length }))
    .map((delivered) => ({ events, delivered })),
);

const outcome = (state: ConnectionState) => ({
  status: state.status,
  lastTransitionAt: state.lastTransitionAt,
  lastEventAt: state.lastEventAt,
  presentAccounts: Object.values(state.accounts)
    .filter((a) => !a.removed)
    .map((a) => a.accountId)
    .sort(),
});

describe('lifecycle properties', () => {
  test('any delivery order, with any duplicates, ends as the sorted order does', () => {
    fc.assert(
      fc.property(deliveries, ({ events, delivered }) => {
        const sorted = [...events].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
        assert.deepEqual(outcome(run(delivered)), outcome(run(sorted)));
      }),
      { numRuns: 2000 },
    );
  });

  test('each distinct event is recorded exactly once, whatever is redelivered', () => {
    fc.assert(
      fc.property(deliveries, ({ events, delivered }) => {
        const { effects } = applyEvents(fresh(), delivered, NOW, policy);
        const recorded = effects.flatMap((e) => (e.type === 'recordEvent' ? [e.event.eventId] : []));
        assert.deepEqual([...recorded].sort(), events.map((e) => e.eventId).sort());
      }),
      { numRuns: 500 },
    );
  });

  test('once deleted, always deleted', () => {
    fc.assert(
      fc.property(deliveries, ({ delivered }) => {
        let deletedSeen = false;
        let state = fresh();
        for (const e of delivered) {
          state = applyEvent(state, e, NOW, policy).state;
          deletedSeen ||= e.type === 'connection.deleted';
          if (deletedSeen) assert.equal(state.status, 'deleted');
        }
      }),
      { numRuns: 500 },
    );
  });
});
