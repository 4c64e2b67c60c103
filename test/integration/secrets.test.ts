import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { dumpAllTables } from '../support/database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const CONSUMER_KEY = 'test-consumer-key-do-not-leak-91b2';
const ROTATED_OUT = 'second-secret-in-rotation-do-not-leak';

describe('secrets never leave the door', () => {
  let stack: Stack;
  before(async () => {
    // Both schemes at once: the migration period before the body secret is retired.
    stack = await startStack({
      env: { SNAPTRADE_WEBHOOK_SECRET: `${ROTATED_OUT},${TEST_SECRET}`, SNAPTRADE_CONSUMER_KEY: CONSUMER_KEY, SNAPTRADE_REQUIRE_SIGNATURE: 'false' },
    });
  });
  after(() => stack.stop());

  test('no configured secret in workflow histories, logs or any table', async () => {
    const connectionId = 'conn-secrets';
    const userId = 'user-secrets';
    const common = { brokerageAuthorizationId: connectionId, userId };
    const accepted = [
      snapTradePayload('USER_REGISTERED', { userId }),
      snapTradePayload('CONNECTION_ATTEMPTED', { userId }),
      snapTradePayload('CONNECTION_ADDED', common),
      snapTradePayload('NEW_ACCOUNT_AVAILABLE', { ...common, webhookSecret: ROTATED_OUT }),
      snapTradePayload('CONNECTION_BROKEN', common),
    ];
    for (const payload of accepted) assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);

    const signedBody = JSON.stringify({ ...snapTradePayload('CONNECTION_FIXED', common), webhookSecret: undefined });
    const signature = createHmac('sha256', CONSUMER_KEY).update(signedBody).digest('base64');
    assert.equal((await stack.post('/webhooks/snaptrade', signedBody, { signature })).status, 200);

    // Secrets copied into other fields, and into bodies that are rejected or ignored.
    const sneaky = snapTradePayload('CONNECTION_UPDATED', { ...common, clientId: TEST_SECRET });
    assert.equal((await stack.post('/webhooks/snaptrade', sneaky)).status, 200);
    assert.equal((await stack.post('/webhooks/snaptrade', { ...snapTradePayload('USER_REGISTERED'), eventType: 'NEW_TYPE', note: CONSUMER_KEY })).status, 202);
    assert.equal((await stack.post('/webhooks/snaptrade', { ...snapTradePayload('CONNECTION_BROKEN'), brokerageAuthorizationId: 7 })).status, 400);
    assert.equal((await stack.post('/webhooks/snaptrade', `garbage ${TEST_SECRET} ${CONSUMER_KEY}`)).status, 400);
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { webhookSecret: `${TEST_SECRET}x` }))).status, 401);

    await waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM connection_events WHERE connection_id = $1`, [connectionId]);
      return rows[0].n === 5;
    }, 'all connection events persisted');

    const histories: Buffer[] = [];
    for await (const execution of stack.client.workflow.list({ query: `TaskQueue = "${stack.config.TEMPORAL_TASK_QUEUE}"` })) {
      const history = await stack.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      histories.push(Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish()));
    }
    const everything = {
      histories: Buffer.concat(histories),
      logs: Buffer.from(stack.logs.join('\n')),
      tables: Buffer.from(await dumpAllTables(stack.db.pool)),
    };

    // The search would find the secrets if they were there: the same places hold the ids next to them.
    assert.equal(histories.length, 2);
    assert.ok(everything.histories.includes(connectionId) && everything.tables.includes(connectionId));
    assert.ok(everything.logs.includes('webhook journaled'));
    for (const [where, bytes] of Object.entries(everything)) {
      for (const secret of [TEST_SECRET, ROTATED_OUT, CONSUMER_KEY, signature]) {
        assert.equal(bytes.includes(secret), false, `${secret} found in ${where}`);
      }
    }
  });
});
