import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
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
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 'the receiver to listen', 30_000);

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
    assert.deepEqual(results.filter((r) => r.status !== 200 && r.status !== 0), [], 'refused connections at most, never an error answer');
    const { rows } = await db.pool.query<{ event_id: string }>(`SELECT event_id FROM webhook_journal`);
    const journaled = new Set(rows.map((r) => r.event_id));
    for (const { eventId } of acked) assert.ok(journaled.has(eventId), `${eventId} was acknowledged, so it is journaled`);
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
