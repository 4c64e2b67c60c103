import { createHmac, randomUUID } from 'node:crypto';
import examples from '../fixtures/snaptrade-seed-examples.json' with { type: 'json' };

export type Payload = Record<string, unknown>;

/** The 13 example payloads of SnapTrade's webhook reference, each with its own webhookSecret. */
export const seedExamples = examples as Payload[];
export const seedSecrets = [...new Set(seedExamples.map((example) => example.webhookSecret as string))];

export const TEST_SECRET = 'test-webhook-secret-do-not-leak-7f3a9c';

/**
 * A SnapTrade payload shaped like the seed's example of that type, with fresh ids so tests never
 * share a workflow, and the test secret.
 */
export function snapTradePayload(eventType: string, overrides: Payload = {}): Payload {
  const example = seedExamples.find((candidate) => candidate.eventType === eventType);
  if (!example) throw new Error(`no seed example for ${eventType}`);
  const fresh: Payload = { ...example, webhookId: randomUUID(), webhookSecret: TEST_SECRET };
  for (const key of ['userId', 'brokerageAuthorizationId', 'accountId'] as const) {
    if (key in example) fresh[key] = `${key}-${randomUUID()}`;
  }
  if ('webookId' in example) fresh.webookId = fresh.webhookId;
  return { ...fresh, ...overrides };
}

/**
 * A delivery as SnapTrade sends it once the app has a consumer key: the body and its `Signature`
 * header (base64 HMAC-SHA256 under the key), which the receiver then requires.
 */
export function signedSnapTrade(payload: Payload, consumerKey: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  return { body, headers: { signature: createHmac('sha256', consumerKey).update(body).digest('base64') } };
}
