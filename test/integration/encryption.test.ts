import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { runOpsCli } from '../../src/cli/ops-commands.ts';
import { userIdAttributeFrom } from '../../src/temporal/user-id-attribute.ts';
import { userIdKey } from '../../workflows/search-attributes.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const MARKER = `client-marker-${randomBytes(6).toString('hex')}`;
const ENCRYPTION_KEY = `old:${randomBytes(32).toString('base64')},new:${randomBytes(32).toString('base64')}`;

describe('payload encryption', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { TEMPORAL_ENCRYPTION_KEY: ENCRYPTION_KEY, TEMPORAL_UI_ORIGIN: UI_ORIGIN } });
  });
  after(() => stack.stop());

  test('history holds ciphertext; the codec endpoint gives authorized operators the plaintext', async () => {
    const id = 'conn-encrypted';
    const res = await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: id, clientId: MARKER }));
    assert.equal(res.status, 200);
    await waitFor(async () => (await stack.get(`/connections/snaptrade/${id}`)).status === 200, 'the connection row');

    const history = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).fetchHistory();
    const bytes = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    assert.equal(bytes.includes(MARKER), false, 'the event detail is not readable in history');
    const signal = history.events?.find((e) => e.workflowExecutionSignaledEventAttributes)?.workflowExecutionSignaledEventAttributes;
    const payload = signal?.input?.payloads?.[0];
    assert.equal(Buffer.from(payload?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
    assert.equal(Buffer.from(payload?.metadata?.['encryption-key-id'] ?? []).toString(), 'old', 'the first key encrypts');

    const document = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(payload!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(payload!.data!).toString('base64'),
        },
      ],
    };
    const decode = (headers: Record<string, string>) =>
      fetch(`${stack.receiver.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(document) });

    const anonymous = await decode({});
    assert.equal(anonymous.status, 401);
    const forged = await decode({ origin: UI_ORIGIN });
    assert.equal(forged.status, 401, 'outside the embedded dev stack the UI origin alone is not trusted');

    const decoded = await decode({ authorization: `Bearer ${API_TOKEN}`, 'x-namespace': 'default' });
    assert.equal(decoded.status, 200);
    const body = (await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    const plain = Buffer.from(body.payloads[0]!.data, 'base64').toString();
    assert.match(plain, new RegExp(MARKER));
    assert.equal(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');

    const query = await stack.client.workflow.getHandle(`connection:snaptrade:${id}`).query('state');
    assert.equal((query as { status: string }).status, 'active', 'the client decrypts what it reads');
  });

  test('the UI origin gets CORS headers for the codec endpoint', async () => {
    const preflight = await fetch(`${stack.receiver.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    const other = await fetch(`${stack.receiver.url}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('a user id (often an email) is published to search attributes only as a keyed hash; the API and ops CLI find workflows by it', async () => {
    const userId = `ada.${randomBytes(4).toString('hex')}@example.com`;
    const connectionId = `conn-${randomBytes(4).toString('hex')}`;
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('USER_REGISTERED', { userId }))).status, 200);
    assert.equal((await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { userId, brokerageAuthorizationId: connectionId }))).status, 200);
    const hashed = userIdAttributeFrom(ENCRYPTION_KEY).valueOf(userId);
    // The per-user workflow's id would name the user too: it carries the same keyed hash.
    const workflowIds = [`connection:snaptrade:${connectionId}`, `user:snaptrade:${hashed}`];

    for (const workflowId of workflowIds) {
      const attribute = await waitFor(async () => {
        const description = await stack.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
        return description?.typedSearchAttributes.get(userIdKey);
      }, `${workflowId} published its UserId`);
      assert.notEqual(attribute, userId);
      assert.equal(attribute?.includes('example.com'), false, 'no part of the address');
      assert.match(attribute ?? '', /^hmac-sha256:[A-Za-z0-9_-]{43}$/);
    }
    const byPlainId: string[] = [];
    for await (const execution of stack.client.workflow.list({ query: `UserId = "${userId}"` })) byPlainId.push(execution.workflowId);
    assert.deepEqual(byPlainId, [], 'the plain id finds nothing: it is not in the visibility store');
    for await (const execution of stack.client.workflow.list({ query: `TaskQueue = "${stack.config.TEMPORAL_TASK_QUEUE}"` })) {
      assert.equal(execution.workflowId.includes('example.com'), false, `${execution.workflowId} names no user`);
    }

    // A backend's attempt for that user lands on the same hashed workflow, and is found by its id.
    const started = await fetch(`${stack.receiver.url}/connections/attempts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'snaptrade', userId }),
    });
    assert.equal(started.status, 202);
    const attempt = (await started.json()) as { attemptId: string };
    const read = await stack.get(`/connections/attempts/${attempt.attemptId}`);
    assert.deepEqual([read.status, read.body.status, read.body.userId], [200, 'pending', userId]);

    const listed = await waitFor(async () => {
      const res = await stack.get(`/users/snaptrade/${encodeURIComponent(userId)}/workflows`);
      return res.status === 200 && res.body.workflows.length === 2 && res.body;
    }, 'the read API to find both workflows by the user id');
    assert.deepEqual(listed.workflows.map((w: { workflowId: string }) => w.workflowId).sort(), [...workflowIds].sort());
    assert.equal((await stack.get(`/users/snaptrade/${encodeURIComponent(userId)}/workflows`, {})).status, 401);

    const out: string[] = [];
    const env = {
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE,
      TEMPORAL_ENCRYPTION_KEY: ENCRYPTION_KEY,
    };
    const code = await runOpsCli(['workflows', 'of-user', 'snaptrade', userId], { env, out: (t) => out.push(t), err: (t) => out.push(t) });
    assert.equal(code, 0, out.join('\n'));
    for (const workflowId of workflowIds) assert.match(out.join('\n'), new RegExp(workflowId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(out.join('\n'), /UserId IN \("hmac-sha256:/, 'the query to paste into the Web UI');
  });
});
