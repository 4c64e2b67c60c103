import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectionsClient } from '../../src/index.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';

const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };

describe('backend-driven connection attempts', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { ATTEMPT_TIMEOUT: '2s' } });
  });
  after(() => stack.stop());

  async function start(userId: string, brokerage?: string) {
    const res = await fetch(`${stack.receiver.url}/connections/attempts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ provider: 'snaptrade', userId, ...(brokerage ? { brokerage } : {}) }),
    });
    assert.equal(res.status, 202);
    return (await res.json()) as { attemptId: string; status: string };
  }
  async function read(attemptId: string, wait = '10s') {
    const res = await fetch(`${stack.receiver.url}/connections/attempts/${attemptId}?wait=${wait}`, { headers });
    return { status: res.status, body: (await res.json()) as { status: string; connectionId: string | null; code: string | null } };
  }
  const now = () => new Date().toISOString();

  test('started by the backend, then the ADDED webhook: succeeded with the connection id', async () => {
    const attempt = await start('user-att-ok', 'brokerage-a');
    assert.equal(attempt.status, 'pending');
    assert.equal((await start('user-att-ok', 'brokerage-a')).attemptId, attempt.attemptId, 'a second click joins the same attempt');
    const waiting = read(attempt.attemptId);
    await stack.post(
      '/webhooks/snaptrade',
      snapTradePayload('CONNECTION_ADDED', { userId: 'user-att-ok', brokerageId: 'brokerage-a', brokerageAuthorizationId: 'conn-from-attempt', eventTimestamp: now() }),
    );
    const { status, body } = await waiting;
    assert.equal(status, 200);
    assert.equal(body.status, 'succeeded');
    assert.equal(body.connectionId, 'conn-from-attempt');
  });

  test('a failure code from CONNECTION_ATTEMPTED, or CONNECTION_FAILED: failed with the code', async () => {
    const attempted = await start('user-att-bad');
    await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ATTEMPTED', { userId: 'user-att-bad', connectionAttemptedResult: 'INVALID_CREDENTIALS', eventTimestamp: now() }));
    assert.deepEqual(
      (({ status, code }) => ({ status, code }))((await read(attempted.attemptId)).body),
      { status: 'failed', code: 'INVALID_CREDENTIALS' },
    );

    const failed = await start('user-att-failed');
    await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_FAILED', { userId: 'user-att-failed', eventTimestamp: now() }));
    assert.equal((await read(failed.attemptId)).body.code, 'FAILED');
  });

  test('no webhook within the timeout: abandoned', async () => {
    const attempt = await start('user-att-silent');
    const pending = await read(attempt.attemptId, '0s');
    assert.equal(pending.body.status, 'pending');
    const { body } = await read(attempt.attemptId, '20s');
    assert.equal(body.status, 'abandoned');

    // A later attempt of a user whose workflow is idle (its last attempt settled) times out too.
    const second = await start('user-att-silent');
    assert.notEqual(second.attemptId, attempt.attemptId);
    assert.equal((await read(second.attemptId, '20s')).body.status, 'abandoned');
  });

  test('the typed client does the same over Temporal directly', async () => {
    const connections = new ConnectionsClient(stack.client, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, attemptTimeoutMs: 60_000 });
    const attempt = await connections.startAttempt({ provider: 'snaptrade', userId: 'user-att-client' });
    await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { userId: 'user-att-client', brokerageAuthorizationId: 'conn-client', eventTimestamp: now() }));
    const done = await connections.getAttempt(attempt.attemptId, 10_000);
    assert.equal(done?.status, 'succeeded');
    assert.equal(done?.connectionId, 'conn-client');
  });

  test('unknown or malformed attempt ids are 404; a bad body is 400', async () => {
    assert.equal((await read('bm9wZQ.nope', '0s')).status, 404);
    assert.equal((await read('garbage', '0s')).status, 404);
    const forged = `${Buffer.from(JSON.stringify(['snaptrade', 'u'.repeat(5000)])).toString('base64url')}.x`;
    assert.equal((await read(forged, '0s')).status, 404);
    const bad = await fetch(`${stack.receiver.url}/connections/attempts`, { method: 'POST', headers, body: JSON.stringify({ provider: 'Snap Trade!' }) });
    assert.equal(bad.status, 400);
  });
});
