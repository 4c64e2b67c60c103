import { createHash } from 'node:crypto';

/**
 * Body digests: the `digest` header of Upvest's webhooks (`SHA-256=<base64>`, RFC 3230) and the
 * `content-digest` of newer drafts (`sha-512=:<base64>:`). A signature covers only the header, so
 * the header must be checked against the bytes actually received.
 */
const algorithms: Readonly<Record<string, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

export type DigestHeader = 'digest' | 'content-digest';

/**
 * True when at least one entry uses an algorithm we know and every such entry matches the body:
 * its bytes, or the digests computed while it streamed through (a body too large to keep).
 */
export function digestMatches(kind: DigestHeader, header: string, body: Buffer | { sha256: Buffer; sha512: Buffer }): boolean {
  let checked = 0;
  for (const entry of header.split(',')) {
    const equals = entry.indexOf('=');
    if (equals < 0) continue;
    const algorithm = algorithms[entry.slice(0, equals).trim().toLowerCase()];
    if (!algorithm) continue;
    const value = entry.slice(equals + 1).trim();
    const encoded = kind === 'content-digest' ? /^:(.*):$/.exec(value)?.[1] : value;
    if (encoded === undefined) return false;
    const actual = Buffer.isBuffer(body) ? createHash(algorithm).update(body).digest() : body[algorithm as 'sha256' | 'sha512'];
    if (!Buffer.from(encoded, 'base64').equals(actual)) return false;
    checked += 1;
  }
  return checked > 0;
}

export function contentDigestOf(body: Buffer): string {
  return `sha-512=:${createHash('sha512').update(body).digest('base64')}:`;
}
