import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connectionEventSchema, type ConnectionEvent } from '../../src/domain/connection-event.ts';
import type { AdapterVerdict, DeliveryItem } from '../../src/providers/adapter.ts';
import { createUpvestAdapter } from '../../src/providers/upvest/adapter.ts';
import { upvestAdaptersFrom } from '../../src/providers/upvest/from-config.ts';
import { upvestStatusTable } from '../../src/providers/upvest/lifecycle-map.ts';
import { fileKeys, inlineKeys, VerificationKeysUnavailable, type VerificationKeys } from '../../src/providers/upvest/verification-keys.ts';
import { newUpvestKey, signDelivery, upvestEvent, upvestPackage, type SignOptions } from '../support/upvest.ts';

const key = newUpvestKey();
const otherKey = newUpvestKey();
const keys = inlineKeys(JSON.stringify({ keys: [key.jwk, { kid: 'rsa', kty: 'RSA', n: 'AQAB', e: 'AQAB' }] }));
const adapter = createUpvestAdapter({ keys, signatureToleranceMs: 5 * 60_000 });

async function deliver(body: string, options: SignOptions & { signWith?: typeof key; headers?: Record<string, string>; via?: typeof adapter } = {}): Promise<AdapterVerdict> {
  const headers = { ...signDelivery(body, options.signWith ?? key, options), ...options.headers };
  return (options.via ?? adapter).receive({ rawBody: Buffer.from(body), headers, remoteAddress: '127.0.0.1', method: 'POST', target: options.path ?? '/webhooks/upvest' });
}

function itemsOf(verdict: AdapterVerdict): DeliveryItem[] {
  assert.equal(verdict.kind, 'accepted', JSON.stringify(verdict));
  return verdict.kind === 'accepted' ? verdict.items : [];
}

function eventsOf(verdict: AdapterVerdict): ConnectionEvent[] {
  return itemsOf(verdict).map((item) => (item.kind === 'event' ? item.event : assert.fail(`not an event: ${JSON.stringify(item)}`)));
}

function rejection(verdict: AdapterVerdict): { status: number; detail: string } {
  assert.equal(verdict.kind, 'rejected', JSON.stringify(verdict));
  return verdict.kind === 'rejected' ? verdict : assert.fail();
}

const user = { id: 'user-1', status: 'ACTIVE', first_name: 'Ada' };
const onePackage = upvestPackage([upvestEvent('USER.ACTIVATED', user)]);

describe('Upvest signature verification', () => {
  test('Upvest’s own form is accepted: bare names in the base, DER signature, digest covered', async () => {
    assert.equal(eventsOf(await deliver(onePackage)).length, 1);
  });

  test('also accepted: bare names in signature-input, quoted names in the base, raw r‖s signatures', async () => {
    assert.equal(eventsOf(await deliver(onePackage, { quotedInput: false })).length, 1);
    assert.equal(eventsOf(await deliver(onePackage, { quotedBase: true })).length, 1);
    assert.equal(eventsOf(await deliver(onePackage, { encoding: 'ieee-p1363' })).length, 1);
  });

  test('a changed body, path or header fails, and so does another key', async () => {
    const headers = signDelivery(onePackage, key);
    const tampered = Buffer.from(onePackage.replace('user-1', 'user-2'));
    const verdict = await adapter.receive({ rawBody: tampered, headers, remoteAddress: undefined, method: 'POST', target: '/webhooks/upvest' });
    assert.match(rejection(verdict).detail, /digest does not match/);

    const otherPath = await adapter.receive({ rawBody: Buffer.from(onePackage), headers, remoteAddress: undefined, method: 'POST', target: '/webhooks/elsewhere' });
    assert.match(rejection(otherPath).detail, /does not verify/);
    assert.match(rejection(await deliver(onePackage, { headers: { 'content-type': 'text/plain' } })).detail, /does not verify/);
    assert.match(rejection(await deliver(onePackage, { signWith: otherKey, keyId: key.kid })).detail, /does not verify/);
  });

  test('the digest must be covered, an unknown keyid fails, and the headers must be there', async () => {
    const uncovered = await deliver(onePackage, { components: ['@method', '@path', 'content-type'] });
    assert.match(rejection(uncovered).detail, /does not cover a body digest/);
    assert.match(rejection(await deliver(onePackage, { keyId: 'nobody' })).detail, /unknown keyid/);
    const bare = await adapter.receive({ rawBody: Buffer.from(onePackage), headers: {}, remoteAddress: undefined, method: 'POST', target: '/webhooks/upvest' });
    assert.equal(rejection(bare).status, 401);
  });

  test('created and expires are held to the tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.match(rejection(await deliver(onePackage, { created: now - 600, expires: now + 60 })).detail, /too old/);
    assert.match(rejection(await deliver(onePackage, { created: now - 120, expires: now - 60 })).detail, /expired/);
    assert.match(rejection(await deliver(onePackage, { created: now + 600 })).detail, /future/);
    assert.equal(eventsOf(await deliver(onePackage, { created: now - 240, expires: now + 60 })).length, 1);
  });

  test('keys that cannot be had are a 503 verdict, so Upvest retries', async () => {
    const unavailable: VerificationKeys = {
      keyFor: async () => {
        throw new VerificationKeysUnavailable('down');
      },
    };
    const verdict = await deliver(onePackage, { via: createUpvestAdapter({ keys: unavailable, signatureToleranceMs: 60_000 }) });
    assert.equal(rejection(verdict).status, 503);
  });

  test('a JWKS file is read again on an unknown keyid, once per cooldown', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'upvest-jwks-')), 'jwks.json');
    writeFileSync(path, JSON.stringify({ keys: [key.jwk] }));
    const fromFile = fileKeys(path, { refreshCooldownMs: 0 });
    assert.equal(await fromFile.keyFor(otherKey.kid), undefined);
    writeFileSync(path, JSON.stringify({ keys: [key.jwk, otherKey.jwk] }));
    assert.ok(await fromFile.keyFor(otherKey.kid));
    assert.throws(() => inlineKeys('{"keys": "none"}'), /not a JWKS/);
  });

  test('without keys configured there is no Upvest adapter', () => {
    assert.deepEqual(upvestAdaptersFrom({ UPVEST_SIGNATURE_TOLERANCE: 1, UPVEST_JWKS_REFRESH_COOLDOWN: 1, UPVEST_API_VERSION: '1' }), []);
  });
});

