import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startTemporalDevServer, type DevServer } from '../../src/embedded/temporal-dev-server.ts';
import { spawnEntry, type EntryProcess } from '../support/entry-process.ts';
import { freePort } from '../support/free-port.ts';
import { createPrivatePostgres } from '../support/private-postgres.ts';
import { snapTradePayload, TEST_SECRET, type Payload } from '../support/snaptrade.ts';
import { API_TOKEN } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const CONNECTIONS = 100;
const EVENTS_PER_CONNECTION = 20;
const SENDERS = 16;
/**
 * New events are released at this pace while the chaos lasts, and the last RESERVE only after it,
 * so the burst spans the chaos however fast this machine acknowledges.
 */
const RELEASE_EVERY_MS = 20;
const RESERVE = 200;

interface Planned {
  connectionId: string;
  eventId: string;
  payload: Payload;
}

/**
 * Each connection: ADDED first, then breakages, fixes and account activity at increasing times;
 * one in ten is deleted somewhere along the way. Sent in a shuffled order, so late deliveries abound.
 */
function plan(): { events: Planned[]; expected: Map<string, string> } {
  const events: Planned[] = [];
  const expected = new Map<string, string>();
  const start = Date.parse('2024-06-01T00:00:00Z');
  for (let c = 0; c < CONNECTIONS; c += 1) {
    const connectionId = `conn-chaos-${c}-${randomUUID().slice(0, 8)}`;
    const deletedAt = c % 10 === 0 ? 1 + ((c * 7) % (EVENTS_PER_CONNECTION - 1)) : -1;
    let state = 'active';
    for (let i = 0; i < EVENTS_PER_CONNECTION; i += 1) {
      const type =
        i === 0 ? 'CONNECTION_ADDED' : i === deletedAt ? 'CONNECTION_DELETED' : (['CONNECTION_BROKEN', 'CONNECTION_FIXED', 'ACCOUNT_TRANSACTIONS_UPDATED'] as const)[(c + i * 5) % 3]!;
      if (state !== 'deleted') {
        if (type === 'CONNECTION_BROKEN') state = 'broken';
        if (type === 'CONNECTION_FIXED' || type === 'CONNECTION_ADDED') state = 'active';
        if (type === 'CONNECTION_DELETED') state = 'deleted';
      }
      const payload = snapTradePayload(type, {
        brokerageAuthorizationId: connectionId,
        userId: `user-chaos-${c}`,
        eventTimestamp: new Date(start + c * 3_600_000 + i * 60_000).toISOString(),
        ...(type === 'ACCOUNT_TRANSACTIONS_UPDATED' ? { accountId: `acct-chaos-${c}` } : {}),
      });
      events.push({ connectionId, eventId: `${type}:${payload.webhookId as string}`, payload });
    }
    expected.set(connectionId, state);
  }
  for (let i = events.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return { events, expected };
}

describe('chaos: the production shape under a burst while its parts are killed', () => {
  test('worker, receiver and Temporal SIGKILLed and Postgres stopped mid-burst: every acknowledged event applied once, the right final states, no failed run', async (t) => {
    const began = Date.now();
    const work = mkdtempSync(join(process.env.TEST_WORK_DIR ?? tmpdir(), 'chaos-'));
    const postgres = await createPrivatePostgres();
    const databaseUrl = await postgres.createDatabase('lifecycle');
    const temporalPort = await freePort();
    const startTemporal = () => startTemporalDevServer({ executable: process.env.TEMPORAL_CLI_PATH!, port: temporalPort, dbFilename: join(work, 'temporal.db') });
    let temporal: DevServer = await startTemporal();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'chaos',
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE!,
      SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
      API_TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
      SWEEP_INTERVAL: '500ms',
      SWEEP_GRACE: '2s',
      // The killed worker's next tasks wait this long on its queue before the new worker gets them.
      WORKER_STICKY_QUEUE_TIMEOUT: '2s',
      LOG_LEVEL: 'warn',
    };
    let receiver: EntryProcess = spawnEntry('receiver.ts', env);
    let worker: EntryProcess = spawnEntry('worker.ts', env);
    const connection = Connection.lazy({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    const pool = new pg.Pool({ connectionString: databaseUrl });
    pool.on('error', () => undefined);
    let sampler: NodeJS.Timeout | undefined;
    const outputs = () => `receiver:\n${receiver.output().slice(-3_000)}\nworker:\n${worker.output().slice(-3_000)}`;

    try {
      await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'the receiver to be ready', 60_000);
      const { events, expected } = plan();

      // Senders behave like providers: an event is sent again until it is acknowledged.
      const answers: { status: number; at: number }[] = [];
      const acked = new Set<string>();
      const deliver = async (item: Planned) => {
        for (;;) {
          try {
            const res = await fetch(`${url}/webhooks/snaptrade`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item.payload) });
            await res.arrayBuffer();
            answers.push({ status: res.status, at: Date.now() });
            if (res.status === 200) {
              acked.add(item.eventId);
              return;
            }
          } catch {
            answers.push({ status: 0, at: Date.now() });
          }
          await sleep(100);
        }
      };
      let chaosOver = false;
      const burstStart = Date.now();
      const released = () => (chaosOver ? events.length : Math.min(events.length - RESERVE, Math.floor((Date.now() - burstStart) / RELEASE_EVERY_MS)));
      let next = 0;
      const senders = Array.from({ length: SENDERS }, async () => {
        while (next < events.length) {
          if (next < released()) await deliver(events[next++]!);
          // Nothing new to send yet: a provider redelivers one already sent, so traffic goes on through the chaos.
          else if (next > 0) await deliver(events[Math.floor(Math.random() * next)]!);
          else await sleep(RELEASE_EVERY_MS);
        }
      });
      const burst = Promise.all(senders);
      const timeline: string[] = [];
      sampler = setInterval(() => {
        void pool.query<{ n: number; j: number; p: number }>(`SELECT (SELECT count(*)::int FROM connection_events) AS n, (SELECT count(*)::int FROM webhook_journal) AS j, (SELECT count(*)::int FROM webhook_journal WHERE status='pending') AS p`).then(
          (r) => timeline.push(`${((Date.now() - began) / 1000).toFixed(0)}s acked=${acked.size} journal=${r.rows[0]!.j} pending=${r.rows[0]!.p} applied=${r.rows[0]!.n}`),
          () => timeline.push(`${((Date.now() - began) / 1000).toFixed(0)}s pg down`),
        );
      }, 5_000);

      // Windows in which a 503 is the right answer: Postgres stopped, a receiver starting up.
      const excused: [number, number][] = [];
      const chaos = (async () => {
        await sleep(2_000);
        await worker.kill('SIGKILL');
        await sleep(1_500);
        worker = spawnEntry('worker.ts', env);

        await sleep(2_500);
        await receiver.kill('SIGKILL');
        const receiverDown = Date.now();
        receiver = spawnEntry('receiver.ts', env);
        await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'the restarted receiver to be ready', 60_000);
        excused.push([receiverDown, Date.now()]);

        await sleep(2_000);
        temporal.process.kill('SIGKILL');
        await new Promise((resolve) => temporal.process.once('exit', resolve));
        await sleep(1_500);
        temporal = await startTemporal();

        await sleep(3_000);
        const postgresDown = Date.now();
        await postgres.stop('immediate');
        await sleep(4_000);
        await postgres.start();
        await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'the receiver to be ready after Postgres is back', 60_000);
        excused.push([postgresDown, Date.now()]);
      })();
      await chaos.finally(() => {
        chaosOver = true;
      });
      await burst;

      assert.equal(acked.size, events.length, 'every event acknowledged in the end');
      const unexcused = answers.filter((a) => a.status >= 500 && !(a.status === 503 && excused.some(([from, to]) => a.at >= from && a.at <= to)));
      assert.deepEqual(unexcused.slice(0, 5), [], `no 5xx other than 503 while Postgres was down or the receiver starting (${unexcused.length})`);
      assert.ok(answers.some((a) => a.status === 503), 'the Postgres stop was felt');

      const eventIds = events.map((e) => e.eventId);
      const appliedSoFar = async () =>
        (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM connection_events WHERE event_id = ANY($1)`, [eventIds])).rows[0]!.n;
      t.diagnostic(`burst and chaos over after ${((Date.now() - began) / 1000).toFixed(1)} s, ${await appliedSoFar()} of ${events.length} applied`);
      await waitFor(async () => (await appliedSoFar()) === events.length, 'every acknowledged event applied', 120_000);
      t.diagnostic(timeline.join('\n'));
      t.diagnostic(`all applied after ${((Date.now() - began) / 1000).toFixed(1)} s`);
      const { rows: applied } = await pool.query<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM connection_events`);
      assert.deepEqual(applied[0], { n: events.length, distinct: events.length }, 'each event applied once, nothing else applied');

      const { rows: states } = await pool.query<{ connection_id: string; state: string }>(`SELECT connection_id, state FROM connections`);
      const actual = new Map(states.map((r) => [r.connection_id, r.state]));
      const wrong = [...expected].filter(([id, state]) => actual.get(id) !== state).map(([id, state]) => ({ id, expected: state, actual: actual.get(id) }));
      assert.deepEqual(wrong, [], 'every connection in the state its newest events imply');

      const failed: string[] = [];
      for await (const execution of client.workflow.list({ query: `ExecutionStatus = 'Failed' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut'` })) {
        failed.push(`${execution.workflowId} ${execution.status.name}`);
      }
      assert.deepEqual(failed, [], 'no failed workflow run');
      assert.ok(receiver.running() && worker.running(), outputs());
    } catch (error) {
      process.stderr.write(`${outputs()}\n`);
      throw error;
    } finally {
      // A failed assertion must not leave the sampler keeping this process (and the whole run) alive.
      clearInterval(sampler);
      await Promise.all([receiver.kill('SIGTERM'), worker.kill('SIGTERM')]);
      await connection.close();
      await pool.end();
      await temporal.stop();
      await postgres.destroy();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
