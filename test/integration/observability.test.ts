import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

describe('observability: metrics and logs', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  const scrape = async () => {
    const res = await fetch(`${stack.receiver.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return res.text();
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : undefined;
  };

  test('reflects a webhook just sent: its outcome, its latency, and the connection it made', async () => {
    const before = await scrape();
    assert.equal(value(before, 'webhooks_received_total{provider="snaptrade",outcome="accepted"}'), undefined);

    const payload = snapTradePayload('CONNECTION_BROKEN', { brokerageAuthorizationId: 'conn-metrics' });
    assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
    assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
    assert.equal((await stack.post('/webhooks/snaptrade', { ...payload, webhookSecret: 'wrong' })).status, 401);
    await waitFor(async () => (await stack.get('/connections/snaptrade/conn-metrics')).status === 200, 'the connection row');

    const after = await scrape();
    assert.equal(value(after, 'webhooks_received_total{provider="snaptrade",outcome="accepted"}'), 1);
    assert.equal(value(after, 'webhooks_received_total{provider="snaptrade",outcome="duplicate"}'), 1);
    assert.equal(value(after, 'webhooks_received_total{provider="snaptrade",outcome="status_401"}'), 1);
    assert.equal(value(after, 'webhook_ack_seconds_count{provider="snaptrade"}'), 3);
    assert.equal(value(after, 'connections{provider="snaptrade",state="broken"}'), 1);
    assert.equal(value(after, 'connections_broken_by_brokerage{provider="snaptrade",brokerage="unknown"}'), 1);
    const lastReceived = value(after, 'webhook_last_received_timestamp_seconds{provider="snaptrade"}')!;
    assert.ok(Math.abs(lastReceived - Date.now() / 1000) < 60, 'the last authentic delivery is stamped');
    assert.equal(value(after, 'journal_backlog'), 0);
    assert.equal(value(after, 'journal_dispatch_lag_seconds'), 0);
  });

  test('one request id follows an event from receipt to the activity that applied it', async () => {
    const requestId = 'trace-7f1c2d';
    const res = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: 'conn-traced' }), { 'x-request-id': requestId });
    assert.equal(res.status, 200);
    const lines = await waitFor(async () => {
      const mine = stack.logs.map((line) => JSON.parse(line) as { requestId?: string; msg: string }).filter((entry) => entry.requestId === requestId);
      return mine.some((entry) => entry.msg === 'connection event applied') && mine;
    }, 'the activity log line');
    assert.deepEqual(lines.map((entry) => entry.msg), ['webhook journaled', 'connection event applied']);
    const { rows } = await stack.db.pool.query(`SELECT request_id FROM webhook_journal WHERE event_id LIKE 'CONNECTION_ADDED:%' AND workflow_id = 'connection:snaptrade:conn-traced'`);
    assert.deepEqual(rows, [{ request_id: requestId }]);
  });
});
