import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Upvest's side of a webhook delivery, written from Upvest's description rather than with the
 * verifier's code (signature-base.ts), so the receiver is checked against an independent signer:
 * draft-6 message signatures with bare component names in the base, a `digest` header, ECDSA
 * P-521 / SHA-512, DER. `npm run trigger` signs with it too, with a key the dev stack trusts.
 */
export interface UpvestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: { kid: string; kty: 'EC'; crv: 'P-521'; x: string; y: string };
}

export function newUpvestKey(kid: string = randomUUID()): UpvestKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  return upvestKeyOf(kid, privateKey);
}

/** A key from its private JWK (with `kid` and `d`), as the dev stack keeps it. */
export function upvestKeyFromJwk(jwk: JsonWebKey & { kid?: unknown }): UpvestKey {
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new Error('the Upvest signing JWK needs a kid');
  return upvestKeyOf(jwk.kid, createPrivateKey({ key: jwk, format: 'jwk' }));
}

/** The private JWK to keep, `kid` included. */
export function privateJwkOf(key: UpvestKey): JsonWebKey & { kid: string } {
  return { ...key.privateKey.export({ format: 'jwk' }), kid: key.kid };
}

function upvestKeyOf(kid: string, privateKey: KeyObject): UpvestKey {
  const { x, y, crv } = privateKey.export({ format: 'jwk' });
  if (crv !== 'P-521') throw new Error('Upvest signs with ECDSA P-521 keys');
  return { kid, privateKey, jwk: { kid, kty: 'EC', crv: 'P-521', x: x!, y: y! } };
}

export interface SignOptions {
  path?: string;
  /** Seconds since the epoch; now by default. */
  created?: number;
  expires?: number;
  keyId?: string;
  components?: string[];
  /** How component names are written in `signature-input` (the base always has them bare, unless `quotedBase`). */
  quotedInput?: boolean;
  quotedBase?: boolean;
  encoding?: 'der' | 'ieee-p1363';
  contentType?: string;
}

/** The headers Upvest sends with `body`, signed with `key`. */
export function signDelivery(body: string | Buffer, key: UpvestKey, options: SignOptions = {}): Record<string, string> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const expires = options.expires ?? created + 60;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'content-length': String(bytes.length),
    digest: `SHA-256=${createHash('sha256').update(bytes).digest('base64')}`,
  };
  const values: Record<string, string> = { '@method': 'POST', '@path': options.path ?? '/webhooks/upvest', ...headers };
  const components = options.components ?? ['@method', '@path', 'content-type', 'content-length', 'digest'];
  const list = components.map((name) => (options.quotedInput === false ? name : `"${name}"`)).join(' ');
  const params = `(${list});created=${created};expires=${expires};keyid="${options.keyId ?? key.kid}";alg="ecdsa-p521-sha512"`;
  const name = (component: string) => (options.quotedBase ? `"${component}"` : component);
  const base = [...components.map((component) => `${name(component)}: ${values[component]}`), `${name('@signature-params')}: ${params}`].join('\n');
  const signature = sign('sha512', Buffer.from(base), { key: key.privateKey, dsaEncoding: options.encoding ?? 'der' });
  return { ...headers, 'signature-input': `sig1=${params}`, signature: `sig1=:${signature.toString('base64')}:` };
}
