import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionEvent, ConnectionEventType } from '../../src/domain/connection-event.ts';
import { applyEvent, applyEvents, initialConnectionState } from '../../src/domain/lifecycle.ts';
import type { Effect } from '../../src/domain/connection-state.ts';
import type { LifecyclePolicy } from '../../src/domain/lifecycle-policy.ts';

const policy: LifecyclePolicy = {
  reauthGraceMs: 60_000,
  reminderCadenceMs: [86_400_000],
  maxReminders: 3,
  syncRetryInitialMs: 60_000,
  syncRetryMaxMs: 3_600_000,
  degradedEscalateAfterMs: 86_400_000,
};
const NOW = Date.UTC(2024, 0, 2);

function event(type: ConnectionEventType, second: number): ConnectionEvent {
  return {
    provider: 'snaptrade',
    eventId: `${type}-${second}`,
    type,
    occurredAt: `2024-01-01T00:00:${String(second).padStart(2, '0')}.000000Z`,
    userId: 'user-1',
    connectionId: 'conn-1',
    detail: {},
  };
}

const kinds = (effects: Effect[]) => effects.map((effect) => effect.type);
const after = (events: ConnectionEvent[]) => applyEvents(initialConnectionState('snaptrade', 'conn-1'), events, NOW, policy).state;

describe('lifecycle: holdings refreshes and provider notices', () => {
  test('an added connection and new holdings ask for a refresh; other events do not', () => {
    const fresh = initialConnectionState('snaptrade', 'conn-1');
    assert.ok(kinds(applyEvent(fresh, event('connection.added', 1), NOW, policy).effects).includes('refreshHoldings'));
    const holdings = applyEvent(after([event('connection.added', 1)]), event('account.holdings_updated', 2), NOW, policy);
    assert.ok(kinds(holdings.effects).includes('refreshHoldings'));
    assert.equal(holdings.state.status, 'active');
    for (const type of ['connection.broken', 'connection.fixed', 'connection.updated', 'account.transactions_updated'] as const) {
      assert.equal(kinds(applyEvent(fresh, event(type, 3), NOW, policy).effects).includes('refreshHoldings'), false, type);
    }
  });

  test('new holdings on an unknown connection imply it exists', () => {
    assert.equal(after([event('account.holdings_updated', 2)]).status, 'active');
  });

  test('no refresh for a stale add or anything after deletion', () => {
    const broken = after([event('connection.broken', 20)]);
    assert.equal(kinds(applyEvent(broken, event('connection.added', 10), NOW, policy).effects).includes('refreshHoldings'), false);
    const deleted = after([event('connection.deleted', 20)]);
    for (const type of ['connection.added', 'account.holdings_updated'] as const) {
      assert.equal(kinds(applyEvent(deleted, event(type, 30), NOW, policy).effects).includes('refreshHoldings'), false, type);
    }
  });

  test('a provider notice is recorded, hands itself on once, and moves nothing', () => {
    for (const type of ['provider.maintenance_scheduled', 'provider.alert'] as const) {
      const broken = after([event('connection.broken', 1)]);
      const step = applyEvent(broken, event(type, 5), NOW, policy);
      assert.deepEqual(step.effects.filter((effect) => effect.type === 'providerNotice'), [{ type: 'providerNotice', event: event(type, 5) }]);
      assert.deepEqual(step.effects[0], { type: 'recordEvent', event: event(type, 5), outcome: 'recorded' });
      assert.equal(step.state.status, 'broken');
      assert.equal(step.state.reauth, broken.reauth);
      assert.deepEqual(applyEvent(step.state, event(type, 5), NOW, policy).effects, []);
      assert.equal(applyEvent(initialConnectionState('vibe', 'a'), event(type, 5), NOW, policy).state.status, 'connecting');
    }
  });

  test('a notice arriving on a deleted connection still reaches ops', () => {
    const deleted = after([event('connection.deleted', 1)]);
    assert.ok(kinds(applyEvent(deleted, event('provider.alert', 9), NOW, policy).effects).includes('providerNotice'));
  });
});
