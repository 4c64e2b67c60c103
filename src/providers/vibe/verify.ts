import { constantTimeEqual, hmacSha256 } from '../constant-time.ts';

/**
 * `X-Webhook-Signature`: the hex HMAC-SHA256 of the raw body under the webhook secret, compared
 * as Vibe's own example compares it (exactly, against the lowercase hex digest). Every configured
 * secret is tried, so the time taken does not say which one matched.
 */
export function vibeSignatureMatches(rawBody: Buffer, header: string | string[] | undefined, secrets: readonly string[]): boolean {
  if (typeof header !== 'string' || header.length === 0) return false;
  return secrets.map((secret) => constantTimeEqual(vibeSignature(rawBody, secret), header)).includes(true);
}

/** What Vibe sends in `X-Webhook-Signature` for `rawBody`. */
export function vibeSignature(rawBody: string | Buffer, secret: string): string {
  return hmacSha256(secret, rawBody).toString('hex');
}
