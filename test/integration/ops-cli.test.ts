import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openAlert } from '../../src/alerts/alert-store.ts';
import { runOpsCli } from '../../src/cli/ops-commands.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

describe('npm run ops', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  async function ops(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOpsCli(argv, { env: { DATABASE_URL: stack.config.DATABASE_URL }, out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('lists connections by state and shows a timeline', async () => {
    await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_ADDED', { brokerageAuthorizationId: 'conn-ops-ok' }));
    await stack.post('/webhooks/snaptrade', snapTradePayload('CONNECTION_BROKEN', { brokerageAuthorizationId: 'conn-ops-broken' }));
    await waitFor(async () => (await stack.get('/connections/snaptrade/conn-ops-broken')).status === 200, 'rows');
    await waitFor(async () => (await stack.get('/connections/snaptrade/conn-ops-ok')).status === 200, 'rows');

    const broken = await ops('connections', 'list', '--state', 'broken');
    assert.equal(broken.code, 0);
    assert.match(broken.out, /conn-ops-broken/);
    assert.doesNotMatch(broken.out, /conn-ops-ok/);
    const timeline = await ops('connections', 'show', 'snaptrade', 'conn-ops-broken');
    assert.match(timeline.out, /connection\.broken\s+applied/);
  });

  test('lists dead letters, ignored webhooks and the journal backlog', async () => {
    await stack.post('/webhooks/snaptrade', { ...snapTradePayload('CONNECTION_BROKEN'), brokerageAuthorizationId: 12 });
    await stack.post('/webhooks/snaptrade', { ...snapTradePayload('USER_REGISTERED'), eventType: 'USER_CHANGED' });
    assert.match((await ops('dead-letters', 'list')).out, /brokerageAuthorizationId/);
    assert.match((await ops('ignored', 'list')).out, /USER_CHANGED/);
    await waitFor(async () => /^0 pending/.test((await ops('journal', 'backlog')).out), 'an empty backlog');
  });

  test('lists and resolves alerts', async () => {
    await openAlert(stack.db.pool, 'provider_outage', 'snaptrade:brokerage-x', 'too many breakages');
    const listed = await ops('alerts', 'list');
    const id = /^(\d+)\s+provider_outage/m.exec(listed.out)?.[1];
    assert.ok(id, listed.out);
    assert.equal((await ops('alerts', 'resolve', id)).code, 0);
    assert.doesNotMatch((await ops('alerts', 'list')).out, /provider_outage/);
    assert.match((await ops('alerts', 'list', '--all')).out, /provider_outage\s+snaptrade:brokerage-x\s+resolved/);
    assert.equal((await ops('alerts', 'resolve', id)).code, 2, 'resolving twice is a usage error');
  });

  test('bad usage exits 2 with the usage text; a missing DATABASE_URL is named', async () => {
    const unknown = await ops('connections', 'frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /usage: npm run ops/);
    assert.equal((await ops('connections', 'list', '--limit', 'lots')).code, 2);
    const noDb = await runOpsCli(['alerts', 'list'], { env: {}, out: () => undefined, err: (t) => assert.match(t, /DATABASE_URL/) });
    assert.equal(noDb, 2);
  });
});
