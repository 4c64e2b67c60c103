import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../support/free-port.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { API_TOKEN } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const root = join(import.meta.dirname, '..', '..');
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The production image runs `npm run build`'s output with plain node: no tsx, no TypeScript, no bundler at start. */
describe('the production build', () => {
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const database = `lifecycle_build_${randomBytes(6).toString('hex')}`;
  let env: NodeJS.ProcessEnv;
  let receiverUrl: string;

  before(async () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    await withAdmin((admin) => admin.query(`CREATE DATABASE ${database}`));
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const port = await freePort();
    receiverUrl = `http://127.0.0.1:${port}`;
    env = {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      // An empty database: the built receiver migrates it from the SQL files the build copied.
      DATABASE_URL: url.toString(),
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `build-${randomUUID()}`,
      SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
      API_TOKEN,
      LOG_LEVEL: 'info',
    };
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  function start(entry: string): ChildProcess {
    const child = spawn(process.execPath, [join(root, 'dist', 'src', 'entry', `${entry}.js`)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    children.push(child);
    return child;
  }

  test('builds compiled entry points and the workflow bundle', () => {
    for (const file of ['src/entry/receiver.js', 'src/entry/worker.js', 'workflow-bundle.js', 'src/db/migrations/001_core.sql']) {
      assert.ok(existsSync(join(root, 'dist', file)), `dist/${file}`);
    }
  });

  test('the built receiver becomes ready, and the built worker applies a webhook with its prebuilt bundle', async () => {
    start('receiver');
    await waitFor(async () => (await fetch(`${receiverUrl}/readyz`)).status === 200, `the built receiver to be ready; output: ${output.join('')}`, 60_000);
    start('worker');
    await waitFor(async () => output.join('').includes('worker running'), 'the built worker to connect', 60_000);

    const id = `conn-${randomUUID()}`;
    const res = await fetch(`${receiverUrl}/webhooks/snaptrade`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id })),
    });
    assert.equal(res.status, 200);
    const state = await waitFor(async () => {
      const read = await fetch(`${receiverUrl}/connections/snaptrade/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      const body = read.status === 200 ? ((await read.json()) as { state: string }) : undefined;
      return body?.state === 'active' ? body.state : undefined;
    }, 'the connection applied by the built worker', 60_000);
    assert.equal(state, 'active');
  });
});

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
