import { constantTimeEqual, hmacSha256 } from '../constant-time.ts';

/**
 * `X-Webhook-Signature`: the hex HMAC-SHA256 of the raw body under the webhook secret, compared
 * as Vibe's own example compares it (exactly, against the lowercase hex digest). Every configured
 * secret is tried, so the time taken does not say which one matched.
 */
export function vibeSignatureMatches(rawBody: Buffer, header: string | string[] | undefined, secrets: readonly string[]): boolean {
  if (typeof header !== 'string' || header.length === 0) return false;
  return secrets.map((secret) => constantTimeEqual(hmacSha256(secret, rawBody).toString('hex'), header)).includes(true);
}
