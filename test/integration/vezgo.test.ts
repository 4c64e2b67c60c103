import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createVezgoAdapter } from '../../src/providers/vezgo/adapter.ts';
import { createReceiptLedger } from '../../src/db/receipt-ledger.ts';
import { startFakeVezgo } from '../support/fake-providers.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { API_TOKEN, startStack, testConfig, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const CLIENT_ID = 'vezgo-client-id';
const RETRY_INITIAL = 500;
const RETRY_MAX = 2000;
const ESCALATE_AFTER = 4000;

const hook = (accountId: string, error?: string) => ({
  hook: error ? 'SyncError' : 'SyncAccount',
  user: { id: `user-of-${accountId}`, loginName: `login.${accountId}@example.com` },
  account: { id: accountId, provider: 'coinbase' },
  ...(error ? { error } : {}),
});

describe('Vezgo hooks', () => {
  let stack: Stack;
  let vezgo: RecordingServer;
  let app: AppBackend;
  let ops: RecordingServer;

  before(async () => {
    [vezgo, app, ops] = await Promise.all([startFakeVezgo(), startAppBackend(), startRecordingServer()]);
    stack = await startStack({
      env: {
        VEZGO_CLIENT_ID: CLIENT_ID,
        VEZGO_CLIENT_SECRET: 'vezgo-secret-do-not-leak',
        VEZGO_API_URL: `${vezgo.url}/v1`,
        VEZGO_ALLOWED_IPS: '127.0.0.1,::1',
        SYNC_RETRY_INITIAL: `${RETRY_INITIAL}ms`,
        SYNC_RETRY_MAX: `${RETRY_MAX}ms`,
        DEGRADED_ESCALATE_AFTER: `${ESCALATE_AFTER}ms`,
        REAUTH_GRACE: '1s',
        QUIET_HOURS: 'off',
        ...app.env,
        OPS_ALERT_WEBHOOK_URL: ops.url,
      },
    });
  });
  after(async () => {
    await stack.stop();
    await Promise.all([vezgo.close(), app.server.close(), ops.close()]);
  });

  const send = (body: unknown, clientId = CLIENT_ID) => stack.post('/webhooks/vezgo', body, { 'x-client-id': clientId });
  const state = async (accountId: string) => (await stack.get(`/connections/vezgo/${accountId}`)).body?.state as string | undefined;
  const notifications = (accountId: string) => app.notifications(accountId).map((n) => n.type);

  test('a wrong x-client-id is 401 and leaves no row', async () => {
    const res = await send(hook('acct-intruder'), 'someone-else');
    assert.equal(res.status, 401);
    const { rows } = await stack.db.pool.query(`SELECT (SELECT count(*) FROM webhook_journal)::int AS j, (SELECT count(*) FROM dead_letters)::int AS d`);
    assert.deepEqual(rows[0], { j: 0, d: 0 });
  });

  test('an address outside the allowlist is 403; a forged X-Forwarded-For entry is never believed', async () => {
    const adapter = createVezgoAdapter({ clientId: CLIENT_ID, allowedAddresses: ['52.60.234.183', '52.60.240.0/24'], dedupWindowMs: 60_000, ledger: createReceiptLedger(stack.db.pool) });
    // TRUST_PROXY as an operator writes it; the test client on loopback plays the proxy.
    const probe = async (trustProxy: string, forwardedFor?: string) => {
      const server = createApp({
        pool: stack.db.pool,
        adapters: [adapter],
        dispatcher: { dispatchNow: () => undefined },
        auth: { apiToken: API_TOKEN },
        logger: createLogger('silent'),
        temporalReachable: async () => undefined,
        trustProxy: testConfig({ TRUST_PROXY: trustProxy }).TRUST_PROXY,
      }).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/vezgo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-client-id': CLIENT_ID, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
          body: JSON.stringify(hook(`acct-proxy-${trustProxy}-${forwardedFor ?? 'direct'}`)),
        });
        return res.status;
      } finally {
        server.close();
      }
    };
    assert.equal(await probe('false'), 403);
    assert.equal(await probe('false', '52.60.234.183'), 403, 'X-Forwarded-For is not believed by default');

    // The client writes the left of the header; the proxy appends the address it saw.
    const spoofed = '52.60.234.183, 203.0.113.9';
    assert.equal(await probe('1', spoofed), 403, 'one proxy: its own entry (the right-most) is the client');
    assert.equal(await probe('loopback', spoofed), 403, 'a trusted proxy address: the first untrusted entry from the right is the client');
    assert.equal(await probe('127.0.0.1/8', spoofed), 403);
    assert.equal(await probe('1', '203.0.113.9, 52.60.240.87'), 200, 'Vezgo behind the proxy');
    assert.equal(await probe('loopback', '52.60.240.87'), 200);
    assert.throws(() => testConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY/, 'a bare true stops start-up');
  });

  test('TemporaryFailureError: degraded, syncs retried with backoff through the SDK, escalated after the limit', async () => {
    const id = 'acct-flaky';
    assert.equal((await send(hook(id, 'TemporaryFailureError'))).status, 200);
    await waitFor(async () => (await state(id)) === 'degraded', 'degraded');
    await waitFor(async () => ops.requests.some((r) => r.body.includes('degraded_too_long') && r.body.includes(id)), 'escalation', 30_000);

    const syncs = await waitFor(async () => {
      const made = vezgo.requests.filter((r) => r.path === `/v1/accounts/${id}/sync`);
      return made.length >= 4 && made;
    }, 'retries to keep going while degraded');
    const gaps = syncs.slice(1).map((r, i) => r.at - syncs[i]!.at);
    gaps.forEach((gap, i) => assert.ok(gap >= Math.min(RETRY_INITIAL * 2 ** (i + 1), RETRY_MAX) - 100, `gap ${i} is ${gap} ms`));
    assert.ok(syncs.every((r) => r.headers.authorization?.startsWith('Bearer ')), 'the SDK authenticates its calls');
    const tokenRequest = vezgo.requests.find((r) => r.path === '/v1/auth/token');
    assert.equal(tokenRequest?.headers.loginname, `login.${id}@example.com`, 'the SDK logs in as the user, loginName read from Postgres');
    assert.deepEqual(notifications(id), ['connection.degraded']);

    assert.equal((await send(hook(id))).status, 200);
    await waitFor(async () => (await state(id)) === 'active', 'a successful sync makes it active');
    await waitFor(async () => ops.requests.some((r) => r.body.includes('resolved degraded_too_long') && r.body.includes(id)), 'the alert resolved');
    const after = vezgo.requests.filter((r) => r.path === `/v1/accounts/${id}/sync`).length;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MAX + 500));
    assert.equal(vezgo.requests.filter((r) => r.path === `/v1/accounts/${id}/sync`).length, after, 'retries stop once active');
  });

  test('LoginFailedError: broken, and the user is prompted after the grace period', async () => {
    const id = 'acct-password-changed';
    assert.equal((await send(hook(id, 'LoginFailedError'))).status, 200);
    await waitFor(async () => (await state(id)) === 'broken', 'broken');
    await waitFor(async () => notifications(id).includes('connection.reauth_required'), 'the prompt');
  });

  test('UnknownConnectorError leaves the state alone and raises an ops alert', async () => {
    const id = 'acct-provider-bug';
    await send(hook(id));
    await waitFor(async () => (await state(id)) === 'active', 'active');
    assert.equal((await send(hook(id, 'UnknownConnectorError'))).status, 200);
    await waitFor(async () => ops.requests.some((r) => r.body.includes('provider_error') && r.body.includes(id)), 'provider alert');
    assert.equal(await state(id), 'active');
  });

  test('the same hook delivered twice is applied once', async () => {
    const id = 'acct-twice';
    const first = await send(hook(id, 'SecurityQuestionError'));
    const second = await send(hook(id, 'SecurityQuestionError'));
    assert.equal(first.status, 200);
    assert.deepEqual([second.status, second.body.duplicate], [200, true]);
    await waitFor(async () => (await state(id)) === 'broken', 'broken');
    const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM connection_events WHERE connection_id = $1`, [id]);
    assert.equal(rows[0].n, 1);
  });

  test('broken, repaired, broken again within minutes: the re-break is applied, not taken for a redelivery', async () => {
    const id = 'acct-rebroken';
    const outcomes = [];
    for (const body of [hook(id, 'LoginFailedError'), hook(id), hook(id, 'LoginFailedError'), hook(id, 'LoginFailedError')]) {
      const res = await send(body);
      outcomes.push([res.status, res.body.duplicate ?? false]);
      await waitFor(async () => {
        const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM webhook_journal WHERE provider = 'vezgo' AND event ->> 'connectionId' = $1`, [id]);
        return rows[0].n >= Math.min(outcomes.length, 3);
      }, 'journaled');
    }
    assert.deepEqual(outcomes, [[200, false], [200, false], [200, false], [200, true]], 'only the immediate repeat is a redelivery');
    const read = await waitFor(async () => {
      const res = await stack.get(`/connections/vezgo/${id}`);
      return res.body?.events?.length === 3 && res.body;
    }, 'three events applied');
    assert.equal(read.state, 'broken');
  });

  test('loginName is kept in Postgres and out of workflow history', async () => {
    const { rows } = await stack.db.pool.query(`SELECT login_name FROM provider_users WHERE provider = 'vezgo' AND user_id = 'user-of-acct-flaky'`);
    assert.equal(rows[0].login_name, 'login.acct-flaky@example.com');
    const history = await stack.client.workflow.getHandle('connection:vezgo:acct-flaky').fetchHistory();
    const bytes = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    assert.ok(bytes.includes('acct-flaky'));
    assert.equal(bytes.includes('login.acct-flaky@example.com'), false);
  });
});
