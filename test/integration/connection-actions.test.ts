import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { snapTradeSdkEnv, startFakeSnapTrade } from '../support/fake-providers.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import type { RecordingServer } from '../support/recording-server.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { signedSnapTrade, snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const CONSUMER_KEY = 'consumer-key-actions';
const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };

describe('actions on a connection: refresh, remind, delete', () => {
  let stack: Stack;
  let snaptrade: RecordingServer;
  let app: AppBackend;

  before(async () => {
    [snaptrade, app] = await Promise.all([startFakeSnapTrade(), startAppBackend()]);
    stack = await startStack({
      env: {
        ...snapTradeSdkEnv(snaptrade, CONSUMER_KEY),
        ...app.env,
        QUIET_HOURS: 'off',
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

  const act = async (method: 'POST' | 'DELETE', path: string) => {
    const res = await fetch(`${stack.receiver.url}${path}`, { method, headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const send = async (eventType: string, connectionId: string) => {
    const payload = snapTradePayload(eventType, { brokerageAuthorizationId: connectionId, userId: 'user-actions', eventTimestamp: new Date().toISOString() });
    const delivery = signedSnapTrade(payload, CONSUMER_KEY);
    assert.equal((await stack.post('/webhooks/snaptrade', delivery.body, delivery.headers)).status, 200);
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
});
