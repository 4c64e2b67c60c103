import { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors } from 'jose';
import { keysById, parseJwks } from './jwks.ts';

/** Where Upvest's public keys come from; undefined means the keyid is not among them. */
export interface VerificationKeys {
  keyFor(keyId: string): Promise<KeyObject | undefined>;
}

/** The keys could not be had (JWKS URL down, file unreadable): a reason to retry, not to reject. */
export class VerificationKeysUnavailable extends Error {}

export interface KeySourceOptions {
  /** Least time between two reloads prompted by an unknown keyid, so forged keyids cannot flood the source. */
  refreshCooldownMs: number;
}

export function inlineKeys(json: string): VerificationKeys {
  const keys = keysById(parseJwks(json, 'UPVEST_WEBHOOK_JWKS'));
  return { keyFor: async (keyId) => keys.get(keyId) };
}

/**
 * A JWKS file (what `upvest webhooks keys` writes). It is read at start, so a bad file stops the
 * receiver, and read again on an unknown keyid, so a rotation needs no restart.
 */
export function fileKeys(path: string, options: KeySourceOptions): VerificationKeys {
  const read = () => keysById(parseJwks(readFileSync(path, 'utf8'), path));
  let keys = read();
  let readAt = Date.now();
  return {
    async keyFor(keyId) {
      if (keys.has(keyId) || Date.now() - readAt < options.refreshCooldownMs) return keys.get(keyId);
      readAt = Date.now();
      try {
        keys = read();
      } catch (error) {
        throw new VerificationKeysUnavailable(`reading ${path}: ${(error as Error).message}`);
      }
      return keys.get(keyId);
    },
  };
}

/** Fetched with jose, cached, and fetched again (at most once per cooldown) on an unknown keyid. */
export function remoteKeys(url: URL, options: KeySourceOptions): VerificationKeys {
  const jwks = createRemoteJWKSet(url, { cooldownDuration: options.refreshCooldownMs });
  return {
    async keyFor(keyId) {
      try {
        return KeyObject.from(await jwks({ alg: 'ES512', kid: keyId }));
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return undefined;
        throw new VerificationKeysUnavailable(`fetching ${url.origin}${url.pathname}: ${(error as Error).message}`);
      }
    },
  };
}

/** The first source that knows the keyid wins. */
export function anyOf(sources: readonly VerificationKeys[]): VerificationKeys {
  return {
    async keyFor(keyId) {
      for (const source of sources) {
        const key = await source.keyFor(keyId);
        if (key) return key;
      }
      return undefined;
    },
  };
}
