import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/wait.ts';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const root = join(import.meta.dirname, '..', '..');

/** `npm start`'s composition (src/entry/dev.ts) on this run's Postgres and Temporal, with payloads encrypted. */
describe('the codec endpoint under npm start', () => {
  let db: TestDatabase;
  let dev: ChildProcess;
  let url: string;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'dev-codec-'));

  before(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    dev = spawn(process.execPath, ['--import', 'tsx', 'src/entry/dev.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
        TEMPORAL_TASK_QUEUE: `dev-codec-${randomUUID()}`,
        TEMPORAL_ENCRYPTION_KEY: `dev:${randomBytes(32).toString('base64')}`,
        TEMPORAL_UI_ORIGIN: UI_ORIGIN,
        WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE!,
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => /receiver\s+http/.test(output) || dev.exitCode !== null, 'npm start to print its addresses', 120_000);
    assert.equal(dev.exitCode, null, output);
  });
  after(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((resolve) => dev.once('exit', resolve));
      dev.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
  });

  const document = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') }] };
  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(document) });

  test('a request carrying the Web UI’s Origin and no credential is refused', async () => {
    const forged = await post('/codec/decode', { origin: UI_ORIGIN });
    assert.equal(forged.status, 401);
    assert.equal((await post('/codec/encode', { origin: UI_ORIGIN })).status, 401);
  });

  test('the credential the UI can be given opens it: the codec URL token from the secrets file, never printed', async () => {
    const secrets = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    const token = secrets.TEMPORAL_CODEC_URL_TOKEN!;
    assert.ok(token && token.length >= 32);
    assert.equal(output.includes(token), false, 'the token is not printed');
    assert.match(output, /codec/, 'npm start says where the UI’s codec URL is');

    const decoded = await post(`/codec/${token}/decode`, { origin: UI_ORIGIN });
    assert.equal(decoded.status, 200);
    assert.equal(decoded.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal((await post(`/codec/${token.slice(0, -1)}x/decode`, { origin: UI_ORIGIN })).status, 401);
    const apiToken = await post('/codec/decode', { authorization: `Bearer ${secrets.API_TOKEN}` });
    assert.equal(apiToken.status, 200, 'the production credential works too');
  });
});
