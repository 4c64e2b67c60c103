import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runOpsCli } from '../../src/cli/ops-commands.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { startSmtpServer, type SmtpServer } from '../support/smtp.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

/** Today's budget was 8 attempts of the activity, then the notification was dropped. */
const OLD_ATTEMPT_BUDGET = 8;
const MAX_AGE_MS = 8_000;

describe('notifications outlive a down app backend', () => {
  let stack: Stack;
  let app: AppBackend;
  let ops: RecordingServer;
  let smtp: SmtpServer;

  before(async () => {
    [app, ops, smtp] = await Promise.all([startAppBackend(), startRecordingServer(), startSmtpServer()]);
    stack = await startStack({
      env: {
        REAUTH_GRACE: '200ms',
        REAUTH_REMINDER_CADENCE: '1h',
        QUIET_HOURS: 'off',
        NOTIFY_RETRY_INITIAL: '50ms',
        NOTIFY_RETRY_MAX: '250ms',
        NOTIFY_RETRY_MAX_AGE: `${MAX_AGE_MS}ms`,
        NOTIFY_RELAY_INTERVAL: '100ms',
        ...app.env,
        SMTP_URL: smtp.url,
        OPS_ALERT_WEBHOOK_URL: `${ops.url}/slack`,
      },
    });
  });
  after(async () => {
    await stack.stop();
    await Promise.all([app.server.close(), ops.close(), smtp.close()]);
  });

  const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
  async function send(eventType: string, connectionId: string, userId = `user-of-${connectionId}`): Promise<void> {
    const payload = snapTradePayload(eventType, { brokerageAuthorizationId: connectionId, userId, eventTimestamp: new Date().toISOString() });
    const res = await stack.post('/webhooks/snaptrade', payload);
    assert.equal(res.status, 200, res.text);
  }
  const attemptsAt = (connectionId: string, type: string) =>
    app.server.requests.filter((r) => r.body.includes(`"${connectionId}"`) && r.body.includes(`"${type}"`));
  const outbox = async (connectionId: string) =>
    (
      await stack.db.pool.query<{ type: string; channel: string; status: string; attempts: number; last_error: string | null; notification_id: string }>(
        `SELECT type, channel, status, attempts, last_error, notification_id FROM notification_outbox WHERE connection_id = $1 ORDER BY created_at`,
        [connectionId],
      )
    ).rows;
  async function opsCli(...argv: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const code = await runOpsCli(argv, { env: { DATABASE_URL: stack.config.DATABASE_URL }, out: (t) => out.push(t), err: (t) => out.push(t) });
    return { code, out: out.join('\n') };
  }

  test('the app backend answers 503 longer than the old retry budget, then recovers: the prompt arrives once, same webhook-id', async () => {
    const id = 'conn-backend-deploying';
    app.server.failNext(Number.POSITIVE_INFINITY, 503);
    await send('CONNECTION_BROKEN', id);
    await waitFor(async () => attemptsAt(id, 'connection.reauth_required').length > OLD_ATTEMPT_BUDGET + 2, 'more 503s than the old budget', 20_000);
    // The connection's workflow is not held up meanwhile: it applies the next event at once.
    await send('ACCOUNT_TRANSACTIONS_UPDATED', id);
    await waitFor(async () => (await stack.get(`/connections/snaptrade/${id}`)).body?.events?.length === 2, 'the next event applied while the prompt retries');

    app.server.failNext(0);
    await waitFor(async () => app.notifications(id).length === 1, 'delivery once the backend is back', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const attempts = attemptsAt(id, 'connection.reauth_required');
    assert.equal(attempts.filter((r) => r.status === 200).length, 1, 'delivered exactly once');
    assert.ok(attempts.filter((r) => r.status === 503).length > OLD_ATTEMPT_BUDGET);
    assert.equal(new Set(attempts.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id across every attempt');
    const [row] = (await outbox(id)).filter((r) => r.channel === 'webhook');
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, attempts.length);
    assert.equal(attempts[0]!.headers['webhook-id'], row?.notification_id);
  });

  test('a prompt that became moot is cancelled, not delivered late: fixed, or deleted, meanwhile', async () => {
    app.server.failNext(Number.POSITIVE_INFINITY, 503);
    await send('CONNECTION_BROKEN', 'conn-fixed-meanwhile');
    await send('CONNECTION_BROKEN', 'conn-deleted-meanwhile');
    await waitFor(async () => attemptsAt('conn-fixed-meanwhile', 'connection.reauth_required').length > 0, 'the first prompt tried');
    await waitFor(async () => attemptsAt('conn-deleted-meanwhile', 'connection.reauth_required').length > 0, 'the second prompt tried');
    await send('CONNECTION_FIXED', 'conn-fixed-meanwhile');
    await send('CONNECTION_DELETED', 'conn-deleted-meanwhile');
    await waitFor(async () => (await outbox('conn-fixed-meanwhile')).some((r) => r.type === 'connection.reauth_required' && r.status === 'cancelled'), 'the fixed one cancelled');
    await waitFor(async () => (await outbox('conn-deleted-meanwhile')).some((r) => r.type === 'connection.reauth_required' && r.status === 'cancelled'), 'the deleted one cancelled');

    app.server.failNext(0);
    await waitFor(async () => app.notifications('conn-fixed-meanwhile').some((n) => n.type === 'connection.restored'), 'restored delivered');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(app.notifications('conn-fixed-meanwhile').map((n) => n.type), ['connection.restored']);
    assert.deepEqual(app.notifications('conn-deleted-meanwhile'), []);
  });

  test('past NOTIFY_RETRY_MAX_AGE a notification fails: listed by the ops CLI, one ops alert for all of them', async () => {
    app.server.failNext(Number.POSITIVE_INFINITY, 503);
    await send('CONNECTION_BROKEN', 'conn-expired-1');
    await send('CONNECTION_BROKEN', 'conn-expired-2');
    for (const id of ['conn-expired-1', 'conn-expired-2']) {
      await waitFor(async () => (await outbox(id)).some((r) => r.status === 'failed'), `${id} failed`, MAX_AGE_MS + 15_000);
      const [row] = await outbox(id);
      assert.match(row!.last_error ?? '', /503/);
    }
    app.server.failNext(0);

    const listed = await opsCli('notifications', 'list', '--status', 'failed');
    assert.equal(listed.code, 0);
    assert.match(listed.out, /conn-expired-1/);
    assert.match(listed.out, /conn-expired-2/);
    assert.doesNotMatch(listed.out, /conn-backend-deploying/);

    const alerts = await stack.db.pool.query(`SELECT occurrences FROM alerts WHERE kind = 'notification_failed' AND status = 'open'`);
    assert.deepEqual(alerts.rows, [{ occurrences: 2 }]);
    assert.equal(ops.requests.filter((r) => r.body.includes('notification_failed')).length, 1, 'one ops post');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(app.notifications('conn-expired-1'), [], 'nothing goes out after it expired');
  });

  test('email: the attempt is recorded before SMTP, and every copy carries the Message-ID of the notification id', async () => {
    const id = 'conn-email';
    const userId = 'user-email';
    const contact = await fetch(`${stack.receiver.url}/users/snaptrade/${userId}/contact`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ email: 'someone@example.com', timeZone: 'Europe/Paris' }),
    });
    assert.equal(contact.status, 204);
    const release = smtp.holdNextReply();
    await send('CONNECTION_BROKEN', id, userId);

    // SMTP has the message but has not answered: the attempt is already on record.
    await waitFor(async () => smtp.messages.some((m) => m.to.includes('someone@example.com')), 'the message at SMTP');
    const held = (await outbox(id)).find((r) => r.channel === 'email');
    assert.deepEqual([held?.status, held?.attempts], ['sending', 1]);
    // The worker that holds it is presumed gone once its lease ends (a crash after SMTP took it):
    // the relay sends it again, saying so, under the same Message-ID.
    await stack.db.pool.query(`UPDATE notification_outbox SET next_attempt_at = now() WHERE connection_id = $1 AND channel = 'email'`, [id]);
    await waitFor(async () => smtp.messages.filter((m) => m.to.includes('someone@example.com')).length === 2, 'the resend');
    release();
    const row = await waitFor(async () => (await outbox(id)).find((r) => r.channel === 'email' && r.status === 'sent'), 'marked sent');
    assert.equal(row.attempts, 2);
    assert.match(row.last_error ?? '', /outcome is unknown/);
    const messageIds = smtp.messages.filter((m) => m.to.includes('someone@example.com')).map((m) => /^Message-ID: (.+)$/im.exec(m.raw)?.[1]?.trim());
    assert.deepEqual(messageIds, [`<${row.notification_id}@connection-lifecycle>`, `<${row.notification_id}@connection-lifecycle>`]);
  });
});
