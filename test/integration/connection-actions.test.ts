import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { snapTradeSdkEnv, startFakeSnapTrade, type FakeSnapTrade } from '../support/fake-providers.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { signedSnapTrade, snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const CONSUMER_KEY = 'consumer-key-actions';
const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
const ACTION_WAIT_MS = 2_000;

describe('actions on a connection: refresh, remind, delete', () => {
  let stack: Stack;
  let snaptrade: FakeSnapTrade;
  let app: AppBackend;

  before(async () => {
    [snaptrade, app] = await Promise.all([startFakeSnapTrade(), startAppBackend()]);
    stack = await startStack({
      env: {
        ...snapTradeSdkEnv(snaptrade, CONSUMER_KEY),
        ...app.env,
        QUIET_HOURS: 'off',
        ACTION_WAIT: `${ACTION_WAIT_MS}ms`,
        // Vezgo's webhooks without its SDK client: actions on its connections cannot be carried out.
        VEZGO_CLIENT_ID: 'vezgo-client-actions',
        VEZGO_ALLOWED_IPS: '127.0.0.1,::1',
      },
    });
    const credentials = await fetch(`${stack.receiver.url}/users/snaptrade/user-actions/credentials`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ userSecret: 'user-secret-actions' }),
    });
    assert.equal(credentials.status, 204);
  });
  after(async () => {
    await stack.stop();
    await Promise.all([snaptrade.close(), app.server.close()]);
  });

  const act = async (method: 'POST' | 'DELETE' | 'GET', path: string) => {
    const res = await fetch(`${stack.receiver.url}${path}`, { method, headers });
    return { status: res.status, location: res.headers.get('location'), body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (eventType: string, connectionId: string, userId = 'user-actions') => {
    const payload = snapTradePayload(eventType, { brokerageAuthorizationId: connectionId, userId, eventTimestamp: new Date().toISOString() });
    const delivery = signedSnapTrade(payload, CONSUMER_KEY);
    assert.equal((await stack.post('/webhooks/snaptrade', delivery.body, delivery.headers)).status, 200);
  };
  const send = async (eventType: string, connectionId: string, userId = 'user-actions') => {
    await post(eventType, connectionId, userId);
    await waitFor(async () => (await stack.get(`/connections/snaptrade/${connectionId}`)).body?.events?.length > 0, 'the event applied');
  };

  test('remind on an active connection is 409; refresh asks SnapTrade through its SDK', async () => {
    await send('CONNECTION_ADDED', 'conn-act-active');
    const remind = await act('POST', '/connections/snaptrade/conn-act-active/remind');
    assert.equal(remind.status, 409);
    assert.match(String(remind.body.detail), /only a broken connection/);

    const refresh = await act('POST', '/connections/snaptrade/conn-act-active/refresh');
    assert.deepEqual([refresh.status, refresh.body], [200, { requested: true }]);
    assert.ok(snaptrade.requests.some((r) => r.method === 'POST' && r.path.startsWith('/api/v1/authorizations/conn-act-active/refresh')));
  });

  test('remind on a broken connection prompts the user now, before the grace period ends', async () => {
    await send('CONNECTION_BROKEN', 'conn-act-broken');
    const remind = await act('POST', '/connections/snaptrade/conn-act-broken/remind');
    assert.deepEqual([remind.status, remind.body], [200, { attempt: 1 }]);
    await waitFor(async () => app.notifications('conn-act-broken').some((n) => n.type === 'connection.reauth_required'), 'the prompt');
  });

  test('delete removes it at SnapTrade, then the connection is deleted; again is 409', async () => {
    await send('CONNECTION_ADDED', 'conn-act-delete');
    const deleted = await act('DELETE', '/connections/snaptrade/conn-act-delete');
    assert.deepEqual([deleted.status, deleted.body], [200, { status: 'deleted', removedAtProvider: true }]);
    assert.ok(snaptrade.requests.some((r) => r.method === 'DELETE' && r.path.startsWith('/api/v1/authorizations/conn-act-delete')));
    const read = await waitFor(async () => {
      const res = await stack.get('/connections/snaptrade/conn-act-delete');
      return res.body?.state === 'deleted' && res.body;
    }, 'the deleted row');
    assert.equal(read.events[0].type, 'connection.deleted');
    await waitFor(async () => (await stack.client.workflow.getHandle('connection:snaptrade:conn-act-delete').describe()).status.name === 'COMPLETED', 'the run closed');
    const again = await act('DELETE', '/connections/snaptrade/conn-act-delete');
    assert.equal(again.status, 409);
  });

  test('an unknown connection is 404; without the write scope nothing happens', async () => {
    assert.equal((await act('POST', '/connections/snaptrade/conn-nobody-knows/refresh')).status, 404);
    const anonymous = await fetch(`${stack.receiver.url}/connections/snaptrade/conn-act-active/refresh`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
  });

  test('two deletes at once: the provider is asked once, the second is refused', async () => {
    await send('CONNECTION_ADDED', 'conn-act-twice');
    snaptrade.authorizationAnswers.set('conn-act-twice', { delayMs: 800 });
    const answers = await Promise.all([act('DELETE', '/connections/snaptrade/conn-act-twice'), act('DELETE', '/connections/snaptrade/conn-act-twice')]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
    assert.match(String(answers.find((a) => a.status === 409)?.body.detail), /deleted/);
    assert.equal(snaptrade.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/api/v1/authorizations/conn-act-twice')).length, 1);
  });

  test('a remind accepted while broken but reached after FIXED is refused, not answered {attempt: 0}', async () => {
    const id = 'conn-act-race';
    await send('CONNECTION_BROKEN', id);
    // A slow refresh holds the connection's lock; FIXED is then queued behind it, and so is the remind.
    snaptrade.authorizationAnswers.set(id, { delayMs: 1_500 });
    const refresh = act('POST', `/connections/snaptrade/${id}/refresh`);
    await waitFor(async () => snaptrade.requests.some((r) => r.path.startsWith(`/api/v1/authorizations/${id}/refresh`)), 'the refresh at SnapTrade');
    const handle = stack.client.workflow.getHandle(`connection:snaptrade:${id}`);
    const signalsBefore = (await handle.fetchHistory()).events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;
    await post('CONNECTION_FIXED', id);
    // The workflow has taken the FIXED signal (a task completed after it) but cannot apply it yet.
    await waitFor(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const signals = events.map((e, i) => (e.workflowExecutionSignaledEventAttributes ? i : -1)).filter((i) => i >= 0);
      const last = signals[signals.length - 1];
      return signals.length > signalsBefore && last !== undefined && events.slice(last).some((e) => e.workflowTaskCompletedEventAttributes);
    }, 'the FIXED signal taken');
    assert.equal((await stack.get(`/connections/snaptrade/${id}`)).body?.state, 'broken', 'FIXED waits behind the refresh');
    const remind = await act('POST', `/connections/snaptrade/${id}/remind`);
    assert.equal(remind.status, 409, JSON.stringify(remind.body));
    assert.match(String(remind.body.detail), /only a broken connection/);
    assert.equal((await refresh).status, 200);
    assert.equal((await stack.get(`/connections/snaptrade/${id}`)).body?.state, 'active');
    // The refusal behind the lock is recorded (a patch marker): the history replays as it ran.
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, await handle.fetchHistory(), handle.workflowId);
  });

  test('a provider failure is 502 naming the provider and its status, not a state conflict', async () => {
    await send('CONNECTION_ADDED', 'conn-act-forbidden');
    snaptrade.authorizationAnswers.set('conn-act-forbidden', { status: 403 });
    const deleted = await act('DELETE', '/connections/snaptrade/conn-act-forbidden');
    assert.equal(deleted.status, 502, JSON.stringify(deleted.body));
    assert.equal(deleted.body.provider, 'snaptrade');
    assert.equal(deleted.body.providerStatus, 403);
    assert.match(String(deleted.body.detail), /snaptrade .*403/i);
    assert.equal((await stack.get('/connections/snaptrade/conn-act-forbidden')).body?.state, 'active', 'nothing was deleted');
  });

  test('missing credentials are 424 and a provider without a client 501, each with the reason', async () => {
    await send('CONNECTION_ADDED', 'conn-act-no-secret', 'user-without-secret');
    const deleted = await act('DELETE', '/connections/snaptrade/conn-act-no-secret');
    assert.equal(deleted.status, 424, JSON.stringify(deleted.body));
    assert.match(String(deleted.body.detail), /no credentials registered/);
    const refreshed = await act('POST', '/connections/snaptrade/conn-act-no-secret/refresh');
    assert.equal(refreshed.status, 424, JSON.stringify(refreshed.body));

    const hook = { hook: 'SyncAccount', user: { id: 'user-vezgo-actions', loginName: 'login@example.com' }, account: { id: 'acct-act-vezgo', provider: 'coinbase' } };
    assert.equal((await stack.post('/webhooks/vezgo', hook, { 'x-client-id': 'vezgo-client-actions' })).status, 200);
    await waitFor(async () => (await stack.get('/connections/vezgo/acct-act-vezgo')).body?.state === 'active', 'the vezgo connection');
    const vezgo = await act('POST', '/connections/vezgo/acct-act-vezgo/refresh');
    assert.equal(vezgo.status, 501, JSON.stringify(vezgo.body));
    assert.match(String(vezgo.body.detail), /no provider client configured for vezgo/);
  });

  test('a slow provider gets 202 after ACTION_WAIT with where to look, and the outcome is there later', async () => {
    await send('CONNECTION_ADDED', 'conn-act-slow');
    snaptrade.authorizationAnswers.set('conn-act-slow', { delayMs: ACTION_WAIT_MS + 2_000 });
    const started = Date.now();
    const refresh = await act('POST', '/connections/snaptrade/conn-act-slow/refresh');
    assert.equal(refresh.status, 202, JSON.stringify(refresh.body));
    assert.ok(Date.now() - started < ACTION_WAIT_MS + 1_500, 'answered about when the wait ran out');
    assert.match(refresh.location ?? '', /^\/connections\/snaptrade\/conn-act-slow\/actions\/[\w.~-]+$/);
    assert.equal(refresh.body.status, 'pending');
    const outcome = await waitFor(async () => {
      const res = await act('GET', `${refresh.location}?wait=5s`);
      return res.status === 200 && res;
    }, 'the outcome');
    assert.deepEqual(outcome.body, { requested: true });
    assert.equal((await act('GET', '/connections/snaptrade/conn-act-slow/actions/not-an-action')).status, 404);
    assert.equal((await act('GET', `/connections/snaptrade/conn-act-slow/actions/${randomUUID()}`)).status, 404, 'an id never started');
  });
});
