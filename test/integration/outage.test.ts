import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAppBackend, type AppBackend } from '../support/app-backend.ts';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload } from '../support/snaptrade.ts';
import { waitFor } from '../support/wait.ts';

const WINDOW = 4000;
const BROKERAGE = 'brokerage-having-a-bad-day';

describe('a brokerage outage holds user prompts', () => {
  let stack: Stack;
  let app: AppBackend;
  let ops: RecordingServer;

  before(async () => {
    [app, ops] = await Promise.all([startAppBackend(), startRecordingServer()]);
    stack = await startStack({
      env: {
        REAUTH_GRACE: '1s',
        REAUTH_REMINDER_CADENCE: '1h',
        QUIET_HOURS: 'off',
        OUTAGE_THRESHOLD: '20',
        OUTAGE_WINDOW: `${WINDOW}ms`,
        OUTAGE_MAX_HOLD: '5m',
        ...app.env,
        OPS_ALERT_WEBHOOK_URL: ops.url,
      },
    });
  });
  after(async () => {
    await stack.stop();
    await Promise.all([app.server.close(), ops.close()]);
  });

  const prompts = () => app.notifications().filter((n) => n.type === 'connection.reauth_required');

  test('25 connections breaking together: no prompt while held, one alert, prompts for those still broken once it clears', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `conn-outage-${i}`);
    const post = async (eventType: string, id: string) => {
      const payload = snapTradePayload(eventType, { brokerageAuthorizationId: id, brokerageId: BROKERAGE, eventTimestamp: new Date().toISOString() });
      assert.equal((await stack.post('/webhooks/snaptrade', payload)).status, 200);
    };
    for (const id of ids) await post('CONNECTION_ADDED', id);
    await waitFor(async () => {
      const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM connections WHERE brokerage_id = $1`, [BROKERAGE]);
      return rows[0].n === ids.length;
    }, 'every connection known with its brokerage');
    // Together, as an outage arrives: one after the other on a loaded machine, the first ones' grace
    // (1 s here) could end before the 21st breakage is even delivered.
    await Promise.all(ids.map((id) => post('CONNECTION_BROKEN', id)));

    await waitFor(async () => ops.requests.some((r) => r.body.includes('provider_outage')), 'the outage alert');
    // Past the grace period every prompt is due, and held.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(prompts().length, 0, 'no prompt while the outage holds');

    const repaired = ids.slice(0, 5);
    for (const id of repaired) await post('CONNECTION_FIXED', id);

    await waitFor(async () => prompts().length === ids.length - repaired.length, 'prompts once the outage clears', 40_000);
    const prompted = prompts().map((n) => n.data.connectionId);
    assert.deepEqual([...prompted].sort(), ids.slice(5).sort());
    assert.equal(app.notifications().filter((n) => n.type === 'connection.restored').length, 0, 'never prompted, so no restored');

    await waitFor(async () => ops.requests.some((r) => r.body.includes('resolved provider_outage')), 'the alert resolved');
    assert.equal(ops.requests.filter((r) => r.body.includes(':rotating_light: provider_outage')).length, 1, 'one alert for the outage');
    const { rows } = await stack.db.pool.query(`SELECT status FROM alerts WHERE kind = 'provider_outage'`);
    assert.deepEqual(rows, [{ status: 'resolved' }]);
  });
});
