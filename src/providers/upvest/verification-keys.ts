import { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keysById, parseJwks, type Jwks } from './jwks.ts';

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

/**
 * Upvest's `GET /auth/verify_keys`, which it answers only to the tenant's OAuth token on a signed
 * request: fetched through the API client, cached, and fetched again on an unknown keyid, at most
 * once per cooldown (forged keyids cost Upvest no more than that). Concurrent misses share one
 * fetch. While the latest fetch has failed, an unknown keyid cannot be judged: unavailable (503).
 */
export function apiKeys(fetchJwks: () => Promise<Jwks>, options: KeySourceOptions & { source: string }): VerificationKeys {
  let keys = new Map<string, KeyObject>();
  let lastError: Error | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let fetching: Promise<void> | undefined;

  const refresh = () =>
    (fetching ??= (async () => {
      attemptedAt = Date.now();
      try {
        keys = keysById(await fetchJwks());
        lastError = undefined;
      } catch (error) {
        lastError = error as Error;
      } finally {
        fetching = undefined;
      }
    })());

  return {
    async keyFor(keyId) {
      if (keys.has(keyId)) return keys.get(keyId);
      if (fetching) await fetching;
      else if (Date.now() - attemptedAt >= options.refreshCooldownMs) await refresh();
      if (keys.has(keyId)) return keys.get(keyId);
      if (lastError) throw new VerificationKeysUnavailable(`fetching ${options.source}: ${lastError.message}`);
      return undefined;
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
