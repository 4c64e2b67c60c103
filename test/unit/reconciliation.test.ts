import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionEvent, ConnectionEventType } from '../../src/domain/connection-event.ts';
import type { ConnectionState } from '../../src/domain/connection-state.ts';
import { applyEvent, applyEvents, initialConnectionState } from '../../src/domain/lifecycle.ts';
import type { LifecyclePolicy } from '../../src/domain/lifecycle-policy.ts';
import { missingFromListing, reconcileUser, type HeldConnection, type ListedConnection } from '../../src/domain/reconciliation.ts';
import { listedAccount } from '../../src/providers/vezgo/listing.ts';

const at = (minute: number) => `2024-01-01T00:${String(minute).padStart(2, '0')}:00.000000Z`;
const NOW = Date.UTC(2024, 0, 1, 1);
const policy: LifecyclePolicy = {
  reauthGraceMs: 15 * 60_000,
  reminderCadenceMs: [86_400_000],
  maxReminders: 3,
  syncRetryInitialMs: 15 * 60_000,
  syncRetryMaxMs: 6 * 3_600_000,
  degradedEscalateAfterMs: 24 * 3_600_000,
};

function webhook(type: ConnectionEventType, minute: number): ConnectionEvent {
  return { provider: 'snaptrade', eventId: `${type}:${minute}`, type, occurredAt: at(minute), userId: 'user-1', connectionId: 'conn-1', detail: {} };
}

const stateAfter = (events: ConnectionEvent[]): ConnectionState => applyEvents(initialConnectionState('snaptrade', 'conn-1'), events, NOW, policy).state;
const heldOf = (state: ConnectionState): HeldConnection => ({ connectionId: state.connectionId, status: state.status, latest: state.latest });

const listed = (overrides: Partial<ListedConnection> = {}): ListedConnection => ({
  connectionId: 'conn-1',
  brokerageId: 'brokerage-1',
  createdAt: at(1),
  disabled: false,
  disabledAt: null,
  ...overrides,
});

const reconcile = (held: HeldConnection[], list: ListedConnection[], gone: string[] = [], observedAt = at(30)) =>
  reconcileUser({ provider: 'snaptrade', userId: 'user-1', held, listed: list, confirmedGone: new Set(gone), observedAt });

describe('reconciliation: what the provider lists against what we hold', () => {
  test('disabled while we hold active: broken, dated by the provider, id derived from that date', () => {
    const held = heldOf(stateAfter([webhook('connection.added', 1)]));
    const [correction, ...rest] = reconcile([held], [listed({ disabled: true, disabledAt: at(10) })]);
    assert.equal(rest.length, 0);
    assert.equal(correction!.kind, 'broken');
    assert.deepEqual(correction!.event, {
      provider: 'snaptrade',
      eventId: `reconciliation:broken:conn-1:${at(10)}`,
      type: 'connection.broken',
      occurredAt: at(10),
      userId: 'user-1',
      connectionId: 'conn-1',
      brokerageId: 'brokerage-1',
      detail: { observedAt: at(30), disabledAt: at(10) },
      source: 'reconciliation',
    });
    // The same observation in the next run is the same event: the journal takes it once.
    assert.equal(reconcile([held], [listed({ disabled: true, disabledAt: at(10) })])[0]!.event.eventId, correction!.event.eventId);
  });

  test('enabled while we hold broken: fixed at the observation, one id per break', () => {
    const held = heldOf(stateAfter([webhook('connection.added', 1), webhook('connection.broken', 5)]));
    const [correction] = reconcile([held], [listed()]);
    assert.equal(correction!.kind, 'fixed');
    assert.equal(correction!.event.occurredAt, at(30));
    assert.equal(correction!.event.eventId, `reconciliation:fixed:conn-1:${at(5)}`);
    assert.equal(reconcile([held], [listed()], [], at(45))[0]!.event.eventId, correction!.event.eventId);
  });

  test('never seen: added at its creation date (and broken too when it is listed disabled)', () => {
    assert.deepEqual(reconcile([], [listed()]).map((c) => [c.kind, c.event.occurredAt, c.event.eventId]), [['added', at(1), 'reconciliation:added:conn-1']]);
    assert.deepEqual(
      reconcile([], [listed({ disabled: true, disabledAt: at(3) })]).map((c) => [c.kind, c.event.occurredAt]),
      [
        ['added', at(1)],
        ['broken', at(3)],
      ],
    );
    // A creation date in the future of our clock is not believed.
    assert.equal(reconcile([], [listed({ createdAt: at(59) })])[0]!.event.occurredAt, at(30));
  });

  test('gone from the list: deleted only once a lookup confirmed it', () => {
    const held = heldOf(stateAfter([webhook('connection.added', 1)]));
    assert.deepEqual(missingFromListing([held], []), ['conn-1']);
    assert.deepEqual(reconcile([held], []), [], 'not confirmed: nothing');
    assert.deepEqual(reconcile([held], [], ['conn-1']).map((c) => [c.kind, c.event.type, c.event.eventId]), [['deleted', 'connection.deleted', 'reconciliation:deleted:conn-1']]);
  });

  test('in line, deleted, or with an API that cannot tell: no corrections', () => {
    const active = heldOf(stateAfter([webhook('connection.added', 1)]));
    const broken = heldOf(stateAfter([webhook('connection.added', 1), webhook('connection.broken', 5)]));
    const deleted = heldOf(stateAfter([webhook('connection.added', 1), webhook('connection.deleted', 5)]));
    assert.deepEqual(reconcile([active], [listed()]), []);
    assert.deepEqual(reconcile([broken], [listed({ disabled: true, disabledAt: at(5) })]), []);
    assert.deepEqual(reconcile([deleted], [listed({ disabled: true, disabledAt: at(9) })]), []);
    assert.deepEqual(missingFromListing([deleted], []), []);
    assert.deepEqual(reconcile([broken], [listed({ disabled: null })]), [], 'Vezgo cannot say whether a login works');
  });

  test('evidence older than a newer webhook is stale: no correction', () => {
    // Broken at 5, fixed at 20 by webhook; the API still shows the break of 5.
    const fixedLater = heldOf(stateAfter([webhook('connection.added', 1), webhook('connection.broken', 5), webhook('connection.fixed', 20)]));
    assert.deepEqual(reconcile([fixedLater], [listed({ disabled: true, disabledAt: at(5) })]), []);
    // Broken by webhook at 40, after the observation at 30 that saw it working.
    const brokenAfter = heldOf(stateAfter([webhook('connection.added', 1), webhook('connection.broken', 40)]));
    assert.deepEqual(reconcile([brokenAfter], [listed()]), []);
  });
});

