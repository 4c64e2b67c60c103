import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const MARKER = `client-marker-${randomBytes(6).toString('hex')}`;

describe('payload encryption', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      env: { TEMPORAL_ENCRYPTION_KEY: `old:${randomBytes(32).toString('base64')},new:${randomBytes(32).toString('base64')}`, TEMPORAL_UI_ORIGIN: UI_ORIGIN },
    });
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
});
