import { randomUUID } from 'node:crypto';

export { newUpvestKey, signDelivery, type SignOptions, type UpvestKey } from '../../src/providers/upvest/webhook-signer.ts';

export type UpvestEvent = { id: string; created_at: string; type: string; object: Record<string, unknown>; webhook_id: string };

let clock = Date.parse('2024-05-01T10:00:00Z');

/** An event as Upvest sends it; created_at ascends across calls, as inside a package. */
export function upvestEvent(type: string, object: Record<string, unknown>): UpvestEvent {
  clock += 1000;
  return { id: randomUUID(), created_at: new Date(clock).toISOString(), type, object, webhook_id: 'a8eb3540-5a84-40f9-b2bb-7f99f282fc5a' };
}

export function upvestPackage(events: readonly unknown[]): string {
  return JSON.stringify({ payload: events });
}
