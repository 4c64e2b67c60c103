import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { dumpAllTables } from '../support/database.ts';
import { snapTradeSdkEnv, startFakeSnapTrade, type FakeSnapTrade } from '../support/fake-providers.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { signedSnapTrade, snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const CONSUMER_KEY = 'consumer-key-holdings-do-not-leak';
const USER_SECRET = 'snaptrade-user-secret-holdings-do-not-leak';

/** The guide's curl example, byte for byte (seed 002, "Test Locally"). */
const GUIDE_BODY = `{
    "type": "CONNECTION.CREATED",
    "userId": "test-user",
    "authorizationId": "test-auth-id"
  }`;

describe('SnapTrade app dialect: the guide’s webhook creates the connection with its accounts and holdings', () => {
  let stack: Stack;
  let snaptrade: FakeSnapTrade;

  before(async () => {
    snaptrade = await startFakeSnapTrade();
    stack = await startStack({
      env: {
        ...snapTradeSdkEnv(snaptrade, CONSUMER_KEY),
      },
    });
  });
  after(async () => {
    await stack.stop();
    await snaptrade.close();
  });

  const sign = (body: string, encoding: 'hex' | 'base64' = 'hex') => createHmac('sha256', TEST_SECRET).update(body).digest(encoding);
  const postApp = (body: string, signature: string) => stack.post('/webhooks/snaptrade', body, { 'x-snaptrade-signature': signature });

  async function registerSecret(userId: string): Promise<void> {
    const res = await fetch(`${stack.receiver.url}/users/snaptrade/${userId}/credentials`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userSecret: USER_SECRET }),
    });
    assert.equal(res.status, 204);
  }

  async function holdingsOf(connectionId: string): Promise<string[]> {
    const { rows } = await stack.db.pool.query<{ row: string }>(
      `SELECT a.account_id || ' ' || h.symbol || ' ' || h.units::text AS row FROM holdings h JOIN accounts a USING (provider, account_id)
       WHERE a.provider = 'snaptrade' AND a.connection_id = $1 ORDER BY 1`,
      [connectionId],
    );
    return rows.map((r) => r.row);
  }

  test('the guide’s `x-snaptrade-signature: test` is 401 and leaves nothing behind', async () => {
    const res = await postApp(GUIDE_BODY, 'test');
    assert.equal(res.status, 401);
    assert.equal(res.body.title, 'Webhook not authenticated');
    const { rows } = await stack.db.pool.query(`SELECT (SELECT count(*) FROM webhook_journal)::int AS j, (SELECT count(*) FROM dead_letters)::int AS d`);
    assert.deepEqual(rows[0], { j: 0, d: 0 });
  });

  test('signed with the webhook secret: the connection, its accounts and their holdings, fetched with the user’s secret', async () => {
    await registerSecret('test-user');
    const res = await postApp(GUIDE_BODY, sign(GUIDE_BODY));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { received: true, events: 1, duplicates: 0, deadLettered: 0 });

    await waitFor(async () => (await holdingsOf('test-auth-id')).length === 3, 'holdings rows');
    assert.deepEqual(await holdingsOf('test-auth-id'), [
      'test-auth-id-brokerage AAPL 10',
      'test-auth-id-brokerage VTI 3.5',
      'test-auth-id-crypto BTC 0.00012345',
    ]);
    const connection = await stack.get('/connections/snaptrade/test-auth-id');
    assert.equal(connection.body.state, 'active');
    assert.equal(connection.body.userId, 'test-user');
    assert.deepEqual(connection.body.events.map((e: { type: string }) => e.type), ['connection.added']);
    const { rows: accounts } = await stack.db.pool.query(
      `SELECT account_id, name, institution_name, account_type FROM accounts WHERE connection_id = 'test-auth-id' ORDER BY account_id`,
    );
    assert.deepEqual(accounts, [
      { account_id: 'test-auth-id-brokerage', name: 'Individual Brokerage', institution_name: 'Robinhood', account_type: 'Margin' },
      { account_id: 'test-auth-id-crypto', name: 'Crypto', institution_name: 'Robinhood', account_type: 'Margin' },
    ]);

    const calls = snaptrade.requests.filter((r) => r.method === 'GET');
    assert.deepEqual(calls.map((r) => new URL(r.path, 'http://x').pathname), [
      '/api/v1/authorizations/test-auth-id/accounts',
      '/api/v1/accounts/test-auth-id-brokerage/positions/all',
      '/api/v1/accounts/test-auth-id-crypto/positions/all',
    ]);
    for (const call of calls) {
      const query = new URL(call.path, 'http://x').searchParams;
      assert.deepEqual([query.get('userId'), query.get('userSecret'), query.get('clientId')], ['test-user', USER_SECRET, 'CLIENT-ID']);
      assert.ok(call.headers.signature, 'the SDK signs its requests with the consumer key');
    }
  });

  test('the same delivery again is a duplicate: nothing is fetched twice', async () => {
    const before = snaptrade.requests.length;
    const res = await postApp(GUIDE_BODY, sign(GUIDE_BODY, 'base64'));
    assert.deepEqual([res.status, res.body.duplicate], [200, true]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(snaptrade.requests.length, before);
  });

  test('ACCOUNT_HOLDINGS_UPDATED refreshes them: changed units updated, a sold position gone', async () => {
    snaptrade.accounts.set('test-auth-id', [
      {
        id: 'test-auth-id-brokerage',
        name: 'Individual Brokerage',
        positions: [{ kind: 'stock', id: 'instrument-aapl', symbol: 'AAPL', description: 'Apple Inc.', units: '12', price: '190', costBasis: '151' }],
      },
    ]);
    const body = JSON.stringify({ type: 'ACCOUNT_HOLDINGS_UPDATED', userId: 'test-user', authorizationId: 'test-auth-id', accountId: 'test-auth-id-brokerage' });
    assert.equal((await postApp(body, sign(body))).status, 200);
    await waitFor(async () => (await holdingsOf('test-auth-id')).includes('test-auth-id-brokerage AAPL 12'), 'the refreshed holdings');
    assert.deepEqual(await holdingsOf('test-auth-id'), ['test-auth-id-brokerage AAPL 12', 'test-auth-id-crypto BTC 0.00012345']);
  });

  test('CONNECTION.BROKEN then CONNECTION.REFRESHED move the connection; TRANSACTIONS_UPDATED is activity', async () => {
    const send = async (type: string) => {
      const body = JSON.stringify({ type, userId: 'test-user', authorizationId: 'test-auth-id' });
      assert.equal((await postApp(body, sign(body))).status, 200);
    };
    await send('CONNECTION.BROKEN');
    await waitFor(async () => (await stack.get('/connections/snaptrade/test-auth-id')).body?.state === 'broken', 'broken');
    await send('CONNECTION.REFRESHED');
    await send('TRANSACTIONS_UPDATED');
    const read = await waitFor(async () => {
      const res = await stack.get('/connections/snaptrade/test-auth-id');
      return res.body?.events.length === 5 && res.body;
    }, 'every event in the timeline');
    assert.equal(read.state, 'active');
    assert.deepEqual(read.events.map((e: { type: string }) => e.type).sort(), [
      'account.holdings_updated',
      'account.transactions_updated',
      'connection.added',
      'connection.broken',
      'connection.sync_succeeded',
    ]);
  });

  test('the reference dialect’s CONNECTION_ADDED fetches holdings too; its deletion takes accounts and holdings away', async () => {
    await registerSecret('reference-user');
    const added = snapTradePayload('CONNECTION_ADDED', { userId: 'reference-user', brokerageAuthorizationId: 'ref-auth', eventTimestamp: new Date().toISOString() });
    const unsigned = await stack.post('/webhooks/snaptrade', added);
    assert.deepEqual([unsigned.status, unsigned.body.detail], [401, 'A valid Signature header is required.'], 'with the consumer key set, the body secret alone is not enough');
    const addedDelivery = signedSnapTrade(added, CONSUMER_KEY);
    assert.equal((await stack.post('/webhooks/snaptrade', addedDelivery.body, addedDelivery.headers)).status, 200);
    await waitFor(async () => (await holdingsOf('ref-auth')).length === 3, 'holdings of the reference connection');

    const deleted = snapTradePayload('CONNECTION_DELETED', { userId: 'reference-user', brokerageAuthorizationId: 'ref-auth', eventTimestamp: new Date().toISOString() });
    const deletedDelivery = signedSnapTrade(deleted, CONSUMER_KEY);
    assert.equal((await stack.post('/webhooks/snaptrade', deletedDelivery.body, deletedDelivery.headers)).status, 200);
    await waitFor(async () => (await stack.get('/connections/snaptrade/ref-auth')).body?.state === 'deleted', 'deleted');
    const { rows } = await stack.db.pool.query(
      `SELECT (SELECT count(*) FROM accounts WHERE connection_id = 'ref-auth')::int AS accounts,
              (SELECT count(*) FROM holdings WHERE account_id LIKE 'ref-auth-%')::int AS holdings`,
    );
    assert.deepEqual(rows[0], { accounts: 0, holdings: 0 });
  });

  test('without a registered user secret nothing is fetched and the connection is still recorded', async () => {
    const body = JSON.stringify({ type: 'CONNECTION.CREATED', userId: 'unregistered-user', authorizationId: 'no-secret-auth' });
    assert.equal((await postApp(body, sign(body))).status, 200);
    await waitFor(async () => (await stack.get('/connections/snaptrade/no-secret-auth')).body?.state === 'active', 'active');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(snaptrade.requests.some((r) => r.path.includes('no-secret-auth')), false);
  });

  test('the user secret and the webhook secret are nowhere: not in Postgres, the logs or workflow history', async () => {
    const tables = await dumpAllTables(stack.db.pool);
    const history = await stack.client.workflow.getHandle('connection:snaptrade:test-auth-id').fetchHistory();
    const historyBytes = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    assert.ok(tables.includes('test-auth-id') && historyBytes.includes('test-auth-id'), 'the searches see the connection');
    for (const secret of [USER_SECRET, TEST_SECRET, CONSUMER_KEY]) {
      assert.equal(tables.includes(secret), false, `${secret.slice(0, 12)}… in Postgres`);
      assert.equal(stack.logs.join('').includes(secret), false, `${secret.slice(0, 12)}… in the logs`);
      assert.equal(historyBytes.includes(secret), false, `${secret.slice(0, 12)}… in workflow history`);
    }
  });
});
