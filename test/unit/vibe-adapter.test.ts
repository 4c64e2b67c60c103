import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectionEventSchema } from '../../src/domain/connection-event.ts';
import { alertNoticeSchema, maintenanceNoticeSchema } from '../../src/domain/provider-notice.ts';
import type { AdapterVerdict, DeliveryItem } from '../../src/providers/adapter.ts';
import { createVibeAdapter } from '../../src/providers/vibe/adapter.ts';
import { VIBE_SECRET, vibeExample, vibeSeedExamples, vibeSignature } from '../support/vibe.ts';

const ACCOUNT = 'vibe-account-7';
const adapter = createVibeAdapter({ webhookSecrets: [VIBE_SECRET], accountId: ACCOUNT, allowedAddresses: [] });

function receive(body: unknown, options: { signature?: string | null; from?: string; a?: typeof adapter } = {}): AdapterVerdict {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const signature = options.signature === undefined ? vibeSignature(raw) : options.signature;
  return (options.a ?? adapter).receive({
    rawBody: raw,
    headers: signature === null ? {} : { 'x-webhook-signature': signature },
    remoteAddress: options.from ?? '127.0.0.1',
  });
}

function onlyItem(verdict: AdapterVerdict): DeliveryItem {
  assert.equal(verdict.kind, 'accepted', JSON.stringify(verdict));
  assert.equal(verdict.kind === 'accepted' && verdict.items.length, 1);
  return verdict.kind === 'accepted' ? verdict.items[0]! : assert.fail('rejected');
}

function onlyEvent(verdict: AdapterVerdict) {
  const item = onlyItem(verdict);
  return item.kind === 'event' ? item.event : assert.fail(`not an event: ${item.kind}`);
}

const statusOf = (verdict: AdapterVerdict) => (verdict.kind === 'rejected' ? verdict.status : 200);

