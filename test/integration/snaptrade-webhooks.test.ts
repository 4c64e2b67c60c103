import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectionStateQuery, userStateQuery } from '../../workflows/definitions.ts';
import { dumpAllTables } from '../support/database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { seedExamples, seedSecrets, snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

describe('POST /webhooks/snaptrade with the seed examples', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { SNAPTRADE_WEBHOOK_SECRET: seedSecrets.join(',') } });
  });
  after(() => stack.stop());

  test('every example payload of the reference is accepted and lands in its workflow and rows', async () => {
    for (const example of seedExamples) {
      const res = await stack.post('/webhooks/snaptrade', example);
      assert.equal(res.status, 200, `${example.eventType}: ${res.text}`);
      assert.equal(res.body.events, 1, `${example.eventType} journaled as a new event`);
    }

    const journal = await stack.db.pool.query(`SELECT event_id, workflow_id FROM webhook_journal ORDER BY id`);
    assert.equal(journal.rowCount, seedExamples.length);

    for (const example of seedExamples) {
      const connectionId = example.brokerageAuthorizationId as string | undefined;
      const eventId = `${example.eventType}:${example.webhookId}`;
      if (connectionId) {
        const row = await waitFor(async () => {
          const { rows } = await stack.db.pool.query(
            `SELECT e.outcome, c.user_id FROM connection_events e JOIN connections c USING (provider, connection_id)
             WHERE e.provider = 'snaptrade' AND e.event_id = $1`,
            [eventId],
          );
          return rows[0];
        }, `timeline row of ${example.eventType}`);
        assert.equal(row.user_id !== null, true);
        const view = await stack.client.workflow.getHandle(`connection:snaptrade:${connectionId}`).query(connectionStateQuery);
        assert.ok(view.recent.some((entry) => entry.eventId === eventId), `${example.eventType} is in the workflow's recent events`);
      } else {
        const userId = example.userId as string;
        const view = await waitFor(async () => {
          const state = await stack.client.workflow.getHandle(`user:snaptrade:${userId}`).query(userStateQuery);
          const landed = example.eventType === 'USER_REGISTERED' ? state.registeredAt !== null : state.attempts.length > 0;
          return landed ? state : undefined;
        }, `user workflow of ${example.eventType}`);
        assert.equal(view.userId, userId);
      }
    }

    const attempts = await stack.db.pool.query(`SELECT result, succeeded FROM connection_attempts ORDER BY result`);
    assert.deepEqual(attempts.rows, [
      { result: 'FAILED', succeeded: false },
      { result: 'SUCCESS', succeeded: true },
    ]);
    const registered = await stack.db.pool.query(`SELECT user_id FROM provider_users WHERE registered_at IS NOT NULL`);
    assert.deepEqual(registered.rows, [{ user_id: seedExamples[0]!.userId }]);

    const deleted = await stack.get(`/connections/snaptrade/${seedExamples.find((e) => e.eventType === 'CONNECTION_DELETED')!.brokerageAuthorizationId}`);
    assert.equal(deleted.status, 200);
    const trades = seedExamples.find((e) => e.eventType === 'TRADES_PLACED')!;
    const traded = await waitFor(async () => {
      const res = await stack.get(`/connections/snaptrade/${trades.brokerageAuthorizationId}`);
      return res.status === 200 && res.body;
    }, 'trades connection in the read API');
    assert.equal(traded.state, 'active');
    assert.equal(traded.brokerageId, trades.brokerageId);
    assert.deepEqual(traded.accounts.map((a: { accountId: string }) => a.accountId), [trades.accountId]);
  });
});

