import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { API_TOKEN } from '../support/stack.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';
import { freePort } from '../support/free-port.ts';

const root = join(import.meta.dirname, '..', '..');


function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

interface Sent {
  startedAt: number;
  status: number;
  eventId: string;
  error?: string;
}

function postKeptAlive(agent: Agent, url: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/webhooks/snaptrade`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * Senders that each post one webhook after another on their own kept-alive socket, so sockets are
 * busy when `signal` runs (after `signalAfter` answers); they go on for two seconds after it.
 */
async function keptAliveBurst(url: string, signalAfter: number, signal: () => void): Promise<{ results: Sent[]; signalledAt: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const results: Sent[] = [];
  let signalledAt = Infinity;
  const senders = Array.from({ length: 4 }, async () => {
    while (performance.now() < signalledAt + 2_000) {
      const payload = snapTradePayload('NEW_ACCOUNT_AVAILABLE', { brokerageAuthorizationId: `conn-keepalive-${results.length % 10}` });
      const sent: Sent = { startedAt: performance.now(), status: 0, eventId: `NEW_ACCOUNT_AVAILABLE:${payload.webhookId as string}` };
      results.push(sent);
      try {
        sent.status = await postKeptAlive(agent, url, payload);
      } catch (error) {
        sent.error = (error as NodeJS.ErrnoException).code ?? String(error);
        if (signalledAt !== Infinity) return;
      }
      if (results.filter((r) => r.status !== 0).length === signalAfter && signalledAt === Infinity) {
        signalledAt = performance.now();
        signal();
      }
    }
  });
  await Promise.all(senders);
  agent.destroy();
  return { results, signalledAt };
}

/** What a drain must give: every request sent well before the signal answered, none sent after it acknowledged. */
function assertCleanDrain({ results, signalledAt }: { results: Sent[]; signalledAt: number }): Sent[] {
  assert.ok(signalledAt !== Infinity, 'the signal was sent');
  const inFlight = results.filter((r) => r.startedAt < signalledAt - 200);
  assert.deepEqual(inFlight.filter((r) => r.status !== 200 && r.status !== 503), [], 'requests in flight at the signal are answered, never reset');
  const late = results.filter((r) => r.startedAt > signalledAt + 500);
  assert.deepEqual(late.filter((r) => r.status === 200), [], 'nothing sent after the signal is acknowledged');
  assert.deepEqual(results.filter((r) => ![0, 200, 503].includes(r.status)), [], 'no other answer than 200 or 503');
  return results.filter((r) => r.status === 200);
}

describe('graceful shutdown on SIGTERM', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    db = await createTestDatabase();
    env = {
      ...process.env,
      DATABASE_URL: db.url,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `shutdown-${Date.now()}`,
      SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
      API_TOKEN,
      LOG_LEVEL: 'warn',
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE,
    };
  });
  after(() => db.drop());

  const spawnEntry = (entry: string, extra: NodeJS.ProcessEnv = {}) =>
    spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'entry', entry)], { cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });

  test('the receiver stops taking requests, finishes those in flight, and loses nothing it acknowledged', async () => {
    const port = await freePort();
    const receiver = spawnEntry('receiver.ts', { PORT: String(port) });
    const exited = exitOf(receiver);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'the receiver to be ready', 30_000);

    const payloads = Array.from({ length: 150 }, (_, i) => snapTradePayload('NEW_ACCOUNT_AVAILABLE', { brokerageAuthorizationId: `conn-shutdown-${i % 10}` }));
    let answered = 0;
    const sends = payloads.map(async (payload) => {
      try {
        const res = await fetch(`${url}/webhooks/snaptrade`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        await res.text();
        answered += 1;
        if (answered === 20) receiver.kill('SIGTERM');
        return { status: res.status, eventId: `NEW_ACCOUNT_AVAILABLE:${payload.webhookId}` };
      } catch {
        return { status: 0, eventId: '' };
      }
    });
    const results = await Promise.all(sends);
    assert.equal(await exited, 0, 'a clean exit');

    const acked = results.filter((r) => r.status === 200);
    assert.ok(acked.length >= 20, `${acked.length} acknowledged before the shutdown`);
    assert.deepEqual(results.filter((r) => ![200, 503, 0].includes(r.status)), [], 'refused connections or 503 at most, never another error answer');
    const { rows } = await db.pool.query<{ event_id: string }>(`SELECT event_id FROM webhook_journal`);
    const journaled = new Set(rows.map((r) => r.event_id));
    for (const { eventId } of acked) assert.ok(journaled.has(eventId), `${eventId} was acknowledged, so it is journaled`);
  });

  const assertJournaled = async (acked: Sent[]) => {
    const { rows } = await db.pool.query<{ event_id: string }>(`SELECT event_id FROM webhook_journal WHERE event_id = ANY($1)`, [acked.map((r) => r.eventId)]);
    assert.equal(rows.length, acked.length, 'every acknowledged webhook is journaled');
  };

  test('after SIGTERM a kept-alive connection gets no new acknowledgement: 503 with Connection: close, then the exit', async () => {
    const port = await freePort();
    const receiver = spawnEntry('receiver.ts', { PORT: String(port) });
    const exited = exitOf(receiver);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'the receiver to be ready', 30_000);

    const burst = await keptAliveBurst(url, 40, () => receiver.kill('SIGTERM'));
    assert.equal(await exited, 0, 'a clean exit');
    await assertJournaled(assertCleanDrain(burst));
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`npm start: one ${signal} to the process group (it arrives twice) stops cleanly, mid-burst`, async () => {
      const port = await freePort();
      const start = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
        cwd: root,
        env: { ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(process.env.TEST_WORK_DIR ?? tmpdir(), 'npm-start-')) },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own group, as a terminal gives it: the test signals the group like Ctrl-C does.
        detached: true,
      });
      let output = '';
      start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      start.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = exitOf(start);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'npm start to serve', 60_000);

      const burst = await keptAliveBurst(url, 40, () => process.kill(-start.pid!, signal));
      assert.equal(await exited, 0, `one clean stop:\n${output}`);
      await assertJournaled(assertCleanDrain(burst));
    });
  }

  test('npm start still waiting for Temporal stops on one signal, cleanly', async () => {
    const start = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'entry', 'dev.ts')], {
      cwd: root,
      env: { ...env, PORT: String(await freePort()), HOST: '127.0.0.1', TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, DATA_DIR: mkdtempSync(join(process.env.TEST_WORK_DIR ?? tmpdir(), 'npm-start-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = exitOf(start);
    await waitFor(async () => output.includes('waiting for Temporal'), 'the worker to wait for Temporal', 60_000);
    start.kill('SIGINT');
    assert.equal(await exited, 0, output);
  });

  test('a worker still waiting for Temporal stops on SIGTERM, cleanly', async () => {
    const worker = spawnEntry('worker.ts', { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    const exited = exitOf(worker);
    let output = '';
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => output.includes('waiting for Temporal'), 'the worker to wait for Temporal', 60_000);
    worker.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  });

  test('the worker drains and exits cleanly', async () => {
    const worker = spawnEntry('worker.ts', { LOG_LEVEL: 'info' });
    const exited = exitOf(worker);
    let output = '';
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(async () => output.includes('worker running'), 'the worker to start polling', 30_000);
    worker.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /worker stopped/);
  });
});
