import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { connectionEventSchema } from '../../src/domain/connection-event.ts';
import type { AdapterVerdict } from '../../src/providers/adapter.ts';
import { createSnapTradeAdapter } from '../../src/providers/snaptrade/adapter.ts';
import { pythonCompactSortedJson } from '../../src/providers/python-json.ts';
import { seedExamples, seedSecrets } from '../support/snaptrade.ts';

const adapter = createSnapTradeAdapter({ webhookSecrets: seedSecrets });
const receive = (body: unknown, headers: Record<string, string> = {}, a = adapter): AdapterVerdict =>
  a.receive({ rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), headers, remoteAddress: '127.0.0.1' });

function onlyEvent(verdict: AdapterVerdict) {
  assert.equal(verdict.kind, 'accepted');
  const item = verdict.kind === 'accepted' ? verdict.items[0] : undefined;
  assert.equal(item?.kind, 'event');
  return item.kind === 'event' ? item.event : assert.fail('not an event');
}

describe('SnapTrade adapter', () => {
  test('each of the 13 documented payloads normalizes to a valid provider-neutral event', () => {
    const types = seedExamples.map((example) => {
      const event = onlyEvent(receive(example));
      assert.equal(connectionEventSchema.safeParse(event).success, true);
      assert.equal(event.provider, 'snaptrade');
      assert.equal(event.connectionId, example.brokerageAuthorizationId);
      assert.equal(event.accountId, example.accountId);
      assert.equal(JSON.stringify(event).includes(example.webhookSecret as string), false);
      return event.type;
    });
    assert.deepEqual(types, [
      'user.registered',
      'connection.attempted',
      'connection.added',
      'connection.deleted',
      'connection.broken',
      'connection.fixed',
      'connection.updated',
      'connection.failed',
      'account.added',
      'account.transactions_initial',
      'account.transactions_updated',
      'account.removed',
      'account.trades_placed',
    ]);
  });

  test('timestamps become canonical UTC with microseconds; attempts keep their result code', () => {
    const attempted = onlyEvent(receive(seedExamples[1]));
    assert.equal(attempted.occurredAt, '2022-05-31T11:17:17.804976Z');
    assert.equal(attempted.detail.result, 'SUCCESS');
    assert.equal(attempted.brokerageId, 'c8153291-0761-43a8-8ed0-4642103c2cb8');
  });

  test('the reference reuses one webhookId for two types; both stay distinct events', () => {
    const updated = onlyEvent(receive(seedExamples.find((e) => e.eventType === 'CONNECTION_UPDATED')));
    const failed = onlyEvent(receive(seedExamples.find((e) => e.eventType === 'CONNECTION_FAILED')));
    assert.notEqual(updated.eventId, failed.eventId);
  });

  test('a wrong, missing or empty secret is rejected 401', () => {
    for (const webhookSecret of ['wrong', '', undefined, 42]) {
      const verdict = receive({ ...seedExamples[2], webhookSecret });
      assert.equal(verdict.kind === 'rejected' && verdict.status, 401);
    }
  });

  describe('the Signature header under the consumer key', () => {
    const consumerKey = 'consumer-key-for-tests';
    const signing = createSnapTradeAdapter({ webhookSecrets: ['only-the-old-secret'], consumerKey });
    const body = { ...seedExamples[2], webhookSecret: 'not-the-configured-one', note: 'café' };
    const sign = (text: string) => createHmac('sha256', consumerKey).update(text).digest('base64');

    test('over the sorted, compact re-serialization (their reference) authenticates', () => {
      const raw = JSON.stringify(body, null, 2);
      assert.equal(pythonCompactSortedJson(body).includes('caf\\u00e9'), true);
      onlyEvent(receive(raw, { signature: sign(pythonCompactSortedJson(JSON.parse(raw))) }, signing));
    });

    test('over the raw bytes authenticates', () => {
      const raw = JSON.stringify(body);
      onlyEvent(receive(raw, { signature: sign(raw) }, signing));
    });

    test('a signature under another key, or none, is 401', () => {
      const raw = JSON.stringify(body);
      const forged = createHmac('sha256', 'other').update(raw).digest('base64');
      for (const headers of [{ signature: forged }, {}] as Record<string, string>[]) {
        const verdict = receive(raw, headers, signing);
        assert.equal(verdict.kind === 'rejected' && verdict.status, 401);
      }
    });
  });

  describe('once the consumer key is configured, the Signature header is required', () => {
    const consumerKey = 'consumer-key-for-tests';
    const body = JSON.stringify({ ...seedExamples[2], webhookSecret: seedSecrets[0] });
    const sign = (text: string) => createHmac('sha256', consumerKey).update(text).digest('base64');

    test('the body webhookSecret alone no longer authenticates (SNAPTRADE_REQUIRE_SIGNATURE defaults on)', () => {
      const requiring = createSnapTradeAdapter({ webhookSecrets: seedSecrets, consumerKey });
      const verdict = receive(body, {}, requiring);
      assert.equal(verdict.kind === 'rejected' && verdict.status, 401);
      assert.match(verdict.kind === 'rejected' ? verdict.detail : '', /Signature/);
      onlyEvent(receive(body, { signature: sign(body) }, requiring));
      const forged = receive(body, { signature: createHmac('sha256', 'other').update(body).digest('base64') }, requiring);
      assert.equal(forged.kind === 'rejected' && forged.status, 401, 'a valid body secret does not rescue a bad signature');
    });

    test('turned off explicitly, either scheme authenticates (a migration period)', () => {
      const lenient = createSnapTradeAdapter({ webhookSecrets: seedSecrets, consumerKey, requireSignature: false });
      onlyEvent(receive(body, {}, lenient));
      onlyEvent(receive(body, { signature: sign(body) }, lenient));
    });
  });

  describe('SNAPTRADE_MAX_EVENT_AGE', () => {
    const now = new Date('2024-03-01T10:00:00Z');
    const at = (iso: string) => ({ ...seedExamples[2], eventTimestamp: iso });

    test('off by default: a delivery of any age is accepted (SnapTrade retries for hours)', () => {
      onlyEvent(receive(at('2024-02-29T10:00:00+00:00')));
    });

    test('when set, an authentic event older (or further ahead) than the age is 401 and leaves nothing', () => {
      const fresh = createSnapTradeAdapter({ webhookSecrets: seedSecrets, maxEventAgeMs: 300_000, now: () => now });
      onlyEvent(receive(at('2024-03-01T09:56:00+00:00'), {}, fresh));
      onlyEvent(receive(at('2024-03-01T10:01:00+00:00'), {}, fresh));
      for (const stale of ['2024-03-01T09:54:59+00:00', '2024-03-01T10:05:01+00:00']) {
        const verdict = receive(at(stale), {}, fresh);
        assert.deepEqual(verdict.kind === 'rejected' && [verdict.status, verdict.title, verdict.deadLetter], [401, 'Webhook too old', undefined], stale);
      }
      const unauthentic = receive({ ...at('2024-03-01T09:59:00+00:00'), webhookSecret: 'wrong' }, {}, fresh);
      assert.equal(unauthentic.kind === 'rejected' && unauthentic.title, 'Webhook not authenticated', 'authenticity is judged first');
    });
  });

  test('an unknown event type is accepted as ignored, without its secret', () => {
    const verdict = receive({ ...seedExamples[0], eventType: 'SOMETHING_NEW' });
    assert.equal(verdict.kind, 'accepted');
    const item = verdict.kind === 'accepted' ? verdict.items[0] : undefined;
    assert.equal(item?.kind, 'ignored');
    assert.equal(JSON.stringify(item).includes('webhookSecret'), false);
  });

  test('a schema failure is 400 and names the field; the dead letter has no secret', () => {
    const { brokerageAuthorizationId: _drop, ...rest } = seedExamples[4]!;
    const verdict = receive(rest);
    assert.equal(verdict.kind, 'rejected');
    if (verdict.kind !== 'rejected') return;
    assert.equal(verdict.status, 400);
    assert.match(verdict.detail, /brokerageAuthorizationId/);
    assert.equal(JSON.stringify(verdict.deadLetter).includes(rest.webhookSecret as string), false);
  });

  test('a secret pasted into another field of a non-JSON body is scrubbed from the dead letter', () => {
    const verdict = receive(`not json ${seedSecrets[0]}`);
    assert.equal(verdict.kind === 'rejected' && verdict.status, 400);
    assert.equal(JSON.stringify(verdict).includes(seedSecrets[0]!), false);
  });
});
