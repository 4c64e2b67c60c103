import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runUpvestCli } from '../../src/cli/upvest-commands.ts';
import { createUpvestAdapter } from '../../src/providers/upvest/adapter.ts';
import { fileKeys } from '../../src/providers/upvest/verification-keys.ts';
import { startFakeUpvest, type FakeUpvest } from '../support/upvest-api-server.ts';
import { newUpvestKey, signDelivery, upvestEvent, upvestPackage } from '../support/upvest.ts';

const CLIENT_ID = 'ebabcf4d-61c3-4942-875c-e265a7c2d062';
const CLIENT_SECRET = 'upvest-client-secret-do-not-leak-41c7';

describe('npm run upvest -- webhooks … against Upvest’s documented API', () => {
  const webhookKey = newUpvestKey();
  const tenant = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const tenantKeyId = randomUUID();
  let upvest: FakeUpvest;
  let env: Record<string, string>;

  before(async () => {
    upvest = await startFakeUpvest({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      jwks: { keys: [webhookKey.jwk] },
      tenantKey: { keyId: tenantKeyId, publicKey: tenant.publicKey },
    });
    env = {
      UPVEST_BASE_URL: upvest.url,
      UPVEST_CLIENT_ID: CLIENT_ID,
      UPVEST_CLIENT_SECRET: CLIENT_SECRET,
      UPVEST_SIGNING_KEY: tenant.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      UPVEST_SIGNING_KEY_ID: tenantKeyId,
    };
  });
  after(() => upvest.close());

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runUpvestCli(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text) });
    const result = { code, out: out.join('\n'), err: err.join('\n') };
    assert.equal(`${result.out}${result.err}`.includes(CLIENT_SECRET), false, 'the client secret is never printed');
    for (const token of upvest.tokensIssued) assert.equal(`${result.out}${result.err}`.includes(token), false, 'tokens are never printed');
    return result;
  }

  test('create, then list with sort / order / offset / limit', async () => {
    for (const title of ['Users', 'Accounts', 'Orders']) {
      const created = await run('webhooks', 'create', '--title', title, '--url', `https://tenant.example/webhooks/${title.toLowerCase()}`, '--type', 'USER,account', '--delay', '5s', '--max-package-size', '1048576');
      assert.equal(created.code, 0, created.err);
      assert.equal(JSON.parse(created.out).title, title);
    }
    const created = upvest.requests.filter((r) => r.method === 'POST' && r.path === '/webhooks').map((r) => JSON.parse(r.body));
    assert.deepEqual(created[1], { title: 'Accounts', url: 'https://tenant.example/webhooks/accounts', type: ['USER', 'ACCOUNT'], config: { delay: '5s', max_package_size: 1048576 } });

    const listed = await run('webhooks', 'list', '--sort', 'title', '--order', 'desc', '--offset', '1', '--limit', '1');
    assert.equal(listed.code, 0, listed.err);
    const lines = listed.out.split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /disabled {2}Orders {2}https:\/\/tenant\.example\/webhooks\/orders {2}USER,ACCOUNT {2}delay 5s, max 1048576 B$/);
    assert.equal(lines[1], '1 of 3 (offset 1, limit 1, sorted by title DESC)');
    assert.deepEqual(upvest.requests.at(-1)!.query, { sort: 'title', order: 'DESC', offset: '1', limit: '1' });

    const asJson = await run('webhooks', 'list', '--json');
    assert.deepEqual(JSON.parse(asJson.out).data.map((w: { title: string }) => w.title), ['Users', 'Accounts', 'Orders']);
  });

  test('every API call carries the documented headers, a bearer from client credentials and a valid signature', () => {
    const token = upvest.requests.find((r) => r.path === '/auth/token')!;
    const form = new URLSearchParams(token.body);
    assert.equal(form.get('scope'), 'webhooks:read webhooks:admin');
    assert.equal(form.get('grant_type'), 'client_credentials');
    for (const request of upvest.requests) {
      assert.equal(request.headers['upvest-client-id'], CLIENT_ID);
      assert.equal(request.headers['upvest-api-version'], '1');
      assert.match(String(request.headers['signature-input']), /keyid=/);
      if (request.path !== '/auth/token') assert.match(String(request.headers.authorization), /^Bearer /);
    }
    const posts = upvest.requests.filter((r) => r.method === 'POST' && r.path === '/webhooks');
    assert.equal(new Set(posts.map((r) => r.headers['idempotency-key'])).size, posts.length, 'a fresh idempotency key per creation');
  });

  test('get, update, test and delete one subscription', async () => {
    const [id] = [...upvest.webhooks.keys()];
    const got = await run('webhooks', 'get', id!);
    assert.equal(JSON.parse(got.out).id, id);

    const updated = await run('webhooks', 'update', id!, '--enabled', 'true', '--url', 'https://tenant.example/webhooks/upvest');
    assert.equal(updated.code, 0, updated.err);
    assert.deepEqual([JSON.parse(updated.out).enabled, JSON.parse(updated.out).url], [true, 'https://tenant.example/webhooks/upvest']);
    assert.deepEqual(JSON.parse(upvest.requests.at(-1)!.body), { url: 'https://tenant.example/webhooks/upvest', enabled: true });

    const tested = await run('webhooks', 'test', id!);
    assert.deepEqual([tested.code, tested.out], [0, `test delivery requested for ${id} (Upvest answered 202)`]);

    const deleted = await run('webhooks', 'delete', id!);
    assert.deepEqual([deleted.code, deleted.out], [0, `deleted ${id}`]);
    assert.equal(upvest.webhooks.has(id!), false);
  });

  test('an error answer is shown plainly: status, title, detail and the request id', async () => {
    const missing = await run('webhooks', 'get', 'a8eb3540-5a84-40f9-b2bb-7f99f282fc5a');
    assert.equal(missing.code, 1);
    const lines = missing.err.split('\n');
    assert.equal(lines[0], 'Upvest answered 404: Not Found');
    assert.equal(lines[1], '  detail: Webhook a8eb3540-5a84-40f9-b2bb-7f99f282fc5a does not exist.');
    assert.equal(lines[2], '  type: not_found');
    assert.match(lines[3]!, /^ {2}request id: [0-9a-f-]{36}$/);
  });

  test('a refused signature and wrong credentials are problems too', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const saved = env;
    try {
      env = { ...saved, UPVEST_SIGNING_KEY: stranger };
      const unsigned = await run('webhooks', 'list');
      assert.equal(unsigned.code, 1);
      assert.match(unsigned.err, /^Upvest answered 401: Unauthorized\n {2}detail: The request signature is invalid\./);

      env = { ...saved, UPVEST_CLIENT_SECRET: 'wrong-secret' };
      const refused = await run('webhooks', 'list');
      assert.match(refused.err, /^Upvest answered 401: Unauthorized\n {2}detail: Invalid client credentials\./);
    } finally {
      env = saved;
    }
  });

  test('keys writes the JWKS the receiver verifies with', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'upvest-keys-')), 'upvest-jwks.json');
    const written = await run('webhooks', 'keys', '--out', path);
    assert.equal(written.code, 0, written.err);
    assert.equal(written.out, `wrote 1 verification key(s) to ${path}: ${webhookKey.kid}`);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { keys: [webhookKey.jwk] });

    const receiver = createUpvestAdapter({ keys: fileKeys(path, { refreshCooldownMs: 30_000 }), signatureToleranceMs: 60_000 });
    const body = upvestPackage([upvestEvent('USER.ACTIVATED', { id: randomUUID() })]);
    const verdict = await receiver.receive({ rawBody: Buffer.from(body), headers: signDelivery(body, webhookKey), remoteAddress: undefined, method: 'POST', target: '/webhooks/upvest' });
    assert.equal(verdict.kind, 'accepted');
  });

  test('bad arguments and missing configuration stop before any request, with exit code 2', async () => {
    const before = upvest.requests.length;
    const badSort = await run('webhooks', 'list', '--sort', 'colour');
    assert.equal(badSort.code, 2);
    assert.match(badSort.err, /^sort: Invalid option/);
    const badTitle = await run('webhooks', 'create', '--title', 'no/slashes', '--url', 'https://tenant.example/x');
    assert.equal(badTitle.code, 2);
    const unknown = await run('webhooks', 'frobnicate');
    assert.match(unknown.err, /^unknown command: frobnicate\n\nusage:/);

    const saved = env;
    try {
      env = { UPVEST_BASE_URL: upvest.url };
      const unconfigured = await run('webhooks', 'list');
      assert.equal(unconfigured.code, 2);
      assert.match(unconfigured.err, /UPVEST_CLIENT_ID: is required/);
      assert.match(unconfigured.err, /UPVEST_CLIENT_SECRET: is required/);
    } finally {
      env = saved;
    }
    assert.equal(upvest.requests.length, before);
  });
});
