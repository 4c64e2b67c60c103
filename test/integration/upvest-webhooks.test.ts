import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { connectionStateQuery } from '../../workflows/definitions.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startFakeUpvest, type FakeUpvest } from '../support/upvest-api-server.ts';
import { newUpvestKey, signDelivery, upvestEvent, upvestPackage, type SignOptions, type UpvestKey } from '../support/upvest.ts';
import { waitFor } from '../support/wait.ts';

const REFRESH_COOLDOWN_MS = 1000;
const CLIENT_ID = 'ebabcf4d-61c3-4942-875c-e265a7c2d062';
const CLIENT_SECRET = 'upvest-client-secret-do-not-leak-2be8';

describe('POST /webhooks/upvest on the real stack', () => {
  let stack: Stack;
  // Upvest's API as it serves the keys: only to a client-credentials token on a signed request.
  let upvest: FakeUpvest;
  let key: UpvestKey;
  const tenant = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const tenantKeyId = randomUUID();

  before(async () => {
    key = newUpvestKey();
    upvest = await startFakeUpvest({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, jwks: { keys: [key.jwk] }, tenantKey: { keyId: tenantKeyId, publicKey: tenant.publicKey } });
    stack = await startStack({
      env: {
        UPVEST_BASE_URL: upvest.url,
        UPVEST_CLIENT_ID: CLIENT_ID,
        UPVEST_CLIENT_SECRET: CLIENT_SECRET,
        UPVEST_SIGNING_KEY: tenant.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        UPVEST_SIGNING_KEY_ID: tenantKeyId,
        UPVEST_JWKS_REFRESH_COOLDOWN: `${REFRESH_COOLDOWN_MS}ms`,
      },
    });
  });
  after(async () => {
    await stack.stop();
    await upvest.close();
  });

  test('the keys are fetched as Upvest serves them: a client-credentials token and a signed request; unauthenticated, Upvest refuses', async () => {
    const refused = await fetch(`${upvest.url}/auth/verify_keys`, { headers: { 'upvest-client-id': CLIENT_ID, 'upvest-api-version': '1' } });
    assert.equal(refused.status, 401, 'the key server refuses an unauthenticated request, as Upvest does');
    const receiverRequestsFrom = upvest.requests.length;

    const res = await send(upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]));
    assert.equal(res.status, 200, res.text);
    const fetches = upvest.requests.slice(receiverRequestsFrom).filter((r) => r.path === '/auth/verify_keys');
    assert.ok(fetches.length >= 1);
    for (const request of fetches) {
      assert.ok(upvest.tokensIssued.includes(/^Bearer (.+)$/.exec(String(request.headers.authorization))?.[1] ?? ''), 'a token from the token endpoint');
      assert.match(String(request.headers['signature-input']), new RegExp(`keyid="${tenantKeyId}"`));
    }
    const token = new URLSearchParams(upvest.requests.find((r) => r.path === '/auth/token')!.body);
    assert.equal(token.get('scope'), 'webhooks:read', 'the receiver asks only to read');
    const stored = `${stack.logs.join('\n')}`;
    assert.equal(stored.includes(CLIENT_SECRET), false);
    for (const issued of upvest.tokensIssued) assert.equal(stored.includes(issued), false, 'tokens are never logged');

    const fetchesBefore = upvest.keyFetches;
    await send(upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]));
    assert.equal(upvest.keyFetches, fetchesBefore, 'a known keyid is served from the cache');
  });

  const send = (body: string, options: SignOptions & { signWith?: UpvestKey } = {}) =>
    stack.post('/webhooks/upvest', body, signDelivery(body, options.signWith ?? key, options));
  const journalCount = async () => Number((await stack.db.pool.query(`SELECT count(*) FROM webhook_journal WHERE provider = 'upvest'`)).rows[0].count);
  const timeline = async (connectionId: string) =>
    (await stack.db.pool.query(`SELECT event_id, event_type, outcome FROM connection_events WHERE provider = 'upvest' AND connection_id = $1 ORDER BY occurred_at`, [connectionId])).rows;

  test('a package signed with a fresh P-521 key is accepted and lands in its workflows and rows', async () => {
    const userId = randomUUID();
    const accountId = randomUUID();
    const events = [
      upvestEvent('USER.CREATED', { id: userId, first_name: 'Ada', last_name: 'Lovelace' }),
      upvestEvent('USER.ACTIVATED', { id: userId, status: 'ACTIVE' }),
      upvestEvent('ACCOUNT.CREATED', { id: accountId, user_id: userId }),
      upvestEvent('ACCOUNT.ACTIVATED', { id: accountId, user_id: userId, status: 'ACTIVE' }),
      upvestEvent('ORDER.FILLED', { id: randomUUID(), account_id: accountId, user_id: userId, status: 'FILLED' }),
      upvestEvent('PORTFOLIO.CREATED', { id: randomUUID() }),
    ];
    const res = await send(upvestPackage(events));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { received: true, events: 5, duplicates: 0, deadLettered: 0 });

    const journal = await stack.db.pool.query(`SELECT event_id, status, workflow_id FROM webhook_journal WHERE event_id = ANY($1) ORDER BY id`, [events.map((e) => e.id)]);
    assert.deepEqual(
      journal.rows.map((row) => [row.event_id, row.status === 'ignored' ? 'ignored' : 'journaled', row.workflow_id]),
      events.map((event, i) => [event.id, i === 5 ? 'ignored' : 'journaled', i === 5 ? null : `connection:upvest:${i < 2 ? userId : accountId}`]),
    );

    const userView = await waitFor(async () => {
      const res = await stack.get(`/connections/upvest/${userId}`);
      return res.status === 200 && res.body.state === 'active' && res.body;
    }, 'the user connection, active');
    assert.equal(userView.userId, userId);
    const accountView = await waitFor(async () => {
      const res = await stack.get(`/connections/upvest/${accountId}`);
      return res.status === 200 && res.body.events.length === 3 && res.body;
    }, 'the account connection with its order');
    assert.equal(accountView.state, 'active');
    assert.deepEqual(accountView.accounts.map((a: { accountId: string }) => a.accountId), [accountId]);
    assert.deepEqual(
      (await timeline(accountId)).map((row) => [row.event_type, row.outcome]),
      [['connection.attempted', 'recorded'], ['connection.added', 'applied'], ['connection.updated', 'recorded']],
    );
    const workflow = await stack.client.workflow.getHandle(`connection:upvest:${userId}`).query(connectionStateQuery);
    assert.deepEqual(workflow.recent.map((entry) => entry.eventId).sort(), [events[0]!.id, events[1]!.id].sort());

    const stored = JSON.stringify((await stack.db.pool.query(`SELECT event FROM webhook_journal WHERE provider = 'upvest'`)).rows);
    assert.equal(stored.includes('Lovelace'), false, 'personal data of the objects is not journaled');
  });

  test('one byte of the body changed is 401 and leaves no row', async () => {
    const body = upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]);
    const headers = signDelivery(body, key);
    const before = await journalCount();
    const tampered = body.replace('"USER.ACTIVATED"', '"USER.ACTIVATEE"');
    assert.equal(tampered.length, body.length);
    const res = await stack.post('/webhooks/upvest', tampered, headers);
    assert.equal(res.status, 401);
    assert.equal(res.body.status, 401);
    assert.equal(await journalCount(), before);
  });

  test('an expired created or expires is 401', async () => {
    const body = upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]);
    const now = Math.floor(Date.now() / 1000);
    const old = await send(body, { created: now - 3600, expires: now + 60 });
    const expired = await send(body, { created: now - 60, expires: now - 50 });
    assert.deepEqual([old.status, expired.status], [401, 401]);
    assert.match(old.body.detail, /created is too old/);
    assert.match(expired.body.detail, /expired/);
  });

  test('an unknown keyid triggers one JWKS refresh, then 401; a rotated-in key is then accepted', async () => {
    const body = upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]);
    const stranger = newUpvestKey();
    await new Promise((resolve) => setTimeout(resolve, REFRESH_COOLDOWN_MS + 100));

    const fetchesBefore = upvest.keyFetches;
    const first = await send(body, { signWith: stranger });
    assert.equal(first.status, 401);
    assert.match(first.body.detail, /unknown keyid/);
    assert.equal(upvest.keyFetches, fetchesBefore + 1, 'exactly one refresh');
    const second = await send(body, { signWith: stranger });
    assert.equal(second.status, 401);
    assert.equal(upvest.keyFetches, fetchesBefore + 1, 'no refresh again within the cooldown');

    upvest.jwks.keys.push(stranger.jwk);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_COOLDOWN_MS + 100));
    const rotated = await send(body, { signWith: stranger });
    assert.equal(rotated.status, 200, rotated.text);
  });

  test('keys that cannot be fetched are 503, so Upvest retries', async () => {
    upvest.failing = true;
    try {
      await new Promise((resolve) => setTimeout(resolve, REFRESH_COOLDOWN_MS + 100));
      const body = upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]);
      const res = await send(body, { signWith: newUpvestKey() });
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 503);
    } finally {
      upvest.failing = false;
    }
  });

  test('a package with one malformed event journals the others and dead-letters that one', async () => {
    const userId = randomUUID();
    const broken = upvestEvent('ACCOUNT.ACTIVATED', { id: randomUUID() });
    const events = [upvestEvent('USER.ACTIVATED', { id: userId }), broken, upvestEvent('USER.DEACTIVATED', { id: userId })];
    const res = await send(upvestPackage(events));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { received: true, events: 2, duplicates: 0, deadLettered: 1 });

    const dead = await stack.db.pool.query(`SELECT reason, body FROM dead_letters WHERE provider = 'upvest' AND request_id = $1`, [
      (await stack.db.pool.query(`SELECT request_id FROM webhook_journal WHERE event_id = $1`, [events[0]!.id])).rows[0].request_id,
    ]);
    assert.equal(dead.rowCount, 1);
    assert.equal(dead.rows[0].body.id, broken.id);
    assert.match(dead.rows[0].reason, /object\.user_id/);
    const journaled = await stack.db.pool.query(`SELECT event_id FROM webhook_journal WHERE event_id = ANY($1)`, [events.map((e) => e.id)]);
    assert.deepEqual(journaled.rows.map((row) => row.event_id).sort(), [events[0]!.id, events[2]!.id].sort());

    const view = await waitFor(async () => {
      const res = await stack.get(`/connections/upvest/${userId}`);
      return res.status === 200 && res.body.events.length === 2 && res.body;
    }, 'both good events applied');
    assert.equal(view.state, 'broken');
  });

  test('the same package twice is applied once', async () => {
    const accountId = randomUUID();
    const userId = randomUUID();
    const body = upvestPackage([
      upvestEvent('ACCOUNT.ACTIVATED', { id: accountId, user_id: userId }),
      upvestEvent('POSITION.UPDATED', { account_id: accountId, user_id: userId }),
    ]);
    const first = await send(body);
    const second = await send(body);
    assert.deepEqual([first.status, first.body.events], [200, 2]);
    assert.deepEqual([second.status, second.body], [200, { received: true, duplicate: true }]);

    await waitFor(async () => (await timeline(accountId)).length === 2, 'both events in the timeline');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await timeline(accountId)).length, 2);
    const view = await stack.client.workflow.getHandle(`connection:upvest:${accountId}`).query(connectionStateQuery);
    assert.equal(view.revision, 2);
  });

  test('a package of only types we do not orchestrate is answered 200, not 202: Upvest retries anything else', async () => {
    const res = await send(upvestPackage([upvestEvent('ACCOUNT_GROUP.CREATED', { id: randomUUID() })]));
    assert.deepEqual([res.status, res.body], [200, { received: true, ignored: true }]);
  });

  test('a 2 MiB package is accepted (UPVEST_MAX_BODY, 10 MiB): a refusal would block the feed', async () => {
    const padding = 'x'.repeat(2 * 1024 * 1024);
    const res = await send(upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID(), padding })]));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.events, 1);
  });
});
