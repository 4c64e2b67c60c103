import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { newUpvestKey, signDelivery, upvestEvent, upvestPackage, type UpvestKey } from '../support/upvest.ts';
import { VIBE_SECRET, vibeExample, vibeSignature } from '../support/vibe.ts';
import { waitFor } from '../support/wait.ts';

const VEZGO_CLIENT = 'vezgo-client-storable';
const VIBE_ACCOUNT = 'vibe-acct-storable';
const LONE = '\ud83d';
const NUL = '\u0000';

/** Authentic deliveries holding what Postgres cannot store as sent: accepted, stored, applied, never wedged. */
describe('authentic deliveries whatever their content', () => {
  let stack: Stack;
  let key: UpvestKey;

  before(async () => {
    key = newUpvestKey();
    stack = await startStack({
      env: {
        UPVEST_WEBHOOK_JWKS: JSON.stringify({ keys: [key.jwk] }),
        UPVEST_MAX_BODY: '1MiB',
        VIBE_WEBHOOK_SECRET: VIBE_SECRET,
        VIBE_ACCOUNT_ID: VIBE_ACCOUNT,
        VEZGO_CLIENT_ID: VEZGO_CLIENT,
        VEZGO_ALLOWED_IPS: '127.0.0.1,::1',
        QUIET_HOURS: 'off',
      },
    });
  });
  after(() => stack.stop());

  const sendUpvest = (body: string) => stack.post('/webhooks/upvest', body, signDelivery(body, key));
  const sendVibe = (body: unknown) => {
    const raw = JSON.stringify(body);
    return stack.post('/webhooks/vibe', raw, { 'x-webhook-signature': vibeSignature(raw) });
  };

  test('lone surrogates anywhere in an Upvest package: 200, every event journaled, ignored or dead-lettered', async () => {
    const userId = randomUUID();
    const activated = upvestEvent('USER.ACTIVATED', { id: userId, status: `ACTIVE${LONE}`, [`name${LONE}`]: `Ada ${LONE}${NUL}` });
    const ignored = upvestEvent('PORTFOLIO.CREATED', { id: randomUUID(), note: `x${LONE}`, deep: { [`\udc00`]: [`${NUL}`] } });
    const unreadable = { ...upvestEvent('USER.CREATED', {}), created_at: `soon${LONE}`, object: { id: `${LONE}` } };
    const body = upvestPackage([activated, ignored, unreadable]);
    assert.match(body, /\\ud83d/, 'the surrogate travels as JSON escapes it');

    const res = await sendUpvest(body);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { received: true, events: 1, duplicates: 0, deadLettered: 1 });

    const journal = await stack.db.pool.query(`SELECT event_id, status, event, body FROM webhook_journal WHERE event_id = ANY($1) ORDER BY id`, [[activated.id, ignored.id]]);
    assert.deepEqual(
      journal.rows.map((row) => [row.event_id, row.status === 'ignored' ? 'ignored' : 'journaled']),
      [[activated.id, 'journaled'], [ignored.id, 'ignored']],
    );
    const journaledEvent = journal.rows.find((row) => row.event_id === activated.id)!.event;
    assert.equal(journaledEvent.detail.status, 'ACTIVE\ufffd');
    assert.equal(journal.rows.find((row) => row.event_id === ignored.id)!.body.object.note, 'x\ufffd');

    const view = await waitFor(async () => {
      const res = await stack.get(`/connections/upvest/${userId}`);
      return res.status === 200 && res.body.events.length === 1 && res.body;
    }, 'the user connection with its event');
    assert.equal(view.state, 'active');

    const redelivered = await sendUpvest(body);
    assert.equal(redelivered.status, 200, redelivered.text);
    assert.deepEqual(redelivered.body, { received: true, duplicate: true });
    const deadLetters = await stack.db.pool.query(`SELECT reason FROM dead_letters WHERE provider = 'upvest' AND body->>'id' = $1`, [unreadable.id]);
    assert.equal(deadLetters.rowCount, 1, 'the redelivered dead letter is kept once');
  });

  test('U+0000 in a Vibe alert title and maintenance description: the alert and the hold are recorded', async () => {
    const alert = vibeExample('system.alert');
    alert.timestamp = new Date().toISOString();
    alert.data = { ...alert.data, title: `Feed${NUL}down ${randomUUID()}`, message: `bad${NUL}${LONE}` };
    const maintenance = vibeExample('system.maintenance');
    maintenance.timestamp = new Date().toISOString();
    maintenance.data = { ...maintenance.data, description: `upgrade${NUL}${LONE}`, startTime: new Date(Date.now() + 3_600_000).toISOString(), endTime: new Date(Date.now() + 7_200_000).toISOString() };

    for (const payload of [alert, maintenance]) {
      const res = await sendVibe(payload);
      assert.equal(res.status, 200, res.text);
    }
    const title = `Feed\ufffddown ${(alert.data.title as string).split(' ')[1]}`;
    await waitFor(async () => (await stack.db.pool.query(`SELECT 1 FROM alerts WHERE kind = 'provider_alert' AND scope = $1`, [`vibe:${title}`])).rowCount === 1, 'the alert, title scrubbed');
    const hold = await waitFor(
      async () => (await stack.db.pool.query(`SELECT detail FROM prompt_holds WHERE provider = 'vibe' AND reason = 'maintenance'`)).rows[0],
      'the maintenance hold',
    );
    assert.equal(hold.detail.description, 'upgrade\ufffd\ufffd');
  });

  test('U+0000 in a SnapTrade attempt result: the attempt is recorded, and so is the user’s next one', async () => {
    const userId = `user-${randomUUID()}`;
    const first = snapTradePayload('CONNECTION_ATTEMPTED', { userId, connectionAttemptedResult: `INVALID${NUL}CREDENTIALS`, eventTimestamp: '2024-05-01T10:00:00.000Z' });
    const second = snapTradePayload('CONNECTION_ATTEMPTED', { userId, connectionAttemptedResult: 'SUCCESS', eventTimestamp: '2024-05-01T10:01:00.000Z' });
    for (const payload of [first, second]) assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
    const attempts = await waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT result FROM connection_attempts WHERE provider = 'snaptrade' AND user_id = $1 ORDER BY occurred_at`, [userId]);
      return rows.length === 2 && rows;
    }, 'both attempts');
    assert.deepEqual(attempts.map((row) => row.result), ['INVALID\ufffdCREDENTIALS', 'SUCCESS']);
  });

  test('U+0000 in a Vezgo SyncError: its alert is raised and the connection’s next hook applies at once', async () => {
    const accountId = `acct-${randomUUID()}`;
    const hook = (extra: Record<string, unknown>) => ({ user: { id: `user-${accountId}`, loginName: `login${NUL}` }, account: { id: accountId, provider: 'coinbase' }, ...extra });
    const failed = await stack.post('/webhooks/vezgo', hook({ hook: 'SyncError', error: `Weird${NUL}Error` }), { 'x-client-id': VEZGO_CLIENT });
    assert.equal(failed.status, 200, failed.text);
    await waitFor(async () => (await stack.db.pool.query(`SELECT 1 FROM alerts WHERE scope = $1 AND message LIKE '%Weird\ufffdError%'`, [`vezgo:${accountId}`])).rowCount === 1, 'the provider alert');
    const synced = await stack.post('/webhooks/vezgo', hook({ hook: 'SyncAccount' }), { 'x-client-id': VEZGO_CLIENT });
    assert.equal(synced.status, 200, synced.text);
    await waitFor(async () => (await stack.get(`/connections/vezgo/${accountId}`)).body?.events?.length === 2, 'both hooks applied', 15_000);
  });

  test('an authentic Upvest delivery over UPVEST_MAX_BODY is dead-lettered and acknowledged, a forged one is 401, past ten times the limit 413', async () => {
    const big = upvestPackage([upvestEvent('PORTFOLIO.CREATED', { id: randomUUID(), note: 'x'.repeat(3 * 1024 * 1024) })]);
    const headers = signDelivery(big, key);
    const forged = await stack.post('/webhooks/upvest', big.replace('PORTFOLIO', 'PORTFOLIX'), headers);
    assert.equal(forged.status, 401, forged.text);

    const res = await stack.post('/webhooks/upvest', big, headers);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { received: true, events: 0, duplicates: 0, deadLettered: 1 });
    const { rows } = await stack.db.pool.query(`SELECT reason, body FROM dead_letters WHERE provider = 'upvest' AND reason LIKE 'delivery of %'`);
    assert.equal(rows.length, 1);
    assert.match(rows[0].reason, new RegExp(`delivery of ${Buffer.byteLength(big)} bytes is over UPVEST_MAX_BODY`));
    assert.equal(rows[0].body.bytes, Buffer.byteLength(big));
    assert.ok(big.startsWith(rows[0].body.excerpt.slice(0, 1000)), 'the first bytes are kept');

    const again = await stack.post('/webhooks/upvest', big, signDelivery(big, key));
    assert.deepEqual(again.body, { received: true, duplicate: true }, 'a redelivery adds no second dead letter');

    const huge = upvestPackage([upvestEvent('PORTFOLIO.CREATED', { id: randomUUID(), note: 'x'.repeat(11 * 1024 * 1024) })]);
    assert.equal((await stack.post('/webhooks/upvest', huge, signDelivery(huge, key))).status, 413);
  });
});
