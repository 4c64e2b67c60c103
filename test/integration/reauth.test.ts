import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { snapTradeSdkEnv, startFakeSnapTrade } from '../support/fake-providers.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { signedSnapTrade, snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const CONSUMER_KEY = 'consumer-key-reauth-do-not-leak';
const USER_SECRET = 'snaptrade-user-secret-do-not-leak';
const CADENCE = [1000, 2000, 3000];
const GRACE = 1000;

describe('re-authentication prompts over real Temporal, Postgres and SMTP', () => {
  let stack: Stack;
  let app: AppBackend;
  let ops: RecordingServer;
  let snaptrade: RecordingServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  before(async () => {
    [app, ops, snaptrade, smtp] = await Promise.all([startAppBackend(), startRecordingServer(), startFakeSnapTrade(), startSmtpServer()]);
    stack = await startStack({
      env: {
        REAUTH_GRACE: `${GRACE}ms`,
        REAUTH_REMINDER_CADENCE: CADENCE.map((ms) => `${ms}ms`).join(','),
        REAUTH_MAX_REMINDERS: '3',
        QUIET_HOURS: 'off',
        NOTIFY_RETRY_INITIAL: '200ms',
        NOTIFY_RELAY_INTERVAL: '100ms',
        ...app.env,
        SMTP_URL: smtp.url,
        OPS_ALERT_WEBHOOK_URL: `${ops.url}/slack`,
        ...snapTradeSdkEnv(snaptrade, CONSUMER_KEY),
      },
    });
  });
  after(async () => {
    await stack.stop();
    await Promise.all([app.server.close(), ops.close(), snaptrade.close(), smtp.close()]);
  });

  const notificationsFor = (connectionId: string) => app.notifications(connectionId);

  async function registerUser(userId: string): Promise<void> {
    const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
    const contact = await fetch(`${stack.receiver.url}/users/snaptrade/${userId}/contact`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ email: `${userId}@example.com`, timeZone: 'Europe/Paris' }),
    });
    assert.equal(contact.status, 204);
    const credentials = await fetch(`${stack.receiver.url}/users/snaptrade/${userId}/credentials`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ userSecret: USER_SECRET }),
    });
    assert.equal(credentials.status, 204);
  }

  async function send(eventType: string, connectionId: string, userId: string): Promise<void> {
    const { body, headers } = signedSnapTrade(
      snapTradePayload(eventType, { brokerageAuthorizationId: connectionId, userId, brokerageId: `brokerage-of-${connectionId}`, eventTimestamp: new Date().toISOString() }),
      CONSUMER_KEY,
    );
    const res = await stack.post('/webhooks/snaptrade', body, headers);
    assert.equal(res.status, 200, res.text);
  }

  test('broken then fixed within the grace period: nobody is told anything', async () => {
    const id = 'conn-quick-fix';
    await registerUser('user-quick');
    await send('CONNECTION_BROKEN', id, 'user-quick');
    await send('CONNECTION_FIXED', id, 'user-quick');
    await waitFor(async () => (await stack.get(`/connections/snaptrade/${id}`)).body?.state === 'active', 'fixed');
    await new Promise((resolve) => setTimeout(resolve, GRACE * 2.5));
    assert.deepEqual(notificationsFor(id), []);
    assert.equal(smtp.messages.filter((m) => m.to.includes('user-quick@example.com')).length, 0);
    const outbox = await stack.db.pool.query(`SELECT * FROM notification_outbox WHERE connection_id = $1`, [id]);
    assert.equal(outbox.rowCount, 0);
  });

  test('left broken: first prompt, exactly three reminders at the cadence, then exhausted and one ops alert', async () => {
    const id = 'conn-abandoned';
    await registerUser('user-abandoned');
    await send('CONNECTION_ADDED', id, 'user-abandoned');
    await send('CONNECTION_BROKEN', id, 'user-abandoned');
    const brokeAt = Date.now();

    await waitFor(async () => notificationsFor(id).some((n) => n.type === 'connection.reauth_exhausted'), 'exhaustion', 40_000);
    const seen = notificationsFor(id);
    assert.deepEqual(
      seen.map((n) => `${n.type}#${n.data.attempt}`),
      ['connection.reauth_required#1', 'connection.reauth_reminder#2', 'connection.reauth_reminder#3', 'connection.reauth_reminder#4', 'connection.reauth_exhausted#1'],
    );
    assert.ok(seen[0]!.request.at - brokeAt >= GRACE - 50, 'the first prompt waits for the grace period');
    // When each prompt was issued (its payload's timestamp), not when it reached the app (delivery
    // adds its own jitter). Each timer counts from its tick, and a tick's activities (prompt gate,
    // state) take their time on a busy machine, so a gap may come out a little short of its
    // cadence: never by a whole step of it.
    const issued = seen.map((n) => Date.parse(n.timestamp));
    CADENCE.forEach((gap, i) => {
      const waited = issued[i + 1]! - issued[i]!;
      assert.ok(waited >= gap - 250, `reminder ${i + 1} waits ${gap} ms (waited ${waited} ms)`);
    });
    assert.match(seen[0]!.data.reconnectUrl ?? '', /^https:\/\/connect\.snaptrade\.example\/reconnect/);
    assert.ok(snaptrade.requests.some((r) => r.path.startsWith('/api/v1/snapTrade/login') && r.body.includes(`"reconnect":"${id}"`)), 'reconnect keeps the authorization id');

    const emails = smtp.messages.filter((m) => m.to.includes('user-abandoned@example.com'));
    assert.equal(emails.length, 4);
    assert.match(emails[0]!.raw, /Subject: Please reconnect your brokerage account/);
    assert.match(emails[0]!.raw, /connect\.snaptrade\.example\/reconnect/);

    await waitFor(async () => ops.requests.some((r) => r.body.includes('reauth_exhausted') && r.body.includes(id)), 'ops alert');
    assert.equal(ops.requests.filter((r) => r.body.includes('reauth_exhausted') && r.body.includes(id)).length, 1);
    const alerts = await stack.db.pool.query(`SELECT status FROM alerts WHERE kind = 'reauth_exhausted' AND scope = $1`, [`snaptrade:${id}`]);
    assert.deepEqual(alerts.rows, [{ status: 'open' }]);

    const read = await waitFor(async () => {
      const res = await stack.get(`/connections/snaptrade/${id}`);
      return res.body?.reauth?.exhausted && res.body;
    }, 'exhaustion in the read API');
    assert.equal(read.state, 'broken');
    assert.equal(read.reauth.promptsSent, 4);
    const listed = await waitFor(async () => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({ query: 'ReauthExhausted = true' })) ids.push(wf.workflowId);
      return ids.includes(`connection:snaptrade:${id}`);
    }, 'the ReauthExhausted search attribute');
    assert.equal(listed, true);

    // Each prompt asked the gate (holds, quiet hours) in its own workflow task, not through the server's activity queue.
    const history = (await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).fetchHistory()).events ?? [];
    assert.equal(history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkPromptGate').length, 0);
    const gateChecks = history.filter((e) => {
      const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return data && Buffer.from(data).toString().includes('"activity_type":"checkPromptGate"');
    });
    assert.equal(gateChecks.length, 4, 'one gate check per prompt');
  });

  test('fixed after two reminders: the rest are cancelled and one restored goes out', async () => {
    const id = 'conn-repaired';
    await registerUser('user-repaired');
    await send('CONNECTION_BROKEN', id, 'user-repaired');
    await waitFor(async () => notificationsFor(id).length === 3, 'the first prompt and two reminders', 30_000);
    await send('CONNECTION_FIXED', id, 'user-repaired');
    await waitFor(async () => notificationsFor(id).some((n) => n.type === 'connection.restored'), 'restored');
    await new Promise((resolve) => setTimeout(resolve, CADENCE[2]! + 1000));
    assert.deepEqual(
      notificationsFor(id).map((n) => n.type),
      ['connection.reauth_required', 'connection.reauth_reminder', 'connection.reauth_reminder', 'connection.restored'],
    );
    const emails = smtp.messages.filter((m) => m.to.includes('user-repaired@example.com'));
    assert.equal(emails.length, 4);
    assert.match(emails[3]!.raw, /Subject: Your brokerage account is connected again/);
  });

  test('a notification webhook answered 500 is retried and delivered once', async () => {
    const id = 'conn-flaky-app';
    await registerUser('user-flaky');
    app.server.failNext(2);
    await send('CONNECTION_BROKEN', id, 'user-flaky');
    await waitFor(async () => notificationsFor(id).length === 1, 'delivery after the failures', 30_000);
    const attempts = app.server.requests.filter((r) => r.body.includes(id) && r.body.includes('reauth_required'));
    assert.deepEqual(attempts.map((r) => r.status), [500, 500, 200]);
    assert.equal(new Set(attempts.map((r) => r.headers['webhook-id'])).size, 1, 'one notification id across retries');
    // The app has answered 200; the row says so once the sender has recorded it.
    const rows = await waitFor(async () => {
      const { rows } = await stack.db.pool.query(
        `SELECT status, attempts FROM notification_outbox WHERE connection_id = $1 AND channel = 'webhook' AND type = 'connection.reauth_required'`,
        [id],
      );
      return rows[0]?.status === 'sent' && rows;
    }, 'the row marked sent');
    assert.deepEqual(rows, [{ status: 'sent', attempts: 3 }]);
  });

  test('no notification, email or ops post carries a secret', () => {
    const outbound = [...app.server.requests.map((r) => r.body + JSON.stringify(r.headers)), ...ops.requests.map((r) => r.body), ...smtp.messages.map((m) => m.raw)].join('\n');
    assert.ok(outbound.includes('conn-abandoned'), 'the search sees the notifications');
    for (const secret of [TEST_SECRET, CONSUMER_KEY, USER_SECRET, API_TOKEN, app.secret, app.secret.slice(6)]) {
      assert.equal(outbound.includes(secret), false, `${secret.slice(0, 12)}… leaked`);
    }
  });

  test('the user secret is stored encrypted, never as plaintext', async () => {
    const { rows } = await stack.db.pool.query(`SELECT ciphertext FROM user_credentials WHERE user_id = 'user-abandoned'`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].ciphertext.includes(USER_SECRET), false);
    assert.equal(Buffer.from(rows[0].ciphertext, 'base64').includes(USER_SECRET), false);
  });
});
