import { createHmac, hkdfSync } from 'node:crypto';

/**
 * What the `UserId` search attribute holds. Search attributes bypass the payload codec, and user
 * ids are often emails, so with TEMPORAL_ENCRYPTION_KEY the attribute is an HMAC-SHA256 of the id
 * under a key derived (HKDF) from each encryption key: the first key's hash is published, and a
 * lookup asks for the hashes under every key (and the plain id, for workflows from before).
 * Without encryption nothing in Temporal is private, and the plain id is published.
 */
export interface UserIdAttribute {
  valueOf(userId: string): string;
  candidatesOf(userId: string): string[];
}

const HKDF_INFO = 'connection-lifecycle/search-attribute/UserId';

export function userIdAttributeFrom(encryptionKey: string | undefined): UserIdAttribute {
  if (!encryptionKey) return { valueOf: (userId) => userId, candidatesOf: (userId) => [userId] };
  const macKeys = encryptionKey.split(',').map((entry) => {
    const material = Buffer.from(entry.slice(entry.indexOf(':') + 1), 'base64');
    return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), HKDF_INFO, 32));
  });
  const hashUnder = (macKey: Buffer, userId: string) => `hmac-sha256:${createHmac('sha256', macKey).update(userId, 'utf8').digest('base64url')}`;
  return {
    valueOf: (userId) => hashUnder(macKeys[0]!, userId),
    candidatesOf: (userId) => [...new Set([...macKeys.map((macKey) => hashUnder(macKey, userId)), userId])],
  };
}

/** A visibility query for a user's workflows, to run with the SDK or paste into the Web UI. */
export function userWorkflowsQuery(provider: string, candidates: readonly string[]): string {
  const quoted = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  return `Provider = ${quoted(provider)} AND UserId IN (${candidates.map(quoted).join(', ')})`;
}
