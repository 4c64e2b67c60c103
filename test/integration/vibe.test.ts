import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { journalDelivery } from '../../src/db/journal.ts';
import type { ConnectionEvent } from '../../src/domain/connection-event.ts';
import { canonicalNow } from '../../src/domain/instant.ts';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { VIBE_SECRET, vibeExample, vibeSeedExamples, vibeSignature } from '../support/vibe.ts';
import { waitFor } from '../support/wait.ts';

const ACCOUNT = 'vibe-acct-main';
const NOTIFY_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const WINDOW_MS = 5000;

describe('Vibe Trading webhooks', () => {
  let stack: Stack;
  let app: RecordingServer;
  let ops: RecordingServer;

  before(async () => {
    [app, ops] = await Promise.all([startRecordingServer(), startRecordingServer()]);
    stack = await startStack({
      env: {
        VIBE_WEBHOOK_SECRET: `an-old-secret,${VIBE_SECRET}`,
        VIBE_ACCOUNT_ID: ACCOUNT,
        REAUTH_GRACE: '500ms',
        REAUTH_REMINDER_CADENCE: '1h',
        QUIET_HOURS: 'off',
        OUTAGE_THRESHOLD: '1',
        OUTAGE_WINDOW: '1s',
        NOTIFY_WEBHOOK_URL: app.url,
        NOTIFY_WEBHOOK_SECRET: NOTIFY_SECRET,
        OPS_ALERT_WEBHOOK_URL: ops.url,
      },
    });
  });
  after(async () => {
    await stack.stop();
    await Promise.all([app.close(), ops.close()]);
  });

  const send = (body: unknown, signature?: string) => {
    const raw = JSON.stringify(body);
    return stack.post('/webhooks/vibe', raw, { 'x-webhook-signature': signature ?? vibeSignature(raw) });
  };
  const opsPosts = (text: string) => ops.requests.map((r) => JSON.parse(r.body).text as string).filter((posted) => posted.includes(text));
  const prompts = () =>
    app.requests
      .filter((r) => r.status === 200)
      .map((r) => ({ at: r.at, ...(new Webhook(NOTIFY_SECRET).verify(r.body, r.headers as Record<string, string>) as { type: string; data: { connectionId: string } }) }))
      .filter((n) => n.type === 'connection.reauth_required');

  test('a wrong or missing signature is 401 and leaves nothing behind', async () => {
    const example = vibeExample('order.created');
    assert.equal((await send(example, 'test_signature')).status, 401);
    assert.equal((await send(example, vibeSignature(JSON.stringify(example), 'not-the-secret'))).status, 401);
    assert.equal((await stack.post('/webhooks/vibe', example)).status, 401);
    const { rows } = await stack.db.pool.query(`SELECT (SELECT count(*) FROM webhook_journal)::int AS j, (SELECT count(*) FROM dead_letters)::int AS d`);
    assert.deepEqual(rows[0], { j: 0, d: 0 });
  });

  test('every example payload of the guide, signed, is accepted: activity in the timeline, AI signals and tests journaled only', async () => {
    for (const example of vibeSeedExamples) {
      const res = await send(example);
      assert.equal(res.status, 200, `${example.event}: ${res.text}`);
    }
    const read = await waitFor(async () => {
      const res = await stack.get(`/connections/vibe/${ACCOUNT}`);
      return res.body?.events?.length === 11 && res.body;
    }, 'the account timeline');
    assert.equal(read.state, 'active');
    assert.deepEqual(
      read.events.map((e: { detail: { providerEventType: string } }) => e.detail.providerEventType).sort(),
      vibeSeedExamples.map((e) => e.event).filter((name) => name !== 'signal.generated' && name !== 'test').sort(),
    );
    const ignored = await stack.db.pool.query(`SELECT event_type FROM webhook_journal WHERE provider = 'vibe' AND status = 'ignored' ORDER BY event_type`);
    assert.deepEqual(ignored.rows.map((r) => r.event_type), ['signal.generated', 'test', 'test']);

    await waitFor(async () => opsPosts('High Market Volatility').length === 1, 'the provider alert');
    assert.match(opsPosts('High Market Volatility')[0]!, /^:warning: provider_alert \(vibe:High Market Volatility\): High Market Volatility: BTC\/USD/);
    const holds = await waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT brokerage_id, reason, starts_at, ends_at FROM prompt_holds WHERE provider = 'vibe'`);
      return rows.length === 1 && rows;
    }, 'the 2024 window recorded');
    assert.deepEqual(holds[0], { brokerage_id: '*', reason: 'maintenance', starts_at: new Date('2024-01-15T20:00:00Z'), ends_at: new Date('2024-01-15T22:00:00Z') });
    assert.equal(opsPosts('provider_maintenance').length, 0, 'a window long over is nothing to announce');
  });

  test('a maintenance window holds a broken connection’s prompt until it ends: no outage alert inside it, one notice for ops', async () => {
    const now = Date.now();
    const endsAt = now + WINDOW_MS;
    const maintenance = {
      event: 'system.maintenance',
      timestamp: new Date(now).toISOString(),
      data: { startTime: new Date(now - 1000).toISOString(), endTime: new Date(endsAt).toISOString(), description: 'Database upgrade', affectedServices: ['trading'] },
    };
    assert.equal((await send(maintenance)).status, 200);
    const again = await send(maintenance);
    assert.deepEqual([again.status, again.body.duplicate], [200, true]);
    await waitFor(async () => opsPosts(':information_source: provider_maintenance').length === 1, 'the maintenance notice');
    assert.match(opsPosts('provider_maintenance')[0]!, /Database upgrade\. User prompts and outage alerts are held until it ends\./);

    // Vibe's webhooks report no breakage; the lifecycle is provider-neutral, so one is journaled
    // as any adapter would journal it. Two breakages exceed OUTAGE_THRESHOLD=1.
    const connections = [ACCOUNT, 'vibe-acct-second'];
    for (const connectionId of connections) {
      const broken: ConnectionEvent = { provider: 'vibe', eventId: `broken-${connectionId}`, type: 'connection.broken', occurredAt: canonicalNow(), userId: connectionId, connectionId, detail: {} };
      const journaled = await journalDelivery(stack.db.pool, 'vibe', [{ kind: 'event', event: broken }], 'test');
      stack.receiver.dispatcher.dispatchNow(journaled.fresh);
    }
    await waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM breakages WHERE provider = 'vibe'`);
      return rows[0].n === 2;
    }, 'both breakages counted');

    await new Promise((resolve) => setTimeout(resolve, endsAt - Date.now() - 300));
    assert.deepEqual(prompts(), [], 'no prompt inside the window, though the grace period is long over');
    const during = await stack.db.pool.query(`SELECT count(*)::int AS n FROM alerts WHERE kind = 'provider_outage'`);
    assert.equal(during.rows[0].n, 0, 'breakages during maintenance are not an outage');

    await waitFor(async () => prompts().length === 2, 'the prompts once the window is over');
    const sent = prompts();
    assert.deepEqual(sent.map((p) => p.data.connectionId).sort(), [...connections].sort());
    assert.ok(sent.every((p) => p.at >= endsAt), 'no prompt before the window ends');
    await waitFor(async () => opsPosts(':white_check_mark: resolved provider_maintenance').length === 1, 'the notice resolved');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(prompts().length, 2, 'one prompt each');
    assert.equal(opsPosts('provider_outage').length, 0);
    assert.equal(opsPosts('provider_maintenance').length, 2, 'one notice, opened and resolved');
  });

  test('the webhook secret is nowhere in Postgres or the logs', async () => {
    const { rows } = await stack.db.pool.query(`SELECT body::text AS body FROM webhook_journal UNION ALL SELECT event::text FROM webhook_journal`);
    const stored = rows.map((r) => r.body).join('\n');
    assert.ok(stored.includes('signal.generated'));
    assert.equal(stored.includes(VIBE_SECRET), false);
    assert.equal(stack.logs.join('').includes(VIBE_SECRET), false);
  });
});

describe('Vibe’s allowlist behind one proxy (TRUST_PROXY=1), as deployed', () => {
  let stack: Stack;
  before(async () => {
    // The test client on loopback plays the proxy: it appends the address it saw to X-Forwarded-For.
    stack = await startStack({ withoutWorker: true, env: { VIBE_WEBHOOK_SECRET: VIBE_SECRET, VIBE_ACCOUNT_ID: ACCOUNT, VIBE_ALLOWED_IPS: '203.0.113.0/24', TRUST_PROXY: '1' } });
  });
  after(() => stack.stop());

  const sendVia = (forwardedFor: string) => {
    const raw = JSON.stringify(vibeExample('order.created'));
    return stack.post('/webhooks/vibe', raw, { 'x-webhook-signature': vibeSignature(raw), 'x-forwarded-for': forwardedFor });
  };

  test('an allowed address the client wrote into X-Forwarded-For is not believed; the one the proxy appended is', async () => {
    assert.equal((await sendVia('203.0.113.9, 198.18.0.7')).status, 403);
    assert.equal((await sendVia('198.18.0.7, 203.0.113.9')).status, 200);
  });
});
