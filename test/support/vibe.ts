import examples from '../fixtures/vibe-seed-examples.json' with { type: 'json' };
import { vibeSignature as signedUnder } from '../../src/providers/vibe/verify.ts';

export type VibePayload = { event: string; timestamp?: string; data: Record<string, unknown> };

/** The example payloads of Vibe Trading's webhook guide: its twelve events and its two test deliveries. */
export const vibeSeedExamples = examples as VibePayload[];

export const VIBE_SECRET = 'vibe-webhook-secret-do-not-leak-31c9';

/** What Vibe sends: the hex HMAC-SHA256 of the exact body bytes. */
export function vibeSignature(body: string | Buffer, secret = VIBE_SECRET): string {
  return signedUnder(body, secret);
}

export function vibeExample(event: string): VibePayload {
  const example = vibeSeedExamples.find((candidate) => candidate.event === event);
  if (!example) throw new Error(`no seed example for ${event}`);
  return structuredClone(example);
}
