import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Upvest's side of a webhook delivery, written here from Upvest's description rather than with the
 * product's own code, so the receiver is checked against an independent signer: draft-6 message
 * signatures with bare component names in the base, a `digest` header, ECDSA P-521 / SHA-512, DER.
 */
export interface UpvestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: { kid: string; kty: 'EC'; crv: 'P-521'; x: string; y: string };
}

export function newUpvestKey(kid: string = randomUUID()): UpvestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const { x, y } = publicKey.export({ format: 'jwk' });
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

export type UpvestEvent = { id: string; created_at: string; type: string; object: Record<string, unknown>; webhook_id: string };

let clock = Date.parse('2024-05-01T10:00:00Z');

/** An event as Upvest sends it; created_at ascends across calls, as inside a package. */
export function upvestEvent(type: string, object: Record<string, unknown>): UpvestEvent {
  clock += 1000;
  return { id: randomUUID(), created_at: new Date(clock).toISOString(), type, object, webhook_id: 'a8eb3540-5a84-40f9-b2bb-7f99f282fc5a' };
}

export function upvestPackage(events: readonly unknown[]): string {
  return JSON.stringify({ payload: events });
}

/** A JWKS endpoint that counts its requests and can be made to fail. */
export interface JwksServer {
  url: string;
  requests: number;
  keys: UpvestKey['jwk'][];
  failing: boolean;
  close(): Promise<void>;
}

export async function startJwksServer(keys: UpvestKey[]): Promise<JwksServer> {
  const state = { requests: 0, keys: keys.map((key) => key.jwk), failing: false };
  const server: Server = createServer((_req, res) => {
    state.requests += 1;
    if (state.failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/auth/verify_keys`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
