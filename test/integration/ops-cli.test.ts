import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openAlert } from '../../src/alerts/alert-store.ts';
import { runOpsCli } from '../../src/cli/ops-commands.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';
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
    // The receiver's environment, as an operator running the tool beside it has.
    const env = {
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
      PORT: '0',
      SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
      API_TOKEN,
    };
    const code = await runOpsCli(argv, { env, out: (t) => out.push(t), err: (t) => err.push(t) });
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

  test('replaying a dead-lettered event after fixing its cause applies it once', async () => {
    const payload = snapTradePayload('CONNECTION_BROKEN', { brokerageAuthorizationId: 'conn-replayed' });
    const { brokerageAuthorizationId: _lost, ...broken } = payload;
    const refused = await stack.post('/webhooks/snaptrade', broken);
    assert.equal(refused.status, 400);
    const { rows } = await stack.db.pool.query<{ id: string; body: Record<string, unknown> }>(`SELECT id, body FROM dead_letters WHERE request_id = $1`, [refused.body.requestId]);
    const deadLetter = rows[0]!;

    const asKept = await ops('dead-letters', 'replay', deadLetter.id);
    assert.equal(asKept.code, 1);
    assert.match(asKept.err, /not replayed: .*brokerageAuthorizationId/);

    const fixed = join(mkdtempSync(join(tmpdir(), 'replay-')), 'fixed.json');
    writeFileSync(fixed, JSON.stringify({ ...deadLetter.body, brokerageAuthorizationId: 'conn-replayed' }));
    const replayed = await ops('dead-letters', 'replay', deadLetter.id, '--body', fixed);
    assert.equal(replayed.code, 0, replayed.err);
    assert.match(replayed.out, /journaled 1 event/);
    await waitFor(async () => (await stack.get('/connections/snaptrade/conn-replayed')).body?.state === 'broken', 'the sweeper to deliver it');

    const again = await ops('dead-letters', 'replay', deadLetter.id, '--body', fixed);
    assert.equal(again.code, 1);
    assert.match(again.err, /was replayed at/);
    const timeline = await stack.db.pool.query(`SELECT count(*)::int AS n FROM connection_events WHERE connection_id = 'conn-replayed'`);
    assert.equal(timeline.rows[0].n, 1);
    const listed = (await ops('dead-letters', 'list')).out.split('\n').find((line) => line.startsWith(`${deadLetter.id} `));
    const replayedAt = listed?.split(/\s+/)[3];
    assert.match(replayedAt ?? '', /^\d{4}-\d{2}-\d{2}T/, 'the list shows when it was replayed');
  });

  test('a body that was never authenticated needs --force; an ignored type stays ignored until understood', async () => {
    const garbage = await stack.post('/webhooks/snaptrade', 'not json at all');
    const { rows } = await stack.db.pool.query<{ id: string }>(`SELECT id FROM dead_letters WHERE request_id = $1`, [garbage.body.requestId]);
    const refused = await ops('dead-letters', 'replay', rows[0]!.id);
    assert.match(refused.err, /never authenticated/);
    const forced = await ops('dead-letters', 'replay', rows[0]!.id, '--force');
    assert.equal(forced.code, 1, 'forced, it is still not a webhook');

    await stack.post('/webhooks/snaptrade', { ...snapTradePayload('USER_REGISTERED'), eventType: 'USER_RENAMED' });
    const ignored = await stack.db.pool.query<{ id: string }>(`SELECT id FROM webhook_journal WHERE event_type = 'USER_RENAMED'`);
    const replay = await ops('ignored', 'replay', ignored.rows[0]!.id);
    assert.equal(replay.code, 1);
    assert.match(replay.err, /still does not orchestrate/);
    assert.equal((await stack.db.pool.query(`SELECT 1 FROM webhook_journal WHERE event_type = 'USER_RENAMED'`)).rowCount, 1, 'left as it was');
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
