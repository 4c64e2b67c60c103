import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startStack, type Stack } from '../support/stack.ts';
import { snapTradePayload, seedExamples, TEST_SECRET } from '../support/snaptrade.ts';
import { newUpvestKey, signDelivery, upvestEvent, type UpvestKey } from '../support/upvest.ts';
import { vibeSeedExamples, vibeSignature, VIBE_SECRET } from '../support/vibe.ts';

const VEZGO_CLIENT = 'vezgo-client-property';
const RUNS = 40;

/** Any UTF-16 code unit, with U+0000 and lone surrogates often. */
const codeUnit = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\ud83d', '\ude00', '\udbff', '\ud83d\ude00') },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) },
  { weight: 3, arbitrary: fc.constantFrom('a', 'Z', '0', 'é', ' ', '"', '\\') },
);
/** Free text within the documented bounds (64 code units at most). */
const text = fc.string({ unit: codeUnit, minLength: 1, maxLength: 30 });
const json = fc.jsonValue({ stringUnit: codeUnit, maxDepth: 4 });
/** JSON nested too deep for JSON.stringify (and for fast-check's own printing): kept as text, spliced in by `serialize`. */
class RawJson {
  constructor(readonly text: string) {}
  [fc.toStringMethod]() {
    return `RawJson(${this.text.slice(0, 40)}… ${this.text.length} chars)`;
  }
}
/** Deep (past our cut and Postgres' parser stack) and wide JSON. */
const deep = fc.tuple(fc.constantFrom(10, 999, 1001, 20_000, 100_000), fc.boolean(), json).map(([depth, objects, leaf]) => {
  const open = objects ? '{"k":'.repeat(depth) : '['.repeat(depth);
  const close = objects ? '}'.repeat(depth) : ']'.repeat(depth);
  return new RawJson(`${open}${JSON.stringify(leaf)}${close}`);
});
const wide = fc.integer({ min: 100, max: 5000 }).chain((width) => fc.dictionary(text, json, { minKeys: 0, maxKeys: width, size: 'max' }).map((dict) => ({ dict, list: Array(width).fill(0) })));
const extras = fc.dictionary(fc.string({ unit: codeUnit, maxLength: 12 }), fc.oneof(json, deep, wide), { maxKeys: 3 });

/** Keys whose value is a discriminator or an instant the provider documents the format of. */
const formatted = new Set(['eventType', 'event', 'hook', 'type', 'webhookSecret', 'eventTimestamp', 'timestamp', 'created_at', 'startTime', 'endTime']);

/** A documented payload with some of its free-text fields replaced by arbitrary text, and extra JSON anywhere. */
function scrambled(payload: Record<string, unknown>) {
  const keys = Object.keys(payload).filter((key) => typeof payload[key] === 'string' && !formatted.has(key));
  return fc
    .record({ replaced: fc.dictionary(fc.constantFrom(...(keys.length > 0 ? keys : ['unused'])), text), extra: extras, nested: extras })
    .map(({ replaced, extra, nested }) => {
      const data = payload.data && typeof payload.data === 'object' ? { data: { ...(payload.data as object), ...scrambledStrings(payload.data as Record<string, unknown>, replaced), ...nested } } : {};
      return { ...extra, ...payload, ...replaced, ...data };
    });
}

function scrambledStrings(data: Record<string, unknown>, replaced: Record<string, string>): Record<string, string> {
  const values = Object.values(replaced);
  const keys = Object.keys(data).filter((key) => typeof data[key] === 'string' && !formatted.has(key));
  return Object.fromEntries(keys.slice(0, values.length).map((key, i) => [key, values[i]!]));
}

function serialize(body: unknown): string {
  const raw: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => (value instanceof RawJson ? `__raw_json_${raw.push(value.text) - 1}__` : value)) ?? 'null';
  return text.replace(/"__raw_json_(\d+)__"/g, (_match, i: string) => raw[Number(i)]!);
}

const ONE_MIB = 1024 * 1024;

