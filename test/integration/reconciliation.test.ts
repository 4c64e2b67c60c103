import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { runOpsCli } from '../../src/cli/ops-commands.ts';
import { createLogger } from '../../src/logger.ts';
import { reconcileScheduleId } from '../../src/temporal/reconcile-schedules.ts';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { snapTradeSdkEnv, startFakeSnapTrade, startFakeVezgo, type FakeSnapTrade, type FakeVezgo } from '../support/fake-providers.ts';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { signedSnapTrade, snapTradePayload } from '../support/snaptrade.ts';
import { API_TOKEN, startStack, startTestWorker, type Stack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const headers = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
const CONSUMER_KEY = 'consumer-key-reconcile';
const GRACE_MS = 8_000;
const MAX_RPS = 5;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

interface RunRow {
  id: string;
  status: string;
  users_checked: number;
  users_failed: number;
  corrections: Record<string, number>;
}

describe('reconciliation against the providers\u2019 APIs', () => {
  let stack: Stack;
  let snaptrade: FakeSnapTrade;
  let vezgo: FakeVezgo;
  let app: AppBackend;
  let opsChat: RecordingServer;

  before(async () => {
    [snaptrade, vezgo, app, opsChat] = await Promise.all([startFakeSnapTrade(), startFakeVezgo(), startAppBackend(), startRecordingServer()]);
    stack = await startStack({
      env: {
        ...snapTradeSdkEnv(snaptrade, CONSUMER_KEY),
        VEZGO_CLIENT_ID: 'vezgo-client-reconcile',
        VEZGO_CLIENT_SECRET: 'vezgo-secret-reconcile',
        VEZGO_API_URL: `${vezgo.url}/v1`,
        VEZGO_ALLOWED_IPS: '127.0.0.1,::1',
        ...app.env,
        OPS_ALERT_WEBHOOK_URL: opsChat.url,
        REAUTH_GRACE: `${GRACE_MS}ms`,
        QUIET_HOURS: 'off',
        RECONCILE_INTERVAL: '1h',
        RECONCILE_MAX_RPS: String(MAX_RPS),
        RECONCILE_PAGE_SIZE: '4',
      },
    });
  });
  after(async () => {
    for (const provider of ['snaptrade', 'vezgo']) await stack.client.schedule.getHandle(reconcileScheduleId(provider)).delete().catch(() => undefined);
    await stack.stop();
    await Promise.all([snaptrade.close(), vezgo.close(), app.server.close(), opsChat.close()]);
  });

  async function ops(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { DATABASE_URL: stack.config.DATABASE_URL, TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE };
    const code = await runOpsCli(argv, { env, out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** `npm run ops -- reconcile now --provider P`, then the run it started, once completed. */
  async function reconcile(provider: 'snaptrade' | 'vezgo'): Promise<RunRow> {
    const before = await stack.db.pool.query<{ id: string | null }>(`SELECT max(id) AS id FROM reconciliation_runs WHERE provider = $1`, [provider]);
    const now = await ops('reconcile', 'now', '--provider', provider);
    assert.equal(now.code, 0, now.err);
    return waitFor(async () => {
      const { rows } = await stack.db.pool.query<RunRow>(
        `SELECT id, status, users_checked, users_failed, corrections FROM reconciliation_runs
         WHERE provider = $1 AND id > coalesce($2::bigint, 0) AND status = 'completed' ORDER BY id LIMIT 1`,
        [provider, before.rows[0]!.id],
      );
      return rows[0];
    }, `a completed ${provider} run`, 60_000);
  }

  async function registerSnapTradeUser(userId: string): Promise<void> {
    const res = await fetch(`${stack.receiver.url}/users/snaptrade/${userId}/credentials`, { method: 'PUT', headers, body: JSON.stringify({ userSecret: `secret-${userId}` }) });
    assert.equal(res.status, 204);
  }

  async function webhook(eventType: string, userId: string, connectionId: string, eventTimestamp: string, brokerageId = 'brokerage-alpaca'): Promise<void> {
    const delivery = signedSnapTrade(snapTradePayload(eventType, { userId, brokerageAuthorizationId: connectionId, brokerageId, eventTimestamp }), CONSUMER_KEY);
    const res = await stack.post('/webhooks/snaptrade', delivery.body, delivery.headers);
    assert.equal(res.status, 200);
  }

  const connection = async (provider: string, connectionId: string) => (await stack.get(`/connections/${provider}/${connectionId}`)).body;
  const stateOf = async (connectionId: string, provider = 'snaptrade') => (await connection(provider, connectionId))?.state as string | undefined;
  const until = (connectionId: string, state: string, provider = 'snaptrade') =>
    waitFor(async () => (await stateOf(connectionId, provider)) === state, `${connectionId} ${state}`);
  const notified = (connectionId: string) => app.notifications(connectionId).map((n) => n.type);

  test('the schedule exists after the worker starts; a second start updates it, no duplicate', async () => {
    const ids = async () => {
      const found: string[] = [];
      for await (const schedule of stack.client.schedule.list()) if (schedule.scheduleId.startsWith('reconcile:')) found.push(schedule.scheduleId);
      return found.sort();
    };
    const snapshot = await stack.client.schedule.getHandle('reconcile:snaptrade').describe();
    assert.equal(snapshot.action.type === 'startWorkflow' && snapshot.action.taskQueue, stack.config.TEMPORAL_TASK_QUEUE);
    assert.equal(snapshot.action.type === 'startWorkflow' && snapshot.action.workflowType, 'reconciliationWorkflow');
    assert.equal(snapshot.spec.intervals?.[0]?.every, 3_600_000);
    await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(['reconcile:snaptrade', 'reconcile:vezgo']), 'both schedules listed');

    const second = await startTestWorker({ ...stack.config, RECONCILE_INTERVAL: 7_200_000 }, stack.db, createLogger('silent'));
    try {
      const updated = await stack.client.schedule.getHandle('reconcile:snaptrade').describe();
      assert.equal(updated.spec.intervals?.[0]?.every, 7_200_000);
      await waitFor(async () => {
        const listed = await ids();
        return JSON.stringify(listed) === JSON.stringify(['reconcile:snaptrade', 'reconcile:vezgo']) && listed;
      }, 'still one schedule per provider');
    } finally {
      await second.shutdown();
    }
  });

  test('a BROKEN webhook that never arrived: broken after one run, the user prompted after the grace; the late webhook is a no-op in effect', async () => {
    await registerSnapTradeUser('user-rec-broken');
    await webhook('CONNECTION_ADDED', 'user-rec-broken', 'conn-rec-broken', minutesAgo(30));
    await until('conn-rec-broken', 'active');
    const disabledAt = minutesAgo(10);
    snaptrade.authorizations.set('user-rec-broken', [{ id: 'conn-rec-broken', brokerageId: 'brokerage-alpaca', createdDate: minutesAgo(30), disabled: true, disabledDate: disabledAt }]);

    const run = await reconcile('snaptrade');
    assert.equal(run.corrections.broken, 1);
    await until('conn-rec-broken', 'broken');
    const corrected = await connection('snaptrade', 'conn-rec-broken');
    assert.equal(Date.parse(corrected.stateSince), Date.parse(disabledAt), 'broken since SnapTrade disabled it');
    assert.equal(corrected.events[0].type, 'connection.broken');
    assert.equal(corrected.events[0].detail.source, 'reconciliation');
    assert.deepEqual(notified('conn-rec-broken'), [], 'nobody hears of it within the grace');

    await waitFor(async () => notified('conn-rec-broken').includes('connection.reauth_required'), 'the prompt after the grace', GRACE_MS + 20_000);

    // The webhook SnapTrade retried after all, for the same break.
    await webhook('CONNECTION_BROKEN', 'user-rec-broken', 'conn-rec-broken', disabledAt);
    await waitFor(async () => (await connection('snaptrade', 'conn-rec-broken')).events.length === 3, 'the late webhook recorded');
    const after = await connection('snaptrade', 'conn-rec-broken');
    assert.equal(after.state, 'broken');
    assert.equal(after.stateSince, corrected.stateSince, 'no second transition');
    assert.equal(after.reauth.episode, 1, 'no second episode');
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1_000));
    assert.deepEqual(notified('conn-rec-broken'), ['connection.reauth_required'], 'no second prompt');
    const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM breakages WHERE connection_id = 'conn-rec-broken'`);
    assert.equal(rows[0].n, 1);
  });

  test('repaired: fixed, and `restored` only for a user who had been prompted', async () => {
    // conn-rec-broken was prompted (above); conn-rec-quick breaks and is repaired before any prompt:
    // its brokerage is in announced maintenance, so however slow this machine, no prompt goes out first.
    await stack.db.pool.query(
      `INSERT INTO prompt_holds (provider, brokerage_id, reason, starts_at, ends_at) VALUES ('snaptrade', 'brokerage-quick', 'maintenance', now() - interval '1 minute', now() + interval '1 hour')`,
    );
    await registerSnapTradeUser('user-rec-quick');
    await webhook('CONNECTION_ADDED', 'user-rec-quick', 'conn-rec-quick', minutesAgo(30), 'brokerage-quick');
    await webhook('CONNECTION_BROKEN', 'user-rec-quick', 'conn-rec-quick', minutesAgo(1));
    await until('conn-rec-quick', 'broken');
    snaptrade.authorizations.set('user-rec-quick', [{ id: 'conn-rec-quick', brokerageId: 'brokerage-alpaca', createdDate: minutesAgo(30), disabled: false, disabledDate: null }]);
    snaptrade.authorizations.set('user-rec-broken', [{ id: 'conn-rec-broken', brokerageId: 'brokerage-alpaca', createdDate: minutesAgo(30), disabled: false, disabledDate: null }]);

    const run = await reconcile('snaptrade');
    assert.equal(run.corrections.fixed, 2);
    await until('conn-rec-broken', 'active');
    await until('conn-rec-quick', 'active');
    await waitFor(async () => notified('conn-rec-broken').includes('connection.restored'), 'restored for the prompted user');
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1_000));
    assert.deepEqual(notified('conn-rec-quick'), [], 'neither a prompt nor a restored for one never prompted');
  });

  test('deleted at the brokerage: deleted once SnapTrade confirms it is gone', async () => {
    await registerSnapTradeUser('user-rec-deleted');
    await webhook('CONNECTION_ADDED', 'user-rec-deleted', 'conn-rec-kept', minutesAgo(30));
    await webhook('CONNECTION_ADDED', 'user-rec-deleted', 'conn-rec-gone', minutesAgo(30));
    await until('conn-rec-kept', 'active');
    await until('conn-rec-gone', 'active');
    snaptrade.authorizations.set('user-rec-deleted', [{ id: 'conn-rec-kept', brokerageId: 'brokerage-alpaca', createdDate: minutesAgo(30), disabled: false, disabledDate: null }]);

    const run = await reconcile('snaptrade');
    assert.deepEqual(run.corrections, { deleted: 1 });
    await until('conn-rec-gone', 'deleted');
    assert.equal(await stateOf('conn-rec-kept'), 'active');
    assert.ok(snaptrade.requests.some((r) => r.method === 'GET' && r.path.startsWith('/api/v1/authorizations/conn-rec-gone?') && r.status === 404), 'confirmed by id first');
  });

  test('never seen: added, and the user\u2019s pending attempt succeeds', async () => {
    await registerSnapTradeUser('user-rec-added');
    const attempt = await fetch(`${stack.receiver.url}/connections/attempts`, { method: 'POST', headers, body: JSON.stringify({ provider: 'snaptrade', userId: 'user-rec-added' }) });
    const { attemptId } = (await attempt.json()) as { attemptId: string };
    snaptrade.authorizations.set('user-rec-added', [{ id: 'conn-rec-added', brokerageId: 'brokerage-alpaca', createdDate: new Date().toISOString(), disabled: false, disabledDate: null }]);

    const run = await reconcile('snaptrade');
    assert.equal(run.corrections.added, 1);
    await until('conn-rec-added', 'active');
    const read = await fetch(`${stack.receiver.url}/connections/attempts/${attemptId}?wait=10s`, { headers });
    assert.deepEqual((({ status, connectionId }) => ({ status, connectionId }))((await read.json()) as Record<string, unknown>), { status: 'succeeded', connectionId: 'conn-rec-added' });
  });

  test('a reconciliation result older than a webhook already applied changes nothing', async () => {
    await registerSnapTradeUser('user-rec-stale');
    await webhook('CONNECTION_ADDED', 'user-rec-stale', 'conn-rec-stale', minutesAgo(30));
    await webhook('CONNECTION_BROKEN', 'user-rec-stale', 'conn-rec-stale', minutesAgo(20));
    await webhook('CONNECTION_FIXED', 'user-rec-stale', 'conn-rec-stale', minutesAgo(2));
    await waitFor(async () => (await connection('snaptrade', 'conn-rec-stale'))?.events?.length === 3, 'three webhooks applied');
    await until('conn-rec-stale', 'active');
    // SnapTrade's list still shows the old break.
    snaptrade.authorizations.set('user-rec-stale', [{ id: 'conn-rec-stale', brokerageId: 'brokerage-alpaca', createdDate: minutesAgo(30), disabled: true, disabledDate: minutesAgo(20) }]);

    const run = await reconcile('snaptrade');
    assert.deepEqual(run.corrections, {});
    assert.equal(await stateOf('conn-rec-stale'), 'active');
    assert.equal((await connection('snaptrade', 'conn-rec-stale')).events.length, 3);
  });

  test('calls are paced to RECONCILE_MAX_RPS, measured at the stand-in, across pages', async () => {
    for (let i = 0; i < 8; i += 1) await registerSnapTradeUser(`user-rec-rate-${i}`);
    const from = snaptrade.requests.length;
    const run = await reconcile('snaptrade');
    const arrivals = snaptrade.requests.slice(from).filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/authorizations')).map((r) => r.at);
    assert.ok(run.users_checked >= 13, `every registered user checked (${run.users_checked}), pages of 4`);
    const { rows } = await stack.db.pool.query<{ workflow_id: string }>(`SELECT workflow_id FROM reconciliation_runs WHERE id = $1`, [run.id]);
    await waitFor(async () => {
      let runs = 0;
      for await (const _execution of stack.client.workflow.list({ query: `WorkflowId = '${rows[0]!.workflow_id}'` })) runs += 1;
      return runs >= 4;
    }, 'a workflow run per page: continued as new');
    assert.ok(arrivals.length >= 13);
    // No MAX_RPS + 1 calls within one second, allowing 50 ms for the way from our limiter to the stand-in.
    for (let i = 0; i + MAX_RPS < arrivals.length; i += 1) {
      assert.ok(arrivals[i + MAX_RPS]! - arrivals[i]! >= 950, `calls ${i}..${i + MAX_RPS} within ${arrivals[i + MAX_RPS]! - arrivals[i]!} ms`);
    }
  });

  test('SnapTrade failing: retried with backoff, one ops alert, resolved when it answers again', async () => {
    const alertsBefore = opsChat.requests.length;
    snaptrade.failNext(3, 503);
    const run = await reconcile('snaptrade');
    assert.equal(run.users_failed, 0, 'the users it could not ask were asked again');
    const posts = opsChat.requests.slice(alertsBefore).map((r) => String((JSON.parse(r.body) as { text: string }).text));
    assert.equal(posts.filter((text) => text.includes('reconciliation_provider_unavailable') && !text.includes('resolved')).length, 1, posts.join('\n'));
    assert.equal(posts.filter((text) => text.includes('resolved reconciliation_provider_unavailable')).length, 1, posts.join('\n'));
  });

  test('Vezgo: an account we hold that Vezgo no longer lists is deleted', async () => {
    const hook = (accountId: string) => ({ hook: 'SyncAccount', user: { id: 'user-rec-vezgo', loginName: 'login.rec@example.com' }, account: { id: accountId, provider: 'coinbase' } });
    for (const accountId of ['acct-rec-kept', 'acct-rec-gone']) {
      assert.equal((await stack.post('/webhooks/vezgo', hook(accountId), { 'x-client-id': 'vezgo-client-reconcile' })).status, 200);
      await until(accountId, 'active', 'vezgo');
    }
    vezgo.accounts.set('login.rec@example.com', [{ id: 'acct-rec-kept', provider: 'coinbase', createdAt: Date.now() - 3_600_000 }]);

    const run = await reconcile('vezgo');
    assert.deepEqual(run.corrections, { deleted: 1 });
    await until('acct-rec-gone', 'deleted', 'vezgo');
    assert.equal(await stateOf('acct-rec-kept', 'vezgo'), 'active');
  });

  test('visible: ops lists the runs, /metrics counts corrections by kind', async () => {
    const runs = await ops('reconcile', 'runs', '--provider', 'snaptrade');
    assert.equal(runs.code, 0, runs.err);
    assert.match(runs.out, /users_checked\s+users_failed\s+corrections/);
    assert.match(runs.out, /snaptrade\s+completed\s.*\{"broken":1\}/);

    const metrics = await fetch(`${stack.receiver.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /reconciliation_corrections_total\{provider="snaptrade",kind="broken"\} 1/);
    assert.match(metrics, /reconciliation_corrections_total\{provider="snaptrade",kind="fixed"\} 2/);
    assert.match(metrics, /reconciliation_corrections_total\{provider="vezgo",kind="deleted"\} 1/);

    const unknown = await ops('reconcile', 'now', '--provider', 'upvest');
    assert.equal(unknown.code, 2);
  });

  test('RECONCILE_INTERVAL=off: a worker start removes this deployment\u2019s schedules', async () => {
    const off = await startTestWorker({ ...stack.config, RECONCILE_INTERVAL: null }, stack.db, createLogger('silent'));
    await off.shutdown();
    for (const provider of ['snaptrade', 'vezgo']) {
      await assert.rejects(stack.client.schedule.getHandle(reconcileScheduleId(provider)).describe(), ScheduleNotFoundError);
    }
    const now = await ops('reconcile', 'now');
    assert.equal(now.code, 1);
    assert.match(now.err, /no reconciliation schedule/);
  });
});
