import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { connectionEventSchema } from '../../src/domain/connection-event.ts';
import type { AdapterVerdict } from '../../src/providers/adapter.ts';
import type { ReceiptLedger } from '../../src/providers/receipt-ledger.ts';
import { createSnapTradeEndpoint } from '../../src/providers/snaptrade/endpoint.ts';
import { seedExamples, seedSecrets } from '../support/snaptrade.ts';

const SECRET = 'app-dialect-secret-do-not-leak';
/** The body of the guide's curl example, byte for byte. */
const GUIDE_BODY = `{
    "type": "CONNECTION.CREATED",
    "userId": "test-user",
    "authorizationId": "test-auth-id"
  }`;

const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body);
/** Every hook is new here: redeliveries are judged against Postgres, in test/integration/receipt-dedup.test.ts. */
const ledger: ReceiptLedger = { eventIdFor: async ({ candidateId }) => candidateId };
const endpoint = createSnapTradeEndpoint({ webhookSecrets: [SECRET, ...seedSecrets], ledger });

function receive(body: string, headers: Record<string, string>, adapter: { receive: typeof endpoint.receive } = endpoint): Promise<AdapterVerdict> {
  return Promise.resolve(adapter.receive({ rawBody: Buffer.from(body), headers, remoteAddress: '127.0.0.1' }));
}

function onlyEvent(verdict: AdapterVerdict) {
  assert.equal(verdict.kind, 'accepted', JSON.stringify(verdict));
  const item = verdict.kind === 'accepted' ? verdict.items[0] : undefined;
  return item?.kind === 'event' ? item.event : assert.fail(`not an event: ${JSON.stringify(item)}`);
}

const statusOf = (verdict: AdapterVerdict) => (verdict.kind === 'rejected' ? verdict.status : 200);

describe('SnapTrade app dialect on /webhooks/snaptrade', async () => {
  test('the guide’s example, signed hex or base64, is a new connection received now', async () => {
    for (const signature of [hmac(GUIDE_BODY).digest('hex'), hmac(GUIDE_BODY).digest('base64'), hmac(GUIDE_BODY).digest('hex').toUpperCase()]) {
      const before = Date.now();
      const event = onlyEvent(await receive(GUIDE_BODY, { 'x-snaptrade-signature': signature }));
      assert.equal(connectionEventSchema.safeParse(event).success, true);
      assert.deepEqual([event.provider, event.type, event.userId, event.connectionId], ['snaptrade', 'connection.added', 'test-user', 'test-auth-id']);
      assert.ok(Date.parse(event.occurredAt) >= before - 1 && Date.parse(event.occurredAt) <= Date.now());
    }
  });

  test('the guide’s own `x-snaptrade-signature: test`, a foreign key, or a tampered body is 401', async () => {
    const forged = hmac(GUIDE_BODY, 'someone-else').digest('hex');
    for (const [body, signature] of [
      [GUIDE_BODY, 'test'],
      [GUIDE_BODY, ''],
      [GUIDE_BODY, forged],
      [GUIDE_BODY.replace('test-user', 'other-user'), hmac(GUIDE_BODY).digest('hex')],
    ] as const) {
      assert.equal(statusOf(await receive(body, { 'x-snaptrade-signature': signature })), 401, signature);
    }
  });

  test('the header decides the dialect: a reference payload with a valid body secret but a bad app signature is 401', async () => {
    const reference = JSON.stringify(seedExamples[2]);
    assert.equal(statusOf(await receive(reference, {})), 200);
    assert.equal(statusOf(await receive(reference, { 'x-snaptrade-signature': 'test' })), 401);
    assert.equal(statusOf(await receive(GUIDE_BODY, {})), 401, 'the dotted dialect without its header has no secret to show');
  });

  test('each dialect type maps onto the lifecycle', async () => {
    const types: string[] = [];
    for (const type of ['CONNECTION.CREATED', 'CONNECTION.BROKEN', 'CONNECTION.REFRESHED', 'ACCOUNT_HOLDINGS_UPDATED', 'TRANSACTIONS_UPDATED']) {
      const body = JSON.stringify({ type, userId: 'u', authorizationId: 'auth', accountId: 'acct' });
      const event = onlyEvent(await receive(body, { 'x-snaptrade-signature': hmac(body).digest('hex') }));
      assert.equal(event.accountId, 'acct');
      types.push(event.type);
    }
    assert.deepEqual(types, ['connection.added', 'connection.broken', 'connection.sync_succeeded', 'account.holdings_updated', 'account.transactions_updated']);
  });

  test('with SNAPTRADE_APP_SIGNING_SECRET, the reference body’s webhookSecret no longer signs the app dialect', async () => {
    const APP_SECRET = 'app-signing-secret-do-not-leak';
    const separate = createSnapTradeEndpoint({ webhookSecrets: [SECRET, ...seedSecrets], appSigningSecrets: [APP_SECRET], ledger });
    const underWebhookSecret = await receive(GUIDE_BODY, { 'x-snaptrade-signature': hmac(GUIDE_BODY).digest('hex') }, separate);
    assert.equal(statusOf(underWebhookSecret), 401, 'one seen reference body must not forge the other dialect');
    onlyEvent(await receive(GUIDE_BODY, { 'x-snaptrade-signature': hmac(GUIDE_BODY, APP_SECRET).digest('hex') }, separate));
    assert.ok(separate.secrets.includes(APP_SECRET), 'the app secret is scrubbed from anything kept');
    assert.equal(statusOf(await receive(JSON.stringify(seedExamples[2]), {}, separate)), 200, 'the reference dialect keeps its body secret');
  });

  test('an unknown type is journaled as ignored; a known one missing its ids is 400', async () => {
    const unknown = JSON.stringify({ type: 'CONNECTION.DELETED', userId: 'u', authorizationId: 'auth' });
    const ignored = await receive(unknown, { 'x-snaptrade-signature': hmac(unknown).digest('hex') });
    assert.equal(ignored.kind === 'accepted' && ignored.items[0]?.kind, 'ignored');
    const incomplete = JSON.stringify({ type: 'CONNECTION.CREATED', userId: 'u' });
    const verdict = await receive(incomplete, { 'x-snaptrade-signature': hmac(incomplete).digest('hex') });
    assert.equal(statusOf(verdict), 400);
    assert.match(verdict.kind === 'rejected' ? verdict.detail : '', /authorizationId/);
  });
});
