import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { journalDelivery } from '../../src/db/journal.ts';
import { createPool } from '../../src/db/pool.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';
import { createReceiptLedger } from '../../src/db/receipt-ledger.ts';
import type { AdapterVerdict, DeliveryItem, InboundWebhook } from '../../src/providers/adapter.ts';
import { createSnapTradeAppDialect } from '../../src/providers/snaptrade/app-dialect.ts';
import { createVezgoAdapter } from '../../src/providers/vezgo/adapter.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../support/free-port.ts';

const WINDOW_MS = 10 * 60_000;
const APP_SECRET = 'receipt-dedup-app-secret';

type Kind = 'broken' | 'repaired';

/** The two providers whose hooks carry neither id nor timestamp, each with a way to say "broken" and "repaired". */
const providers = {
  vezgo: {
    provider: 'vezgo',
    body: (account: string, kind: Kind) =>
      JSON.stringify({
        hook: kind === 'broken' ? 'SyncError' : 'SyncAccount',
        user: { id: 'user-1', loginName: 'user-1@example.com' },
        account: { id: account, provider: 'coinbase' },
        ...(kind === 'broken' ? { error: 'LoginFailedError' } : {}),
      }),
    headers: () => ({ 'x-client-id': 'vezgo-client' }),
    adapter: (db: TestDatabase, now: () => Date) =>
      createVezgoAdapter({ clientId: 'vezgo-client', allowedAddresses: ['127.0.0.1'], dedupWindowMs: WINDOW_MS, ledger: createReceiptLedger(db.pool), now }),
  },
  'snaptrade app dialect': {
    provider: 'snaptrade',
    body: (account: string, kind: Kind) =>
      JSON.stringify({ type: kind === 'broken' ? 'CONNECTION.BROKEN' : 'CONNECTION.REFRESHED', userId: 'user-1', authorizationId: account }),
    headers: (body: string) => ({ 'x-snaptrade-signature': createHmac('sha256', APP_SECRET).update(body).digest('hex') }),
    adapter: (db: TestDatabase, now: () => Date) =>
      createSnapTradeAppDialect({ webhookSecrets: [APP_SECRET], dedupWindowMs: WINDOW_MS, ledger: createReceiptLedger(db.pool), now }),
  },
} as const;