describe('POST /webhooks/snaptrade: authenticity, malformed input, duplicates', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  test('a bad or missing secret is 401 and leaves no row', async () => {
    const wrong = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { webhookSecret: 'nope' }));
    const missing = await stack.post('/webhooks/snaptrade', { ...snapTradePayload('CONNECTION_ADDED'), webhookSecret: undefined });
    assert.equal(wrong.status, 401);
    assert.equal(missing.status, 401);
    assert.equal(wrong.body.status, 401);
    const counts = await stack.db.pool.query(`SELECT (SELECT count(*) FROM webhook_journal) AS j, (SELECT count(*) FROM dead_letters) AS d`);
    assert.deepEqual(counts.rows[0], { j: '0', d: '0' });
  });

  test('not JSON is 400 with a problem body and a dead letter', async () => {
    const res = await stack.post('/webhooks/snaptrade', '{"eventType": "CONNECTION_ADDED", oops');
    assert.equal(res.status, 400);
    assert.match(res.text, /"title"/);
    assert.equal(res.body.status, 400);
    const rows = await stack.db.pool.query(`SELECT body, reason FROM dead_letters WHERE request_id = $1`, [res.body.requestId]);
    assert.equal(rows.rowCount, 1);
  });

  test('a payload failing its schema is 400, dead-lettered without its secret', async () => {
    const payload = snapTradePayload('CONNECTION_BROKEN');
    delete payload.brokerageAuthorizationId;
    const res = await stack.post('/webhooks/snaptrade', payload);
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /brokerageAuthorizationId/);
    const { rows } = await stack.db.pool.query(`SELECT body FROM dead_letters WHERE request_id = $1`, [res.body.requestId]);
    assert.equal(rows[0].body.eventType, 'CONNECTION_BROKEN');
    assert.equal('webhookSecret' in rows[0].body, false);
  });

  test('an unknown event type is 202 and journaled as ignored', async () => {
    const res = await stack.post('/webhooks/snaptrade', { ...snapTradePayload('USER_REGISTERED'), eventType: 'USER_DELETED' });
    assert.equal(res.status, 202);
    const { rows } = await stack.db.pool.query(`SELECT status, body FROM webhook_journal WHERE event_type = 'USER_DELETED'`);
    assert.equal(rows[0].status, 'ignored');
    assert.equal('webhookSecret' in rows[0].body, false);
  });

  test('a body over 1 MiB is 413', async () => {
    const res = await stack.post('/webhooks/snaptrade', { ...snapTradePayload('USER_REGISTERED'), padding: 'x'.repeat(1024 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(res.body.status, 413);
  });

  test('hostile bodies get 4xx, never 500', async () => {
    const nul = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { clientId: 'a\u0000b' }));
    assert.equal(nul.status, 200);
    const deep = await stack.post('/webhooks/snaptrade', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    assert.equal(deep.status, 401);
    const longId = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: 'x'.repeat(5000) }));
    assert.equal(longId.status, 400);
    const arrayBody = await stack.post('/webhooks/snaptrade', '[]');
    assert.equal(arrayBody.status, 401);
    const nullBody = await stack.post('/webhooks/snaptrade', 'null');
    assert.equal(nullBody.status, 401);
    const yearZero = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { eventTimestamp: '0000-01-01T00:00:00+01:00' }));
    assert.equal(yearZero.status, 400);
    const nulId = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: 'a\u0000b' }));
    assert.deepEqual([nulId.status, nulId.body.events, nulId.body.deadLettered], [200, 0, 1], 'kept for inspection, not routed');
    assert.equal((await stack.get('/connections/snaptrade/a%00b')).status, 400);
  });

  test('the same webhook ten times is applied once', async () => {
    const payload = snapTradePayload('CONNECTION_ADDED');
    const answers = [];
    for (let i = 0; i < 10; i += 1) answers.push(await stack.post('/webhooks/snaptrade', payload));
    assert.equal(answers[0]!.status, 200);
    assert.equal(answers[0]!.body.events, 1);
    for (const answer of answers.slice(1)) assert.deepEqual([answer.status, answer.body.duplicate], [200, true]);

    const id = payload.brokerageAuthorizationId as string;
    await waitFor(async () => (await stack.get(`/connections/snaptrade/${id}`)).status === 200, 'connection row');
    const events = await stack.db.pool.query(`SELECT count(*)::int AS n FROM connection_events WHERE connection_id = $1`, [id]);
    assert.equal(events.rows[0].n, 1);
    const view = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).query(connectionStateQuery);
    assert.equal(view.revision, 1);
  });

  test('the read API needs the bearer token and answers 404 for unknown connections', async () => {
    const noToken = await stack.get('/connections/snaptrade/whatever', {});
    assert.equal(noToken.status, 401);
    const unknown = await stack.get('/connections/snaptrade/does-not-exist');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.status, 404);
  });

  test('after every delivery above, accepted or refused, the secret is in no row and no log line', async () => {
    const tables = await dumpAllTables(stack.db.pool);
    assert.ok(tables.includes('CONNECTION_ADDED') && stack.logs.length > 0, 'the tables and logs hold what the tests sent');
    assert.ok(!tables.includes(TEST_SECRET), 'the webhook secret was stored');
    assert.ok(!stack.logs.join('').includes(TEST_SECRET), 'the webhook secret was logged');
  });
});
