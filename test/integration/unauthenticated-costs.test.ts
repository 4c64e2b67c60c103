import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createReceiptLedger } from '../../src/db/receipt-ledger.ts';
import { adaptersFrom } from '../../src/providers/registry.ts';
import { replayDeadLetter } from '../../src/replay/replay.ts';
import { dumpAllTables } from '../support/database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload, TEST_SECRET } from '../support/snaptrade.ts';

const METRICS_TOKEN = 'metrics-scrape-token-do-not-leak-5d21';
const METRICS_REFRESH_MS = 1500;

describe('nothing unauthenticated costs much', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { METRICS_TOKEN, METRICS_REFRESH: `${METRICS_REFRESH_MS}ms` } });
  });
  after(() => stack.stop());

  const deadLetterOf = async (requestId: string) =>
    (
      await stack.db.pool.query<{ id: string; body: unknown; body_sha256: string | null; body_bytes: number | null; body_truncated: boolean; authenticated: boolean }>(
        `SELECT id, body, body_sha256, body_bytes, body_truncated, authenticated FROM dead_letters WHERE request_id = $1`,
        [requestId],
      )
    ).rows[0]!;

  test('an unparsable body is kept as a bounded prefix and its SHA-256, not in full', async () => {
    const garbage = `<xml>${'x'.repeat(600 * 1024)}</xml>`;
    const res = await stack.post('/webhooks/snaptrade', garbage, { 'content-type': 'text/plain' });
    assert.equal(res.status, 400);
    const row = await deadLetterOf(res.body.requestId);
    assert.equal(row.authenticated, false);
    assert.equal(row.body_truncated, true);
    assert.equal(row.body_bytes, Buffer.byteLength(garbage));
    assert.equal(row.body_sha256, createHash('sha256').update(garbage).digest('hex'));
    assert.equal(typeof row.body, 'string');
    assert.ok((row.body as string).length <= 4096, `kept ${(row.body as string).length} characters`);
    assert.ok(garbage.startsWith(row.body as string));

    const forced = await replayDeadLetter(stack.db.pool, adaptersFrom(stack.config, { ledger: createReceiptLedger(stack.db.pool) }), row.id, { force: true });
    assert.deepEqual(forced.ok, false);
    assert.match(forced.ok ? '' : forced.reason, /only the first .* were kept.*--body/);
  });

  test('a short unparsable body is kept whole, with its hash', async () => {
    const garbage = 'not json, but short';
    const res = await stack.post('/webhooks/snaptrade', garbage, { 'content-type': 'text/plain' });
    const row = await deadLetterOf(res.body.requestId);
    assert.deepEqual([row.body, row.body_truncated, row.body_bytes], [garbage, false, garbage.length]);
    assert.equal(row.body_sha256, createHash('sha256').update(garbage).digest('hex'));
  });

  test('a secret that arrives as a JSON key is redacted too, in dead letters and in ignored rows', async () => {
    const dead = await stack.post('/webhooks/snaptrade', { ...snapTradePayload('CONNECTION_BROKEN'), brokerageAuthorizationId: 7, [TEST_SECRET]: 'as a key' });
    assert.equal(dead.status, 400);
    const ignored = await stack.post('/webhooks/snaptrade', { ...snapTradePayload('USER_REGISTERED'), eventType: 'KEYED_SECRET', nested: { [`prefix-${TEST_SECRET}`]: 1 } });
    assert.equal(ignored.status, 202);
    const row = await deadLetterOf(dead.body.requestId);
    assert.equal((row.body as Record<string, unknown>)['[redacted]'], 'as a key');
    assert.equal((await dumpAllTables(stack.db.pool)).includes(TEST_SECRET), false);
  });

  test('a client-chosen x-request-id is kept only when short and of safe characters', async () => {
    const idOf = async (given: string) => {
      const res = await stack.post('/webhooks/snaptrade', 'garbage', { 'x-request-id': given });
      return res.body.requestId as string;
    };
    assert.equal(await idOf('trace-7f1c2d.01:a_b'), 'trace-7f1c2d.01:a_b');
    for (const hostile of ['a'.repeat(65), 'two words', 'x"}{"injected":1', '<script>', 'é-accent', '../../etc/passwd']) {
      const id = await idOf(hostile);
      assert.notEqual(id, hostile);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `${hostile} replaced by a generated id`);
    }
  });

  const scrape = async (token: string | null = METRICS_TOKEN) => fetch(`${stack.receiver.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const gauge = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : undefined;
  };

  test('with METRICS_TOKEN, /metrics needs it', async () => {
    assert.equal((await scrape(null)).status, 401);
    assert.equal((await scrape('wrong-token')).status, 401);
    const res = await scrape();
    assert.equal(res.status, 200);
    assert.match(await res.text(), /webhooks_received_total/);
  });

  test('gauges come from a snapshot refreshed at most every METRICS_REFRESH', async () => {
    const series = 'connections{provider="metrics-probe",state="broken"}';
    await new Promise((resolve) => setTimeout(resolve, METRICS_REFRESH_MS + 100));
    assert.equal(gauge(await (await scrape()).text(), series), undefined);
    await stack.db.pool.query(`INSERT INTO connections (provider, connection_id, state, revision) VALUES ('metrics-probe', 'probe-1', 'broken', 1)`);
    const inWindow = await Promise.all(Array.from({ length: 20 }, async () => gauge(await (await scrape()).text(), series)));
    assert.deepEqual(inWindow, Array(20).fill(undefined), 'scrapes inside the window are served the snapshot');
    await new Promise((resolve) => setTimeout(resolve, METRICS_REFRESH_MS + 100));
    const text = await (await scrape()).text();
    assert.equal(gauge(text, series), 1, 'the next scrape after the window sees the row');
    assert.match(text, /^metrics_snapshot_age_seconds \d/m);
  });

  test('the gauges are read outside the journal’s pool: a scrape answers while the journal’s connections are all taken', async () => {
    await new Promise((resolve) => setTimeout(resolve, METRICS_REFRESH_MS + 100));
    const held = await Promise.all(Array.from({ length: 10 }, () => stack.db.pool.connect()));
    try {
      const res = await Promise.race([scrape(), new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 4000))]);
      assert.notEqual(res, 'stuck', 'the scrape waited on the journal pool');
      assert.equal((res as Response).status, 200);
      assert.match(await (res as Response).text(), /^journal_backlog \d/m);
    } finally {
      for (const client of held) client.release();
    }
  });
});
