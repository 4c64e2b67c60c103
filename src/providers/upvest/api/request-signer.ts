import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { contentDigestOf } from '../body-digest.ts';
import { signatureBase } from '../signature-base.ts';

export interface OutgoingRequest {
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: Buffer;
}

/** Headers to add to `request` so Upvest's API accepts it as the tenant's. */
export type RequestSigner = (request: OutgoingRequest) => Record<string, string>;

/** Upvest's API checks a signature's age in seconds, so one is made per request and lives briefly. */
const SIGNATURE_LIFETIME_S = 5;
const coveredHeaders = ['accept', 'authorization', 'content-type', 'content-digest', 'idempotency-key', 'upvest-client-id'];

/**
 * Signs API requests the way Upvest's API expects them (HTTP message signatures, draft 15:
 * quoted component names, `content-digest` over the body). Upvest registers the tenant's public
 * key; ECDSA keys sign with SHA-512, Ed25519 keys with itself.
 */
export function createRequestSigner(key: KeyObject, keyId: string, now: () => number = Date.now): RequestSigner {
  return (request) => {
    const added: Record<string, string> = request.body ? { 'content-digest': contentDigestOf(request.body) } : {};
    const headers = { ...request.headers, ...added };
    const components = ['@method', '@path', ...(request.url.search ? ['@query'] : []), ...coveredHeaders.filter((name) => name in headers)];
    const created = Math.floor(now() / 1000);
    const params =
      `(${components.map((component) => `"${component}"`).join(' ')});keyid="${keyId}";` +
      `created=${created};expires=${created + SIGNATURE_LIFETIME_S};nonce="${randomBytes(16).toString('hex')}"`;
    const message = {
      method: request.method,
      target: `${request.url.pathname}${request.url.search}`,
      authority: request.url.host,
      scheme: request.url.protocol.replace(/:$/, ''),
      headers,
    };
    const base = Buffer.from(signatureBase(components, message, params, 'quoted')!, 'utf8');
    const signature = key.asymmetricKeyType === 'ed25519' ? sign(null, base, key) : sign('sha512', base, { key, dsaEncoding: 'der' });
    return {
      ...added,
      'signature-input': `sig1=${params}`,
      signature: `sig1=:${signature.toString('base64')}:`,
      'upvest-signature-version': '15',
    };
  };
}

/** A PEM private key given inline or as a file path. */
export function signingKeyFrom(pemOrPath: string, passphrase?: string): KeyObject {
  const pem = pemOrPath.includes('-----BEGIN') ? pemOrPath : existsSync(pemOrPath) ? readFileSync(pemOrPath, 'utf8') : undefined;
  if (!pem) throw new Error('UPVEST_SIGNING_KEY is neither a PEM key nor the path of a file holding one');
  return createPrivateKey({ key: pem, format: 'pem', ...(passphrase ? { passphrase } : {}) });
}
