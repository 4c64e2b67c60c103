import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload, type Payload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';
import type { ConnectionEvent } from '../../src/domain/connection-event.ts';
import { connectionEventsSignal } from '../../workflows/definitions.ts';

const { temporal } = proto;
const at = (second: number) => `2024-03-01T10:00:${String(second).padStart(2, '0')}.000000+00:00`;

describe('deliveries and events handled together', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  const journaled = async (eventId: string) =>
    (await stack.db.pool.query(`SELECT count(*)::int AS n FROM webhook_journal WHERE event_id = $1`, [eventId])).rows[0].n as number;

  test('concurrent deliveries share a commit: each 200 means its row is committed, a redelivery among them is one row', async () => {
    const payloads = Array.from({ length: 40 }, (_, i) => snapTradePayload('CONNECTION_UPDATED', { brokerageAuthorizationId: `conn-group-${i}`, userId: 'user-group' }));
    const redelivered = payloads[0]!;
    const answers = await Promise.all(
      [...payloads, redelivered, redelivered].map(async (payload) => {
        const res = await stack.post('/webhooks/snaptrade', payload);
        // Read at once, on another connection: the ack must not run ahead of the commit.
        return { res, rows: await journaled(`CONNECTION_UPDATED:${String(payload.webhookId)}`) };
      }),
    );
    for (const { res, rows } of answers) {
      assert.equal(res.status, 200, res.text);
      assert.equal(rows, 1);
    }
    const fresh = answers.filter(({ res }) => res.body.events === 1).length;
    const duplicates = answers.filter(({ res }) => res.body.duplicate === true).length;
    assert.equal(fresh, 40);
    assert.equal(duplicates, 2);
  });

  test('a burst to one connection is applied in a few passes, every event in the timeline, the state as the newest events say', async () => {
    const id = 'conn-burst';
    const event = (eventType: string, second: number, extra: Payload = {}) =>
      snapTradePayload(eventType, { brokerageAuthorizationId: id, userId: 'user-burst', eventTimestamp: at(second), ...extra });
    const deliveries = [event('CONNECTION_ADDED', 1, { brokerageId: 'brokerage-burst' })];
    for (let second = 2; second < 30; second += 1) {
      deliveries.push(event(second % 2 === 0 ? 'CONNECTION_BROKEN' : 'ACCOUNT_TRANSACTIONS_UPDATED', second, { accountId: `account-${second % 3}` }));
    }
    deliveries.push(event('CONNECTION_FIXED', 40));
    await Promise.all(deliveries.map(async (payload) => assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200)));

    const applied = await waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM connection_events WHERE connection_id = $1`, [id]);
      return rows[0].n === deliveries.length && rows[0].n;
    }, 'every event in the timeline');
    assert.equal(applied, deliveries.length);
    const { rows } = await stack.db.pool.query(`SELECT state, brokerage_id FROM connections WHERE connection_id = $1`, [id]);
    assert.deepEqual(rows[0], { state: 'active', brokerage_id: 'brokerage-burst' });
    const accounts = await stack.db.pool.query(`SELECT account_id FROM accounts WHERE connection_id = $1 ORDER BY account_id`, [id]);
    assert.deepEqual(accounts.rows.map((r) => r.account_id), ['account-0', 'account-1', 'account-2']);

    const history = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).fetchHistory();
    const stores = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
    // One marker per run start (the stored state and the settings), then one per pass.
    assert.ok(stores - 1 < deliveries.length, `${stores} local activities for ${deliveries.length} events`);
    assert.equal((history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length, 0, 'no regular activity for storage');
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, `connection:snaptrade:${id}`);
  });

  const historyOf = async (connectionId: string) => (await stack.client.workflow.getHandle(`connection:snaptrade:${connectionId}`).fetchHistory()).events ?? [];
  const changeVersionUpserts = (events: proto.temporal.api.history.v1.IHistoryEvent[]) =>
    events.filter((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).includes('TemporalChangeVersion')).length;
  const markers = (events: proto.temporal.api.history.v1.IHistoryEvent[], name: string) => events.filter((e) => e.markerRecordedEventAttributes?.markerName === name).length;
  const rowFor = (connectionId: string) =>
    waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT state FROM connections WHERE connection_id = $1`, [connectionId]);
      return rows[0]?.state as string | undefined;
    }, `the connection row of ${connectionId}`);

  test('a new connection started by the dispatcher asks no patch: no patch marker, no change-version upsert, one local activity to start and one to store', async () => {
    const id = 'conn-fresh-run';
    const res = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id, userId: 'user-fresh', brokerageId: 'brokerage-fresh' }));
    assert.equal(res.status, 200, res.text);
    assert.equal(await rowFor(id), 'active');
    const events = await historyOf(id);
    assert.equal(markers(events, 'core_patch'), 0);
    assert.equal(changeVersionUpserts(events), 0);
    assert.equal(markers(events, 'core_local_activity'), 2);
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, { events }, `connection:snaptrade:${id}`);
  });

  test('search attributes and memo are upserted when they change, not on every event', async () => {
    const id = 'conn-publish';
    const deliver = async (eventType: string, second: number) => {
      const payload = snapTradePayload(eventType, { brokerageAuthorizationId: id, userId: 'user-publish', brokerageId: 'brokerage-publish', eventTimestamp: at(second) });
      assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
      await waitFor(async () => {
        const { rows } = await stack.db.pool.query(`SELECT 1 FROM connection_events WHERE event_id = $1`, [`${eventType}:${String(payload.webhookId)}`]);
        return rows.length === 1;
      }, `${eventType} applied`);
    };
    const published = async () => {
      const events = await historyOf(id);
      return {
        attributes: events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
        memo: events.filter((e) => e.workflowPropertiesModifiedEventAttributes).length,
      };
    };
    await deliver('CONNECTION_ADDED', 1);
    assert.deepEqual(await published(), { attributes: 1, memo: 1 });
    await deliver('CONNECTION_UPDATED', 2);
    await deliver('CONNECTION_UPDATED', 3);
    assert.deepEqual(await published(), { attributes: 1, memo: 1 }, 'nothing an operator filters by or reads changed');
    await deliver('CONNECTION_BROKEN', 4);
    assert.deepEqual(await published(), { attributes: 2, memo: 2 });
    const described = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).describe();
    assert.equal(described.searchAttributes.ConnectionState?.[0], 'broken');
    assert.match(String(described.memo?.summary), /^snaptrade\/brokerage-publish · broken · /);
  });

  test('a run started as the dispatcher started them before (no startedPatched) records its patches and replays on this code', async () => {
    const id = 'conn-patched-run';
    const event: ConnectionEvent = {
      provider: 'snaptrade',
      eventId: `CONNECTION_ADDED:${id}`,
      type: 'connection.added',
      occurredAt: '2024-03-01T10:00:00.000000Z',
      userId: 'user-patched',
      connectionId: id,
      brokerageId: 'brokerage-patched',
      detail: {},
    };
    await stack.client.workflow.signalWithStart('connectionWorkflow', {
      workflowId: `connection:snaptrade:${id}`,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      args: [{ provider: 'snaptrade', connectionId: id, maxEventsPerRun: 500, userIdAttribute: 'user-patched' }],
      signal: connectionEventsSignal,
      signalArgs: [[event]],
    });
    assert.equal(await rowFor(id), 'active');
    const events = await historyOf(id);
    assert.equal(markers(events, 'core_patch'), 2, 'batched-apply and publish-on-change');
    assert.ok(changeVersionUpserts(events) >= 1);
    assert.equal(markers(events, 'core_local_activity'), 3, 'the stored state, the settings, the store');
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, { events }, `connection:snaptrade:${id}`);
  });

  test('a history recorded before publish-on-change (memo and search attributes on every event) replays on this code', async () => {
    const bytes = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'connection-history-before-publish-on-change.bin'));
    const history = temporal.api.history.v1.History.decode(bytes);
    assert.equal((history.events ?? []).filter((e) => e.workflowPropertiesModifiedEventAttributes).length, 5, 'one memo upsert per event, as that code did');
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, 'connection:snaptrade:conn-before-publish-on-change');
  });

  test('a history recorded before local-prompt-gate (the gate asked by a regular activity) replays on this code', async () => {
    const bytes = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'connection-history-before-local-prompt-gate.bin'));
    const history = temporal.api.history.v1.History.decode(bytes);
    assert.ok((history.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkPromptGate'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, 'connection:snaptrade:conn-before-local-prompt-gate-2');
  });

  test('a history recorded by the per-event workflow (before batched apply) replays on this code', async () => {
    const bytes = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'connection-history-before-batching.bin'));
    const history = temporal.api.history.v1.History.decode(bytes);
    assert.ok((history.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'persistConnectionEvent'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, 'connection:snaptrade:conn-before-batching');
  });
});