describe('a correction in the lifecycle, and the webhook for the same change after it', () => {
  const replay = (state: ConnectionState, event: ConnectionEvent) => applyEvent(state, event, NOW, policy);

  test('the late BROKEN webhook starts no second episode and sends nothing', () => {
    const active = stateAfter([webhook('connection.added', 1)]);
    const [correction] = reconcile([heldOf(active)], [listed({ disabled: true, disabledAt: at(10) })]);
    const corrected = replay(active, correction!.event);
    assert.equal(corrected.state.status, 'broken');
    assert.ok(corrected.effects.some((e) => e.type === 'recordBreakage'));

    const late = replay(corrected.state, webhook('connection.broken', 10));
    assert.equal(late.state.status, 'broken');
    assert.equal(late.state.brokenEpisodes, 1);
    assert.deepEqual(late.state.reauth, corrected.state.reauth);
    assert.deepEqual(late.effects.filter((e) => !['recordEvent', 'saveConnection'].includes(e.type)), []);
  });

  test('the late FIXED webhook (dated before the observation) is stale', () => {
    const broken = stateAfter([webhook('connection.added', 1), webhook('connection.broken', 5)]);
    const [correction] = reconcile([heldOf(broken)], [listed()]);
    const corrected = replay(broken, correction!.event);
    assert.equal(corrected.state.status, 'active');
    const late = replay(corrected.state, webhook('connection.fixed', 25));
    assert.deepEqual(late.effects[0], { type: 'recordEvent', event: webhook('connection.fixed', 25), outcome: 'stale' });
    assert.equal(late.state.status, 'active');
  });

  test('a stale correction that raced a newer webhook changes nothing', () => {
    // Compared while active; a FIXED at 20 was applied before the broken@5 correction arrived.
    const fixed = stateAfter([webhook('connection.added', 1), webhook('connection.broken', 4), webhook('connection.fixed', 20)]);
    const [correction] = reconcile([heldOf(stateAfter([webhook('connection.added', 1)]))], [listed({ disabled: true, disabledAt: at(5) })]);
    const applied = replay(fixed, correction!.event);
    assert.equal(applied.state.status, 'active');
    assert.deepEqual(applied.effects[0], { type: 'recordEvent', event: correction!.event, outcome: 'stale' });
  });
});

describe('what a Vezgo account says', () => {
  const account = { id: 'acct-1', provider: { name: 'coinbase' }, created_at: Date.UTC(2024, 0, 1) };

  test('the documented account has no status: present, created then, health unknown', () => {
    assert.deepEqual(listedAccount(account), { connectionId: 'acct-1', brokerageId: 'coinbase', createdAt: '2024-01-01T00:00:00.000000Z', disabled: null, disabledAt: null });
  });

  test('a status, where the API gives one: a user error is disabled, a plain ok works, anything else says nothing', () => {
    assert.equal(listedAccount({ ...account, status: 'error', error: 'LoginFailedError' }).disabled, true);
    assert.equal(listedAccount({ ...account, error: { name: 'SecurityQuestionError' } }).disabled, true);
    assert.equal(listedAccount({ ...account, status: 'ok', error: null }).disabled, false);
    assert.equal(listedAccount({ ...account, status: 'error', error: 'TemporaryFailureError' }).disabled, null);
    assert.equal(listedAccount({ ...account, status: 'syncing' }).disabled, null);
    assert.equal(listedAccount({ ...account, created_at: null }).createdAt, null);
  });
});
