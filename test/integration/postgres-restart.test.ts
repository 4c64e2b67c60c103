import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import pg from 'pg';
import { spawnEntry, type EntryProcess } from '../support/entry-process.ts';
import { freePort } from '../support/free-port.ts';
import { createPrivatePostgres } from '../support/private-postgres.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { API_TOKEN } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const CONNECTIONS = 20;
const SENDERS = 6;
const RESTARTS = 3;

describe('a Postgres restart never kills a process', () => {
  test('both processes start while Postgres is down, then survive immediate restarts under a burst, losing nothing they acknowledged', async () => {
    const postgres = await createPrivatePostgres();
    const databaseUrl = await postgres.createDatabase('lifecycle');
    await postgres.stop();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `pg-restart-${randomUUID()}`,
      WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE!,
      SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
      API_TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
      SWEEP_INTERVAL: '300ms',
      SWEEP_GRACE: '1s',
      LOG_LEVEL: 'warn',
    };
    const processes: EntryProcess[] = [spawnEntry('receiver.ts', env), spawnEntry('worker.ts', env)];
    const pool = new pg.Pool({ connectionString: databaseUrl });
    pool.on('error', () => undefined);
    const post = (payload: unknown) =>
      fetch(`${url}/webhooks/snaptrade`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    try {
      await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 'the receiver to answer /healthz with Postgres down', 60_000);
      assert.equal((await fetch(`${url}/readyz`)).status, 503, 'not ready without Postgres');
      const early = await post(snapTradePayload('CONNECTION_ADDED'));
      assert.equal(early.status, 503, 'a webhook before Postgres answers is refused with 503');
      assert.equal(early.headers.get('retry-after') !== null, true);

      await postgres.start();
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'the receiver to migrate and become ready', 60_000);

      const connectionIds = Array.from({ length: CONNECTIONS }, (_, i) => `conn-pgr-${i}`);
      const results: { status: number; eventId: string; error?: string }[] = [];
      let sending = true;
      let n = 0;
      const senders = Array.from({ length: SENDERS }, async () => {
        while (sending) {
          const payload = snapTradePayload('ACCOUNT_TRANSACTIONS_UPDATED', { brokerageAuthorizationId: connectionIds[n++ % CONNECTIONS] });
          const eventId = `ACCOUNT_TRANSACTIONS_UPDATED:${payload.webhookId as string}`;
          try {
            const res = await post(payload);
            await res.arrayBuffer();
            results.push({ status: res.status, eventId });
          } catch (error) {
            results.push({ status: 0, eventId, error: String((error as Error).cause ?? error) });
          }
        }
      });
      for (let i = 0; i < RESTARTS; i += 1) {
        await sleep(1_500);
        await postgres.stop('immediate');
        await sleep(2_000);
        await postgres.start();
      }
      await sleep(2_000);
      sending = false;
      await Promise.all(senders);

      for (const entry of processes) assert.ok(entry.running(), `still running after ${RESTARTS} restarts:\n${entry.output()}`);
      const unexpected = results.filter((r) => r.status !== 200 && r.status !== 503);
      assert.deepEqual(unexpected.slice(0, 5), [], `every answer is 200 or 503 (${unexpected.length} others)`);
      const acked = results.filter((r) => r.status === 200).map((r) => r.eventId);
      assert.ok(results.some((r) => r.status === 503), 'the restarts were felt');
      assert.ok(acked.length > 50, `${acked.length} acknowledged`);

      await waitFor(
        async () => {
          const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM connection_events WHERE event_id = ANY($1)`, [acked]);
          return rows[0]!.n === acked.length;
        },
        'every acknowledged event applied',
        120_000,
      );
      for (const entry of processes) assert.ok(entry.running(), entry.output());
    } catch (error) {
      const journal = await pool.query(`SELECT status, count(*)::int AS n, max(last_error) AS last_error FROM webhook_journal GROUP BY status`).catch(() => ({ rows: [] }));
      process.stderr.write(`journal: ${JSON.stringify(journal.rows)}\n${processes.map((entry) => entry.output().slice(-3_000)).join('\n---\n')}\n`);
      throw error;
    } finally {
      await Promise.all(processes.map((entry) => entry.kill('SIGTERM')));
      await pool.end();
      await postgres.destroy();
    }
  });
});
