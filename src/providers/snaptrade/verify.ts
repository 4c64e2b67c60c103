import type { InboundWebhook } from '../adapter.ts';
import { constantTimeEqual, hmacSha256 } from '../constant-time.ts';
import { pythonCompactSortedJson } from '../python-json.ts';

export interface SnapTradeAdapterConfig {
  /** Accepted values of the body's `webhookSecret`; several during a rotation. */
  webhookSecrets: readonly string[];
  /** Enables the newer `Signature` header scheme. */
  consumerKey?: string | undefined;
  /**
   * Only a valid `Signature` authenticates (the body secret, sent in clear, no longer does).
   * Defaults to on when the consumer key is set, off otherwise.
   */
  requireSignature?: boolean | undefined;
  /** An authentic event whose `eventTimestamp` is further than this from now is refused; unset: any age. */
  maxEventAgeMs?: number | undefined;
  /** Keys of the app dialect's `x-snaptrade-signature`, when they are not the webhook secrets. */
  appSigningSecrets?: readonly string[] | undefined;
  now?: () => Date;
}

/**
 * SnapTrade has two schemes in the field: the body's `webhookSecret` (documented, deprecated,
 * still sent) and a newer `Signature` header, base64 HMAC-SHA256 under the consumer key. Their
 * reference signs the JSON re-serialized with sorted keys; the raw bytes are accepted too, since
 * that is what a signer that does not re-serialize would sign. The body secret travels in clear in
 * every delivery, so once a signature can be checked it is the only thing that authenticates
 * (unless `requireSignature` is turned off).
 */
export function verifySnapTradeAuthenticity(webhook: InboundWebhook, parsed: unknown, config: SnapTradeAdapterConfig & { requireSignature: boolean }): boolean {
  if (signatureMatches(webhook, parsed, config.consumerKey)) return true;
  return !config.requireSignature && bodySecretMatches(parsed, config.webhookSecrets);
}

function bodySecretMatches(parsed: unknown, secrets: readonly string[]): boolean {
  const presented = (parsed as { webhookSecret?: unknown } | null)?.webhookSecret;
  if (typeof presented !== 'string' || presented.length === 0) return false;
  // Every candidate is compared, so the time taken does not say which one matched.
  return secrets.map((secret) => constantTimeEqual(secret, presented)).includes(true);
}

function signatureMatches(webhook: InboundWebhook, parsed: unknown, consumerKey: string | undefined): boolean {
  const header = webhook.headers['signature'];
  if (!consumerKey || typeof header !== 'string' || header.length === 0) return false;
  const presented = Buffer.from(header.trim(), 'base64');
  const overRaw = hmacSha256(consumerKey, webhook.rawBody);
  const overSorted = Buffer.from(referenceSignature(consumerKey, parsed), 'base64');
  return [constantTimeEqual(overRaw, presented), constantTimeEqual(overSorted, presented)].includes(true);
}

/** The `Signature` header SnapTrade's reference sends for `body`: base64 HMAC over the sorted, compact JSON. */
export function referenceSignature(consumerKey: string, body: unknown): string {
  return hmacSha256(consumerKey, pythonCompactSortedJson(body)).toString('base64');
}
