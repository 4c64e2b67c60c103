import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAlerter } from '../../src/alerts/alerter.ts';
import { createOutageDetector } from '../../src/holds/outage-detector.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('outage detection while many connections break at once', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  const openHolds = async () =>
    (await db.pool.query(`SELECT count(*)::int AS n FROM prompt_holds WHERE reason = 'outage' AND brokerage_id = 'brokerage-race' AND cleared_at IS NULL`)).rows[0].n as number;

  test('breakages evaluated at the same time open one hold, and the outage ends with one clearing', async () => {
    const alerter = createAlerter({ pool: db.pool, opsWebhookUrl: undefined, logger: createLogger('silent') });
    const detector = createOutageDetector({ pool: db.pool, alerter, policy: { threshold: 3, windowMs: 60_000, maxHoldMs: 3_600_000 } });
    const now = Date.now();
    for (let i = 0; i < 10; i++) {
      await db.pool.query(`INSERT INTO breakages (provider, brokerage_id, connection_id, episode, broke_at) VALUES ('snaptrade', 'brokerage-race', $1, 1, $2)`, [
        `conn-race-${i}`,
        new Date(now - 1000),
      ]);
    }
    // As the workflows of a brokerage-wide outage do: each evaluates as it stores its breakage.
    const statuses = await Promise.all(Array.from({ length: 20 }, () => detector.evaluate('snaptrade', 'brokerage-race', now)));
    assert.ok(statuses.every((status) => status.heldUntil !== null && status.heldUntil > now));
    assert.equal(await openHolds(), 1);
    const alerts = await db.pool.query(`SELECT count(*)::int AS n FROM alerts WHERE kind = 'provider_outage' AND resolved_at IS NULL`);
    assert.equal(alerts.rows[0].n, 1);

    // Every breakage has left the window: one evaluation ends the outage, prompts go out again.
    const after = await detector.evaluate('snaptrade', 'brokerage-race', now + 120_000);
    assert.equal(after.heldUntil, null);
    assert.equal(await openHolds(), 0);
  });

  test('while breakages keep coming, a held prompt waits until the outage could end, not until the oldest breakage leaves the window', async () => {
    const alerter = createAlerter({ pool: db.pool, opsWebhookUrl: undefined, logger: createLogger('silent') });
    const policy = { threshold: 3, windowMs: 60_000, maxHoldMs: 3_600_000 };
    const detector = createOutageDetector({ pool: db.pool, alerter, policy });
    const start = Date.now() - 120_000;
    // One breakage a second for 70 s: the window slides while the outage goes on.
    const brokeAt = Array.from({ length: 70 }, (_, i) => start + i * 1000);
    for (const [i, at] of brokeAt.entries()) {
      await db.pool.query(`INSERT INTO breakages (provider, brokerage_id, connection_id, episode, broke_at) VALUES ('snaptrade', 'brokerage-sliding', $1, 1, $2)`, [
        `conn-sliding-${i}`,
        new Date(at),
      ]);
    }
    const now = brokeAt.at(-1)! + 500;
    const { heldUntil } = await detector.evaluate('snaptrade', 'brokerage-sliding', now);
    // With no breakage after these, the window holds no more than the threshold once the newest
    // `threshold` are all that is left in it: when the one before them leaves.
    const couldEnd = brokeAt.at(-1 - policy.threshold)! + policy.windowMs;
    assert.ok(heldUntil !== null && heldUntil > couldEnd, `held until ${heldUntil === null ? 'null' : heldUntil - now} ms from now, the outage cannot end before ${couldEnd - now} ms`);
    assert.notEqual((await detector.evaluate('snaptrade', 'brokerage-sliding', heldUntil - 2)).heldUntil, null, 'still held just before');
    assert.equal((await detector.evaluate('snaptrade', 'brokerage-sliding', heldUntil)).heldUntil, null, 'and over when it said');
  });
});
