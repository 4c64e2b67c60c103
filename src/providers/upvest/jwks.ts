import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** A verification key as `GET /auth/verify_keys` publishes it: EC over P-521, named by `kid`. */
export const upvestJwkSchema = z.object({
  kid: z.string().min(1).max(256),
  kty: z.literal('EC'),
  crv: z.literal('P-521'),
  x: z.string().min(1).max(200),
  y: z.string().min(1).max(200),
});

/** Keys of other types are allowed in the set (Upvest may add some) and left out of verification. */
export const jwksSchema = z.object({ keys: z.array(z.looseObject({})) });

export type UpvestJwk = z.infer<typeof upvestJwkSchema>;
export type Jwks = z.infer<typeof jwksSchema>;

export function usableJwks(jwks: Jwks): UpvestJwk[] {
  return jwks.keys.flatMap((key) => {
    const parsed = upvestJwkSchema.safeParse(key);
    return parsed.success ? [parsed.data] : [];
  });
}

/** kid → public key; throws if a P-521 key's coordinates are not on the curve. */
export function keysById(jwks: Jwks): Map<string, KeyObject> {
  return new Map(usableJwks(jwks).map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
}

/** Parses JWKS text, naming what is wrong in terms an operator can act on. */
export function parseJwks(text: string, source: string): Jwks {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${source} is not a JWKS ({"keys":[…]})`);
  return parsed.data;
}
