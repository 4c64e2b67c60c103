import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { startTemporalDevServer } from '../../src/embedded/temporal-dev-server.ts';
import { createPool } from '../../src/db/pool.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createSnapTradeAdapter } from '../../src/providers/snaptrade/adapter.ts';
import { API_TOKEN, startStack, startTestWorker, type Stack } from '../support/stack.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';
import { spawnEntry, type EntryProcess } from '../support/entry-process.ts';
import { connectionWorkflowId } from '../../src/temporal/workflow-ids.ts';
import type { AddressInfo } from 'node:net';
import { freePort } from '../support/free-port.ts';

const eventMillis = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
  Number(event.eventTime!.seconds) * 1000 + (event.eventTime!.nanos ?? 0) / 1e6;
const timeline = async (stack: Stack, connectionId: string) =>
  (await stack.db.pool.query(`SELECT count(*)::int AS n FROM connection_events WHERE connection_id = $1`, [connectionId])).rows[0].n as number;
const state = async (stack: Stack, connectionId: string) =>
  (await stack.db.pool.query(`SELECT state FROM connections WHERE connection_id = $1`, [connectionId])).rows[0]?.state as string | undefined;

/** The worker as its own process, as deployed, so that it can be SIGKILLed. */
const spawnWorkerProcess = (stack: Stack, env: Record<string, string> = {}): EntryProcess =>
  spawnEntry('worker.ts', {
    DATABASE_URL: stack.config.DATABASE_URL,
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE!,
    LOG_LEVEL: 'warn',
    ...env,
  });

/**
 * One connection's first event applied by a worker, which is then stopped with `signal`; the next
 * event's task goes to that worker's own (sticky) queue, and a new worker must get it from there.
 * Returns the connection workflow's history once the new worker has applied it, and its final state.
 */
async function replaceWorkerBetweenTwoEvents(signal: NodeJS.Signals, stickyTimeout: string) {
  const stack = await startStack({ withoutWorker: true });
  const settings = { WORKER_STICKY_QUEUE_TIMEOUT: stickyTimeout };
  let worker = spawnWorkerProcess(stack, settings);
  try {
    const id = `conn-replaced-by-${signal}`;
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id }))).status, 200);
    await waitFor(async () => (await timeline(stack, id)) === 1, 'the first event applied', 60_000);
    // The row is written inside the workflow task; killed before the task completes, the task would
    // time out on its own (start-to-close, 10 s) rather than wait on the dead worker's queue.
    const handle = stack.client.workflow.getHandle(connectionWorkflowId('snaptrade', id));
    await waitFor(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const count = (has: (event: proto.temporal.api.history.v1.IHistoryEvent) => unknown) => events.filter(has).length;
      return count((event) => event.workflowTaskScheduledEventAttributes) === count((event) => event.workflowTaskCompletedEventAttributes);
    }, 'the first event\'s workflow task completed');
    await worker.kill(signal);

    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_BROKEN', { brokerageAuthorizationId: id }))).status, 200);
    worker = spawnWorkerProcess(stack, settings);
    await waitFor(async () => (await timeline(stack, id)) === 2, 'the second event applied by the new worker', 60_000);
    const { events } = await handle.fetchHistory();
    return { events: events ?? [], state: await state(stack, id) };
  } finally {
    await worker.kill('SIGKILL');
    await stack.stop();
  }
}