describe('Upvest packages', () => {
  const account = { id: 'account-1', user_id: 'user-1', status: 'ACTIVE' };

  test('every status in the table routes to its user or account, as the table says', async () => {
    const events = Object.keys(upvestStatusTable).map((type) =>
      upvestEvent(type, type.startsWith('ACCOUNT.') ? account : type.startsWith('USER_CHECK.') ? { id: 'check-1', user_id: 'user-1', status: 'PASSED' } : user),
    );
    const normalized = eventsOf(await deliver(upvestPackage(events)));
    assert.equal(normalized.length, events.length);
    normalized.forEach((event, i) => {
      const type = events[i]!.type as keyof typeof upvestStatusTable;
      assert.equal(connectionEventSchema.safeParse(event).success, true);
      assert.equal(event.type, upvestStatusTable[type]);
      assert.equal(event.eventId, events[i]!.id);
      assert.equal(event.connectionId, type.startsWith('ACCOUNT.') ? 'account-1' : 'user-1');
      assert.equal(event.accountId, type.startsWith('ACCOUNT.') ? 'account-1' : undefined);
      assert.equal(event.userId, 'user-1');
      assert.equal(event.detail.providerEventType, type);
    });
    assert.equal(JSON.stringify(normalized).includes('Ada'), false, 'personal data stays out of the normalized events');
  });

  test('order, execution, position and cash events are activity on their account', async () => {
    const activity = { id: 'x-1', account_id: 'account-9', user_id: 'user-9', status: 'FILLED' };
    const types = ['ORDER.FILLED', 'EXECUTION.SETTLED', 'POSITION.UPDATED', 'CASH_BALANCE.UPDATED'];
    const normalized = eventsOf(await deliver(upvestPackage(types.map((type) => upvestEvent(type, activity)))));
    for (const event of normalized) {
      assert.deepEqual([event.type, event.connectionId, event.accountId, event.userId], ['connection.updated', 'account-9', 'account-9', 'user-9']);
    }
  });

  test('unknown types are ignored and a bad event is malformed, without failing its siblings', async () => {
    const good = upvestEvent('USER.CREATED', user);
    const ignored = upvestEvent('PORTFOLIO.CREATED', { id: 'p-1' });
    const noUser = upvestEvent('ACCOUNT.ACTIVATED', { id: 'account-2' });
    const noTime = { ...upvestEvent('USER.ACTIVATED', user), created_at: 'yesterday' };
    const items = itemsOf(await deliver(upvestPackage([good, ignored, noUser, noTime, 'not an event'])));
    assert.deepEqual(items.map((item) => item.kind), ['event', 'ignored', 'malformed', 'malformed', 'malformed']);
    assert.match(items[2]!.kind === 'malformed' ? items[2]!.reason : '', /object\.user_id/);
    assert.deepEqual(items[1], { kind: 'ignored', eventId: ignored.id, eventType: 'PORTFOLIO.CREATED', body: ignored });
  });

  test('an authentic body that is no package is acknowledged as one dead letter, not refused', async () => {
    assert.deepEqual(itemsOf(await deliver('{"payload": 3}')).map((item) => item.kind), ['malformed']);
    assert.deepEqual(itemsOf(await deliver('not json')).map((item) => item.kind), ['malformed']);
  });

  test('the adapter asks for 200 on all-ignored deliveries, since Upvest retries anything else', () => {
    assert.equal(adapter.ignoredStatus, 200);
  });
});
