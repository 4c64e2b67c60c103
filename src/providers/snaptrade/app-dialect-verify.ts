import { constantTimeEqual, hmacSha256 } from '../constant-time.ts';

export const APP_SIGNATURE_HEADER = 'x-snaptrade-signature';

const hexDigest = /^[0-9a-f]{64}$/i;

/**
 * `x-snaptrade-signature`: HMAC-SHA256 of the raw body under the webhook secret, sent hex or
 * base64 (apps in the field do both; 64 hex digits cannot be mistaken for the 44 characters of
 * base64). Every configured secret is tried, so the time taken does not say which one matched.
 */
export function appSignatureMatches(rawBody: Buffer, header: string | string[] | undefined, secrets: readonly string[]): boolean {
  if (typeof header !== 'string' || header.trim().length === 0) return false;
  const value = header.trim();
  const presented = hexDigest.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  return secrets.map((secret) => constantTimeEqual(hmacSha256(secret, rawBody), presented)).includes(true);
}

/** What an app-dialect sender puts in `x-snaptrade-signature` (the hex form). */
export function appSignature(secret: string, rawBody: string | Buffer): string {
  return hmacSha256(secret, rawBody).toString('hex');
}