describe('what survives a crash or an outage', () => {
  test('the worker killed mid-flight and restarted: the workflow ends in the right state', async () => {
    const stack = await startStack({ withoutWorker: true });
    // The killed worker's next tasks wait this long on its queue before the new worker gets them.
    const spawnWorker = () => spawnWorkerProcess(stack, { WORKER_STICKY_QUEUE_TIMEOUT: '2s' });
    let worker = spawnWorker();
    try {
      const id = 'conn-crash';
      const minute = (m: number) => `2024-05-01T09:${String(m).padStart(2, '0')}:00+00:00`;
      const payloads = [snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id, eventTimestamp: minute(0) })];
      for (let i = 1; i <= 20; i += 1) {
        payloads.push(snapTradePayload('ACCOUNT_TRANSACTIONS_UPDATED', { brokerageAuthorizationId: id, accountId: `acct-${i % 3}`, eventTimestamp: minute(i) }));
      }
      payloads.push(snapTradePayload('CONNECTION_BROKEN', { brokerageAuthorizationId: id, eventTimestamp: minute(30) }));

      for (const payload of payloads.slice(0, 11)) assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
      await waitFor(async () => (await timeline(stack, id)) > 0, 'the first worker to start applying', 60_000);
      await worker.kill('SIGKILL');
      const appliedBeforeCrash = await timeline(stack, id);

      for (const payload of payloads.slice(11)) assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
      const journaled = await stack.db.pool.query(`SELECT count(*)::int AS n FROM webhook_journal`);
      assert.equal(journaled.rows[0].n, payloads.length, 'every webhook acknowledged while no worker runs is durable in the journal');

      worker = spawnWorker();
      await waitFor(async () => (await timeline(stack, id)) === payloads.length, 'every event applied after the restart', 60_000);
      assert.equal(await state(stack, id), 'broken');
      assert.ok(appliedBeforeCrash < payloads.length);
    } finally {
      await worker.kill('SIGKILL');
      await stack.stop();
    }
  });

  test('a killed worker\'s workflows move to another worker after WORKER_STICKY_QUEUE_TIMEOUT, not the SDK\'s 10 s', async () => {
    const { events, state: final } = await replaceWorkerBetweenTwoEvents('SIGKILL', '2s');
    const timedOut = events.find((event) => event.workflowTaskTimedOutEventAttributes?.timeoutType === proto.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
    assert.ok(timedOut, 'the task on the dead worker\'s queue timed out waiting for it');
    const scheduledId = Number(timedOut.workflowTaskTimedOutEventAttributes!.scheduledEventId);
    const scheduled = events.find((event) => Number(event.eventId) === scheduledId)!;
    const waitedMs = eventMillis(timedOut) - eventMillis(scheduled);
    assert.ok(waitedMs >= 1_900 && waitedMs < 8_000, `waited ${waitedMs} ms on the dead worker's queue, configured 2 s`);
    assert.equal(final, 'broken');
  });

  test('a worker stopped with SIGTERM hands its workflows over at once, however long WORKER_STICKY_QUEUE_TIMEOUT is', async () => {
    const { events, state: final } = await replaceWorkerBetweenTwoEvents('SIGTERM', '10m');
    assert.equal(events.filter((event) => event.workflowTaskTimedOutEventAttributes).length, 0, 'no task waited for the stopped worker');
    assert.equal(final, 'broken');
  });

  test('with Temporal down, webhooks are acknowledged from the journal and delivered once it is back', async () => {
    const port = await freePort();
    const stack = await startStack({ withoutWorker: true, temporalAddress: `127.0.0.1:${port}` });
    let server: Awaited<ReturnType<typeof startTemporalDevServer>> | undefined;
    try {
      const id = 'conn-outage';
      const res = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id }));
      assert.equal(res.status, 200);
      await waitFor(async () => {
        const { rows } = await stack.db.pool.query(`SELECT status, last_error FROM webhook_journal`);
        return rows[0]?.last_error && rows[0].status === 'pending';
      }, 'a failed dispatch attempt recorded');

      server = await startTemporalDevServer({ executable: process.env.TEMPORAL_CLI_PATH!, port });
      const worker = await startTestWorker(stack.config, stack.db, createLogger('silent'));
      try {
        await waitFor(async () => (await state(stack, id)) === 'active', 'the sweeper to deliver after the outage', 60_000);
      } finally {
        await worker.shutdown();
      }
      const { rows } = await stack.db.pool.query(`SELECT status, dispatch_attempts FROM webhook_journal`);
      assert.equal(rows[0].status, 'dispatched');
      assert.ok(rows[0].dispatch_attempts >= 2);
    } finally {
      await stack.stop();
      await server?.stop();
    }
  });

  test('with Postgres down, a webhook is answered 503 so the provider retries, and readyz says so', async () => {
    const pool = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
    const app = createApp({
      pool,
      adapters: [createSnapTradeAdapter({ webhookSecrets: [TEST_SECRET] })],
      dispatcher: { dispatchNow: () => assert.fail('nothing may be dispatched that was not journaled') },
      auth: { apiToken: API_TOKEN },
      logger: createLogger('silent'),
      temporalReachable: async () => undefined,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const res = await fetch(`${url}/webhooks/snaptrade`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(snapTradePayload('CONNECTION_ADDED')),
      });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '30');
      assert.equal(((await res.json()) as { status: number }).status, 503);
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 503);
      const read = await fetch(`${url}/connections/snaptrade/x`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      assert.equal(read.status, 503);
    } finally {
      server.close();
      await pool.end();
    }
  });
});