describe('hooks without ids: the same body as the last accepted hook for the account, within the window, is one delivery', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  for (const [name, spec] of Object.entries(providers)) {
    describe(name, () => {
      let clock = new Date(0);
      let account = '';
      let counter = 0;
      const adapterOf = () => spec.adapter(db, () => clock);
      let adapter: ReturnType<typeof adapterOf>;
      before(() => {
        adapter = adapterOf();
      });

      async function receive(kind: Kind, at: string, forAccount = account): Promise<{ items: DeliveryItem[]; occurredAt: string | undefined }> {
        clock = new Date(`2024-03-01T${at}Z`);
        const body = spec.body(forAccount, kind);
        const webhook: InboundWebhook = { rawBody: Buffer.from(body), headers: spec.headers(body), remoteAddress: '127.0.0.1' };
        const verdict: AdapterVerdict = await adapter.receive(webhook);
        assert.equal(verdict.kind, 'accepted', JSON.stringify(verdict));
        const items = verdict.kind === 'accepted' ? verdict.items : [];
        const first = items[0];
        return { items, occurredAt: first?.kind === 'event' ? first.event.occurredAt : undefined };
      }

      /** Received and journaled as the webhook route does: 'applied' when the journal took it as new. */
      let lastOccurredAt: string | undefined;
      async function deliver(kind: Kind, at: string, forAccount = account): Promise<'applied' | 'duplicate'> {
        const { items, occurredAt } = await receive(kind, at, forAccount);
        lastOccurredAt = occurredAt;
        const journaled = await journalDelivery(db.pool, spec.provider, items, `req-${(counter += 1)}`);
        return journaled.fresh.length === 1 ? 'applied' : journaled.duplicates === 1 ? 'duplicate' : assert.fail(JSON.stringify(journaled));
      }

      const freshAccount = (label: string) => {
        account = `${name.replace(/\W+/g, '-')}-${label}`;
      };

      test('BROKEN at 10:09:58 (answer lost), retried at 10:10:20: one event, though a 10-minute boundary lies between', async () => {
        freshAccount('retry-across-boundary');
        assert.equal(await deliver('broken', '10:09:58'), 'applied');
        assert.equal(await deliver('broken', '10:10:20'), 'duplicate');
      });

      test('BROKEN, REFRESHED, BROKEN within one 10-minute span: the re-break is a new event, in receipt order', async () => {
        freshAccount('re-break');
        const seen: string[] = [];
        for (const [kind, at] of [['broken', '11:01:00'], ['repaired', '11:03:00'], ['broken', '11:05:00']] as const) {
          assert.equal(await deliver(kind, at), 'applied', `${kind} at ${at}`);
          seen.push(lastOccurredAt!);
        }
        assert.deepEqual(seen, ['2024-03-01T11:01:00.000000Z', '2024-03-01T11:03:00.000000Z', '2024-03-01T11:05:00.000000Z']);
      });

      test('BROKEN at 10:09:58 (answer lost), REFRESHED at 10:10:05, BROKEN again at 10:10:20: the same rule, whatever the clock', async () => {
        // Without an id or a timestamp, a late retry after another hook reads exactly like the real
        // re-break above; it is applied, never dropped, and the next successful sync repairs it.
        freshAccount('retry-after-repair');
        assert.equal(await deliver('broken', '12:09:58'), 'applied');
        assert.equal(await deliver('repaired', '12:10:05'), 'applied');
        assert.equal(await deliver('broken', '12:10:20'), 'applied');
        assert.equal(await deliver('broken', '12:10:40'), 'duplicate', 'and its own retry is folded');
      });

      test('the same body after the window is a new event (broken again the next day)', async () => {
        freshAccount('next-day');
        assert.equal(await deliver('broken', '09:00:00'), 'applied');
        assert.equal(await deliver('broken', '09:09:59'), 'duplicate');
        assert.equal(await deliver('broken', '09:10:01'), 'applied', 'the window counts from the accepted hook, not from its repeats');
      });

      test('accounts do not interfere: another account’s hook in between leaves the retry a duplicate', async () => {
        freshAccount('one');
        const one = account;
        assert.equal(await deliver('broken', '13:00:00'), 'applied');
        assert.equal(await deliver('broken', '13:00:05', `${one}-other`), 'applied');
        assert.equal(await deliver('repaired', '13:00:06', `${one}-other`), 'applied');
        assert.equal(await deliver('broken', '13:00:10'), 'duplicate');
      });

      test('the memory is durable: after a restart the retry is still recognised', async () => {
        freshAccount('restart');
        assert.equal(await deliver('broken', '14:00:00'), 'applied');
        adapter = adapterOf();
        assert.equal(await deliver('broken', '14:00:30'), 'duplicate');
      });

      test('copies of one hook arriving at once (several receivers, a sender’s burst) are one event', async () => {
        freshAccount('burst');
        const outcomes = await Promise.all(Array.from({ length: 6 }, () => deliver('broken', '16:00:00')));
        assert.deepEqual(outcomes.sort(), ['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
      });

      test('a delivery that was not journaled (the journal was down: 503) is journaled by its retry', async () => {
        freshAccount('journal-down');
        await receive('broken', '15:00:00');
        assert.equal(await deliver('broken', '15:00:40'), 'applied');
        assert.equal(await deliver('broken', '15:01:00'), 'duplicate');
      });
    });
  }
});

test('with Postgres down, an id-less hook is answered 503 (the ledger cannot be asked), so the provider retries', async () => {
  const pool = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
  const body = providers.vezgo.body('acct-db-down', 'broken');
  const server = createApp({
    pool,
    adapters: [createVezgoAdapter({ clientId: 'vezgo-client', allowedAddresses: ['127.0.0.1'], dedupWindowMs: WINDOW_MS, ledger: createReceiptLedger(pool) })],
    dispatcher: { dispatchNow: () => assert.fail('nothing may be dispatched that was not journaled') },
    auth: { apiToken: 'unused-api-token-0123456789' },
    logger: createLogger('silent'),
    temporalReachable: async () => undefined,
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/vezgo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...providers.vezgo.headers() },
      body,
    });
    assert.deepEqual([res.status, res.headers.get('retry-after')], [503, '30']);
  } finally {
    server.close();
    await pool.end();
  }
});
