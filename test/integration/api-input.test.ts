import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeAttemptId } from '../../src/client/attempt-id.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';

const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };

/** What a client sends into the HTTP API is bounded and checked first: a 400 (or 404), never a 500. */
describe('HTTP API input', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { CREDENTIALS_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}` } });
  });
  after(() => stack.stop());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.receiver.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, text, location: res.headers.get('location') };
  };
  const long = 'u'.repeat(10_000);

  test('a 10 KB userId on contact and credentials is 400', async () => {
    const contact = await call('PUT', `/users/snaptrade/${long}/contact`, { email: 'a@example.com' });
    assert.equal(contact.status, 400, contact.text);
    assert.match(contact.text, /params\.userId/);
    const credentials = await call('PUT', `/users/snaptrade/${long}/credentials`, { userSecret: 'secret' });
    assert.equal(credentials.status, 400, credentials.text);
    assert.equal((await call('GET', `/users/snaptrade/${long}/connections`)).status, 400);
    assert.equal((await call('GET', `/connections/snaptrade/${long}`)).status, 400);
    assert.equal((await call('POST', `/connections/snaptrade/${long}/refresh`)).status, 400);
    assert.equal((await call('PUT', `/users/${'p'.repeat(40)}/u1/contact`, {})).status, 400);
  });

  test('a lone surrogate or U+0000 in an attempt’s userId is 400, not a workflow id Temporal refuses or a dead Location', async () => {
    for (const userId of ['\ud83d', 'a\u0000b', 'x\udc00']) {
      const res = await call('POST', '/connections/attempts', { provider: 'snaptrade', userId });
      assert.equal(res.status, 400, `${JSON.stringify(userId)}: ${res.text}`);
    }
    const good = await call('POST', '/connections/attempts', { provider: 'snaptrade', userId: 'user-input-ok' });
    assert.equal(good.status, 202, good.text);
    assert.equal((await call('GET', good.location!)).status, 200, 'the Location answers');
  });

  test('a forged attempt id is 404 or 400, whatever it decodes to', async () => {
    for (const id of [encodeAttemptId('snaptrade', '\ud83d', 'x'), encodeAttemptId('snaptrade', 'a\u0000', 'x'), `${encodeAttemptId('snaptrade', 'u', 'x')}%ED%A0%80`, 'not-an-id', `${'a'.repeat(9000)}.b`]) {
      const res = await call('GET', `/connections/attempts/${id}?wait=1s`);
      assert.ok(res.status === 404 || res.status === 400, `${id}: ${res.status} ${res.text}`);
    }
    assert.equal((await call('GET', `/connections/attempts/${encodeAttemptId('snaptrade', 'u', 'x')}?wait=forever`)).status, 400);
  });
});