describe('an authentically signed body is always accepted (property)', () => {
  let stack: Stack;
  let key: UpvestKey;

  before(async () => {
    key = newUpvestKey();
    stack = await startStack({
      env: { UPVEST_WEBHOOK_JWKS: JSON.stringify({ keys: [key.jwk] }), VIBE_WEBHOOK_SECRET: VIBE_SECRET, VIBE_ACCOUNT_ID: 'vibe-acct-property', VEZGO_CLIENT_ID: VEZGO_CLIENT, VEZGO_ALLOWED_IPS: '127.0.0.1,::1' },
    });
  });
  after(() => stack.stop());

  /** 2xx, or 413 for a body over the documented 1 MiB. */
  const accepted = (res: { status: number; text: string }, raw: string, what: string) =>
    assert.ok(res.status === 200 || res.status === 202 || (res.status === 413 && Buffer.byteLength(raw) > ONE_MIB), `${what}: ${res.status} ${res.text.slice(0, 500)}`);

  test('SnapTrade, both dialects', async () => {
    const types = [...new Set(seedExamples.map((example) => example.eventType as string))];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...types).chain((type) => scrambled(snapTradePayload(type))), async (payload) => {
        const raw = serialize({ ...payload, webhookSecret: TEST_SECRET });
        accepted(await stack.post('/webhooks/snaptrade', raw), raw, 'body secret');
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(scrambled({ type: 'CONNECTION.BROKEN', userId: 'u', authorizationId: 'a' }), async (payload) => {
        const raw = serialize(payload);
        const res = await stack.post('/webhooks/snaptrade', raw, { 'x-snaptrade-signature': createHmac('sha256', TEST_SECRET).update(raw).digest('hex') });
        accepted(res, raw, 'app dialect');
      }),
      { numRuns: RUNS },
    );
  });

  test('Vezgo', async () => {
    const hook = fc.constantFrom('SyncAccount', 'SyncError', 'SomethingNew');
    await fc.assert(
      fc.asyncProperty(hook, text, text, text, text, text, extras, async (name, userId, loginName, accountId, provider, error, extra) => {
        const body = { ...extra, hook: name, user: { id: userId, loginName, ...extra }, account: { id: accountId, provider }, error };
        const raw = serialize(body);
        accepted(await stack.post('/webhooks/vezgo', raw, { 'x-client-id': VEZGO_CLIENT }), raw, name);
      }),
      { numRuns: RUNS },
    );
  });

  test('Vibe Trading', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...vibeSeedExamples).chain((example) => scrambled({ ...example, timestamp: new Date().toISOString() })), async (payload) => {
        const raw = serialize(payload);
        accepted(await stack.post('/webhooks/vibe', raw, { 'x-webhook-signature': vibeSignature(raw) }), raw, String((payload as { event?: unknown }).event));
      }),
      { numRuns: RUNS },
    );
  });

  test('Upvest: any JSON, any package', async () => {
    const event = fc
      .tuple(fc.constantFrom('USER.ACTIVATED', 'ACCOUNT.CREATED', 'ORDER.FILLED', 'PORTFOLIO.CREATED', 'SOMETHING.NEW'), text, text, text, extras)
      .map(([type, id, userId, status, extra]) => ({ ...upvestEvent(type, { id, user_id: userId, account_id: id, status, ...extra }), ...extra }));
    const body = fc.oneof(fc.array(fc.oneof(event, json, deep), { maxLength: 20 }).map((payload) => ({ payload })), json, deep, wide);
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const raw = serialize(value);
        const res = await stack.post('/webhooks/upvest', raw, signDelivery(raw, key));
        assert.ok(res.status === 200 || (res.status === 413 && Buffer.byteLength(raw) > 10 * ONE_MIB), `${res.status} ${res.text.slice(0, 500)}`);
      }),
      { numRuns: RUNS },
    );
  });

  test('Upvest: a body over 1 MiB is accepted, up to UPVEST_MAX_BODY (10 MiB by default)', async () => {
    const big = serialize({ payload: [upvestEvent('PORTFOLIO.CREATED', { id: 'p', note: 'x'.repeat(3 * ONE_MIB) })] });
    const res = await stack.post('/webhooks/upvest', big, signDelivery(big, key));
    assert.equal(res.status, 200, res.text.slice(0, 500));
    assert.equal(res.body.ignored, true);
  });
});