describe('Vibe adapter', () => {
  test('every example of the guide, signed, is accepted: activity, notices, and the rest journaled as ignored', () => {
    const outcome = vibeSeedExamples.map((example) => {
      const item = onlyItem(receive(example));
      if (item.kind === 'ignored') return `${example.event} ignored`;
      assert.equal(item.kind, 'event');
      if (item.kind !== 'event') return '';
      assert.equal(connectionEventSchema.safeParse(item.event).success, true);
      assert.deepEqual([item.event.provider, item.event.connectionId, item.event.userId], ['vibe', ACCOUNT, ACCOUNT]);
      assert.equal(item.event.detail.providerEventType, example.event);
      return `${example.event} ${item.event.type}`;
    });
    assert.deepEqual(outcome, [
      'order.created connection.updated',
      'order.updated connection.updated',
      'order.cancelled connection.updated',
      'position.opened connection.updated',
      'position.updated connection.updated',
      'position.closed connection.updated',
      'account.balance_updated connection.updated',
      'account.deposit_received connection.updated',
      'account.withdrawal_processed connection.updated',
      'signal.generated ignored',
      'system.maintenance provider.maintenance_scheduled',
      'system.alert provider.alert',
      'test ignored',
      'test ignored',
    ]);
  });

  test('activity keeps ids and statuses, never amounts', () => {
    const order = onlyEvent(receive(vibeExample('order.updated')));
    assert.deepEqual(order.detail, { objectId: '12345678-1234-1234-1234-123456789012', status: 'filled', providerEventType: 'order.updated' });
    assert.equal(order.accountId, ACCOUNT);
    assert.equal(order.occurredAt, '2024-01-15T10:30:01.000000Z');
    const deposit = onlyEvent(receive(vibeExample('account.deposit_received')));
    assert.deepEqual(deposit.detail, { objectId: 'tx_123456789', asset: 'USD', status: 'completed', providerEventType: 'account.deposit_received' });
  });

  test('system.maintenance carries its window; system.alert its level', () => {
    const maintenance = maintenanceNoticeSchema.parse(onlyEvent(receive(vibeExample('system.maintenance'))).detail);
    assert.deepEqual(maintenance, {
      providerEventType: 'system.maintenance',
      startsAt: '2024-01-15T20:00:00.000000Z',
      endsAt: '2024-01-15T22:00:00.000000Z',
      description: 'Scheduled maintenance for system updates',
    });
    const alert = alertNoticeSchema.parse(onlyEvent(receive(vibeExample('system.alert'))).detail);
    assert.deepEqual([alert.level, alert.title], ['warning', 'High Market Volatility']);
    const critical = vibeExample('system.alert');
    critical.data.level = 'CRITICAL';
    assert.equal(alertNoticeSchema.parse(onlyEvent(receive(critical)).detail).level, 'critical');
    const unheard = vibeExample('system.alert');
    unheard.data.level = 'severe';
    assert.equal(alertNoticeSchema.parse(onlyEvent(receive(unheard)).detail).level, 'warning');
  });

  test('a wrong, missing, re-cased or foreign signature is 401', () => {
    const body = JSON.stringify(vibeExample('order.created'));
    for (const signature of [null, '', 'test_signature', vibeSignature(body, 'another-secret'), vibeSignature(body).toUpperCase(), vibeSignature(`${body} `)]) {
      assert.equal(statusOf(receive(body, { signature })), 401, String(signature));
    }
  });

  test('during a rotation either secret authenticates', () => {
    const rotating = createVibeAdapter({ webhookSecrets: ['old-secret', 'new-secret'], accountId: ACCOUNT, allowedAddresses: [] });
    const body = JSON.stringify(vibeExample('order.created'));
    for (const secret of ['old-secret', 'new-secret']) onlyEvent(receive(body, { a: rotating, signature: vibeSignature(body, secret) }));
  });

  test('with an allowlist, other sources are 403 before the signature is looked at', () => {
    const listed = createVibeAdapter({ webhookSecrets: [VIBE_SECRET], accountId: ACCOUNT, allowedAddresses: ['203.0.113.0/24'] });
    assert.equal(statusOf(receive(vibeExample('order.created'), { a: listed, from: '198.51.100.7' })), 403);
    assert.equal(statusOf(receive(vibeExample('order.created'), { a: listed, from: '::ffff:203.0.113.9' })), 200);
    assert.equal(statusOf(receive(vibeExample('order.created'), { a: listed, from: '198.51.100.7', signature: 'forged' })), 403);
  });

  test('the event id is the content: the same event re-serialized keeps it, another event does not', () => {
    const example = vibeExample('position.updated');
    const idOf = (body: string) => onlyEvent(receive(body)).eventId;
    const compact = idOf(JSON.stringify(example));
    const reordered = idOf(JSON.stringify({ data: example.data, timestamp: example.timestamp, event: example.event }, null, 4));
    assert.equal(compact, reordered);
    assert.match(compact, /^position\.updated:[0-9a-f]{64}$/);
    assert.notEqual(idOf(JSON.stringify({ ...example, timestamp: '2024-01-15T11:00:01Z' })), compact);
  });

  test('an authentic body that is not what the guide documents is 400 and dead-lettered', () => {
    const { orderId: _id, ...withoutId } = vibeExample('order.updated').data;
    const cases: [unknown, RegExp][] = [
      [{ ...vibeExample('order.updated'), data: withoutId }, /data\.orderId/],
      [{ ...vibeExample('order.updated'), timestamp: 'yesterday' }, /timestamp/],
      [{ ...vibeExample('system.maintenance'), data: { ...vibeExample('system.maintenance').data, endTime: '2024-01-15T19:00:00Z' } }, /endTime/],
      [{ data: {} }, /event/],
      ['not json', /JSON/],
    ];
    for (const [body, reason] of cases) {
      const verdict = receive(body);
      assert.equal(verdict.kind === 'rejected' && verdict.status, 400);
      assert.ok(verdict.kind === 'rejected' && verdict.deadLetter, 'dead-lettered');
      assert.match(verdict.kind === 'rejected' ? `${verdict.title} ${verdict.detail}` : '', reason);
    }
  });

  test('a secret that shows up verbatim in a body is not kept', () => {
    const verdict = receive({ event: 'something.new', data: { note: `leaked ${VIBE_SECRET}` } });
    assert.equal(onlyItem(verdict).kind, 'ignored');
    assert.equal(JSON.stringify(verdict).includes(VIBE_SECRET), false);
  });
});
