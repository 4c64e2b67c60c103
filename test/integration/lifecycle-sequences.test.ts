import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { connectionStateQuery } from '../../workflows/definitions.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload, type Payload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const at = (minute: number) => `2024-03-01T10:${String(minute).padStart(2, '0')}:00.000000+00:00`;

describe('connection lifecycles over real Temporal and Postgres', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { WORKFLOW_EVENTS_PER_RUN: '3' } });
  });
  after(() => stack.stop());

  function connectionEvent(eventType: string, connectionId: string, minute: number, extra: Payload = {}): Payload {
    return snapTradePayload(eventType, { brokerageAuthorizationId: connectionId, userId: 'user-seq', eventTimestamp: at(minute), ...extra });
  }
  async function send(...payloads: Payload[]): Promise<void> {
    for (const payload of payloads) {
      const res = await stack.post('/webhooks/snaptrade', payload);
      assert.equal(res.status, 200, res.text);
    }
  }
  const row = async (connectionId: string) =>
    (await stack.db.pool.query(`SELECT state, revision FROM connections WHERE provider = 'snaptrade' AND connection_id = $1`, [connectionId])).rows[0];
  const outcomes = async (connectionId: string) =>
    (
      await stack.db.pool.query(
        `SELECT event_type, outcome FROM connection_events WHERE connection_id = $1 ORDER BY occurred_at`,
        [connectionId],
      )
    ).rows.map((r) => `${r.event_type}:${r.outcome}`);
  const workflowStatus = async (connectionId: string) =>
    (await stack.client.workflow.getHandle(`connection:snaptrade:${connectionId}`).describe()).status.name as WorkflowExecutionStatusName;

  test('added → broken → fixed → deleted ends deleted, and the workflow completes', async () => {
    const id = 'conn-sequence';
    // One after the other, as a connection lives: concurrent deliveries may arrive in any order,
    // and a deletion that overtakes the fix would (rightly) leave the fix recorded after it.
    const lifecycle = ['CONNECTION_ADDED', 'CONNECTION_BROKEN', 'CONNECTION_FIXED', 'CONNECTION_DELETED'];
    for (const [minute, eventType] of lifecycle.entries()) {
      await send(connectionEvent(eventType, id, minute + 1));
      await waitFor(async () => (await outcomes(id)).length === minute + 1, `${eventType} applied`);
    }
    await waitFor(async () => (await workflowStatus(id)) === 'COMPLETED', 'workflow completion');
    assert.equal((await row(id)).state, 'deleted');
    assert.deepEqual(await outcomes(id), [
      'connection.added:applied',
      'connection.broken:applied',
      'connection.fixed:applied',
      'connection.deleted:applied',
    ]);
    const result = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).result();
    assert.equal(result.status, 'deleted');

    // The workflow code replays its own history: nothing in it is non-deterministic.
    const history = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } }, history, `connection:snaptrade:${id}`);
  });

  test('fixed delivered before an older broken ends active', async () => {
    const id = 'conn-out-of-order';
    const deliveries = [connectionEvent('CONNECTION_ADDED', id, 1), connectionEvent('CONNECTION_FIXED', id, 3), connectionEvent('CONNECTION_BROKEN', id, 2)];
    for (const [i, payload] of deliveries.entries()) {
      await send(payload);
      await waitFor(async () => (await outcomes(id)).length === i + 1, 'the delivery applied before the next arrives');
    }
    assert.equal((await row(id)).state, 'active');
    assert.deepEqual(await outcomes(id), ['connection.added:applied', 'connection.broken:stale', 'connection.fixed:applied']);
    const view = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).query(connectionStateQuery);
    assert.equal(view.status, 'active');
  });

  test('a late event after deletion, once the workflow has closed, leaves it deleted', async () => {
    const id = 'conn-late';
    await send(connectionEvent('CONNECTION_ADDED', id, 1), connectionEvent('CONNECTION_DELETED', id, 5));
    await waitFor(async () => (await workflowStatus(id)) === 'COMPLETED', 'first run completed');
    await send(connectionEvent('CONNECTION_FIXED', id, 9), connectionEvent('NEW_ACCOUNT_AVAILABLE', id, 10, { accountId: 'acct-late' }));
    await waitFor(async () => (await outcomes(id)).length === 4, 'late events recorded');
    assert.deepEqual((await outcomes(id)).slice(2), ['connection.fixed:after_deletion', 'account.added:after_deletion']);
    assert.equal((await row(id)).state, 'deleted');
    const accounts = await stack.db.pool.query(`SELECT * FROM accounts WHERE connection_id = $1`, [id]);
    assert.equal(accounts.rowCount, 0);
    await waitFor(async () => (await workflowStatus(id)) === 'COMPLETED', 'late run completed');
  });

  test('a long-lived connection continues as new without losing events or its dedup window', async () => {
    const id = 'conn-long';
    const events = [connectionEvent('CONNECTION_ADDED', id, 0)];
    for (let i = 1; i <= 7; i += 1) events.push(connectionEvent('ACCOUNT_TRANSACTIONS_UPDATED', id, i, { accountId: `acct-${i % 2}` }));
    await send(...events);
    await waitFor(async () => (await row(id))?.revision === 8, 'all eight events applied');
    const handle = stack.client.workflow.getHandle(`connection:snaptrade:${id}`);
    const runs = [];
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = "connection:snaptrade:${id}"` })) runs.push(execution.runId);
    assert.ok(runs.length >= 3, `expected several runs of three events each, saw ${runs.length}`);

    // A redelivery that slips past the journal (the sweeper racing the immediate dispatch) is still a no-op.
    const { rows } = await stack.db.pool.query(`SELECT event FROM webhook_journal WHERE workflow_id = $1 ORDER BY id LIMIT 1`, [`connection:snaptrade:${id}`]);
    await handle.signal('connectionEvent', rows[0].event);
    await handle.signal('connectionEvent', { ...rows[0].event, eventId: 'fresh-after-continue', type: 'connection.broken', occurredAt: '2024-03-01T11:00:00.000000Z' });
    await waitFor(async () => (await row(id)).state === 'broken', 'the fresh event applied');
    assert.equal((await row(id)).revision, 9);
    const accounts = await stack.get(`/connections/snaptrade/${id}`);
    assert.deepEqual(accounts.body.accounts.map((a: { accountId: string }) => a.accountId), ['acct-0', 'acct-1']);
  });

  test('operators can filter workflows by ConnectionState and BrokerageId, and read a one-line memo', async () => {
    const id = 'conn-filter';
    await send(connectionEvent('CONNECTION_ADDED', id, 1, { brokerageId: 'brokerage-filter' }), connectionEvent('CONNECTION_BROKEN', id, 2));
    const found = await waitFor(async () => {
      const ids: string[] = [];
      const query = `ConnectionState = "broken" AND Provider = "snaptrade" AND BrokerageId = "brokerage-filter"`;
      for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
      return ids.includes(`connection:snaptrade:${id}`) && ids;
    }, 'visibility to show the broken connection');
    assert.deepEqual(found, [`connection:snaptrade:${id}`]);
    const described = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).describe();
    assert.match(String(described.memo?.summary), /^snaptrade\/brokerage-filter · broken · 0 re-auth prompt\(s\) sent · 0 accounts$/);
  });
});
