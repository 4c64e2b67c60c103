import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ConnectionEvent } from '../../src/domain/connection-event.ts';
import { journalDelivery } from '../../src/db/journal.ts';
import { createLogger } from '../../src/logger.ts';
import { createDispatcher } from '../../src/temporal/dispatcher.ts';
import { connectionWorkflowId } from '../../src/temporal/workflow-ids.ts';
import { userIdAttributeFrom } from '../../src/temporal/user-id-attribute.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { newUpvestKey, signDelivery, upvestEvent, upvestPackage, type UpvestKey } from '../support/upvest.ts';
import { waitFor } from '../support/wait.ts';

const EVENTS = 5000;
const PER_PACKAGE = 500;

describe('a long backlog for one connection', () => {
  let stack: Stack;
  let key: UpvestKey;

  before(async () => {
    key = newUpvestKey();
    // The sweeper only for what the immediate dispatch could not do: each event is signalled once.
    stack = await startStack({ env: { UPVEST_WEBHOOK_JWKS: JSON.stringify({ keys: [key.jwk] }), SWEEP_GRACE: '2m' } });
  });
  after(() => stack.stop());
  const timelineLength = async (connectionId: string) =>
    Number((await stack.db.pool.query(`SELECT count(*) FROM connection_events WHERE connection_id = $1`, [connectionId])).rows[0].count);

  test('a package of 300 events for one connection reaches its workflow in a few signals, not one per event', async () => {
    const accountId = randomUUID();
    const userId = randomUUID();
    const events = Array.from({ length: 300 }, () => upvestEvent('ORDER.FILLED', { id: randomUUID(), account_id: accountId, user_id: userId, status: 'FILLED' }));
    const body = upvestPackage(events);
    const res = await stack.post('/webhooks/upvest', body, signDelivery(body, key));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.events, 300);

    await waitFor(
      async () => (await timelineLength(accountId)) === 300,
      'every event in the timeline',
      60_000,
    );
    const history = await stack.client.workflow.getHandle(connectionWorkflowId('upvest', accountId)).fetchHistory();
    assert.equal(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? '', '', 'every signal is in this one run');
    const signalled = (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes);
    // Up to 100 events go in one signal; one signal per event would cost 300 history events and
    // as many RPCs to the server.
    assert.ok(signalled.length <= 4, `${signalled.length} signals for 300 events`);
  });

  test('40 journaled events of one connection that the sweeper finds go in one signal', async () => {
    const { pool } = stack.db;
    const connectionId = randomUUID();
    const events: ConnectionEvent[] = Array.from({ length: 40 }, (_, i) => ({
      provider: 'snaptrade',
      eventId: `swept-${connectionId}-${i}`,
      type: 'connection.updated',
      occurredAt: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString().replace('Z', '000Z'),
      userId: `user-${connectionId}`,
      connectionId,
      detail: {},
    }));
    // Journaled as a receiver that crashed before dispatching would have left them; this stack's own
    // sweeper waits 2 minutes, so only the dispatcher below finds them.
    await journalDelivery(pool, 'snaptrade', events.map((event) => ({ kind: 'event', event })), 'swept');
    const dispatcher = createDispatcher({
      client: stack.client,
      pool,
      logger: createLogger('silent'),
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowEventsPerRun: stack.config.WORKFLOW_EVENTS_PER_RUN,
      userIdAttribute: userIdAttributeFrom(undefined),
      sweepIntervalMs: 60_000,
      sweepGraceMs: 0,
    });
    assert.equal(await dispatcher.sweepOnce(), 40);
    await dispatcher.stop();

    await waitFor(
      async () => (await timelineLength(connectionId)) === 40,
      'every swept event in the timeline',
      60_000,
    );
    const history = await stack.client.workflow.getHandle(connectionWorkflowId('snaptrade', connectionId)).fetchHistory();
    const signalled = (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes);
    assert.equal(signalled.length, 1, `${signalled.length} signals for the 40 swept events`);
  });

  test('5,000 events queued while persistence fails are each applied once after recovery, and no run fails', { timeout: 900_000 }, async () => {
    const { pool } = stack.db;
    const userId = randomUUID();
    const accountId = randomUUID();
    const workflowId = `connection:upvest:${accountId}`;

    // The connection's writes fail, as they would with the worker cut off from Postgres.
    await pool.query(`CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'connections cannot be written'; END $$`);
    await pool.query(`CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE ON connections FOR EACH ROW EXECUTE FUNCTION refuse_writes()`);

    // Long ids, as Upvest may send (up to 256 characters): the queue is well over Temporal's 2 MB payload limit.
    const pad = 'x'.repeat(180);
    const ids: string[] = [];
    for (let sent = 0; sent < EVENTS; sent += PER_PACKAGE) {
      const events = Array.from({ length: PER_PACKAGE }, () => ({
        ...upvestEvent('ORDER.FILLED', { id: `${randomUUID()}-${pad}`, account_id: accountId, user_id: userId, status: 'FILLED' }),
        id: `${randomUUID()}-${pad}`,
      }));
      ids.push(...events.map((event) => event.id));
      const body = upvestPackage(events);
      const res = await stack.post('/webhooks/upvest', body, signDelivery(body, key));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.events, PER_PACKAGE);
    }

    await waitFor(
      async () => Number((await pool.query(`SELECT count(*) FROM webhook_journal WHERE workflow_id = $1 AND status = 'dispatched'`, [workflowId])).rows[0].count) === EVENTS,
      'every event signalled to the stuck workflow',
      480_000,
    );
    assert.equal(await timelineLength(accountId), 0);

    await pool.query(`DROP TRIGGER refuse_writes ON connections`);

    await waitFor(
      async () => (await timelineLength(accountId)) === EVENTS,
      'every event in the timeline',
      600_000,
    );
    const applied = stack.logs.filter((line) => line.includes('"connection event applied"') && line.includes(accountId)).map((line) => JSON.parse(line).eventId as string);
    assert.equal(applied.length, EVENTS, 'each event applied once, none twice');
    assert.deepEqual(new Set(applied), new Set(ids));
    assert.equal(Number((await pool.query(`SELECT count(*) FROM workflow_backlog WHERE workflow_id = $1 AND taken_by IS NULL`, [workflowId])).rows[0].count), 0);

    const runs: string[] = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.status.name);
    assert.ok(runs.length > 1, `continued as new: ${runs.join(', ')}`);
    assert.deepEqual(
      runs.filter((status) => status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW'),
      [],
      'no failed, terminated or timed-out run',
    );
  });
});
