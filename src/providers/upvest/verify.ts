import { verify, type KeyObject } from 'node:crypto';
import type { InboundWebhook } from '../adapter.ts';
import { digestMatches, type DigestHeader } from './body-digest.ts';
import { signatureBase, type NameStyle, type SignedMessage } from './signature-base.ts';
import { parseSignatureInputs, parseSignatures, type SignatureInput } from './signature-fields.ts';
import type { VerificationKeys } from './verification-keys.ts';

export interface SignatureCheckOptions {
  /** How old `created` may be, and how far past `expires` a request may arrive. */
  toleranceMs: number;
  now?: () => number;
}

export type SignatureCheck = { ok: true; keyId: string } | { ok: false; reason: string };

/** A clock a little ahead of ours is normal; a signature from further in the future is not. */
const CLOCK_SKEW_MS = 30_000;
/** P-521 r‖s: two 66-byte integers. Upvest's signer sends DER; other signers send this. */
const RAW_P521_SIGNATURE_BYTES = 132;
const digestHeaders: readonly DigestHeader[] = ['digest', 'content-digest'];
// Upvest's draft first; a signer following the later drafts quotes the names.
const nameStyles: readonly NameStyle[] = ['bare', 'quoted'];

/**
 * Upvest's HTTP message signature: ECDSA P-521 / SHA-512 over the components `signature-input`
 * lists, which must include a body digest that matches the bytes received. Throws
 * VerificationKeysUnavailable when the keys cannot be had, which is not the sender's fault.
 */
export async function verifyUpvestSignature(
  webhook: InboundWebhook,
  keys: VerificationKeys,
  options: SignatureCheckOptions,
): Promise<SignatureCheck> {
  const inputHeader = single(webhook.headers['signature-input']);
  const signatureHeader = single(webhook.headers['signature']);
  if (!inputHeader || !signatureHeader) return { ok: false, reason: 'signature and signature-input headers are required' };

  const signatures = parseSignatures(signatureHeader);
  const candidates = parseSignatureInputs(inputHeader).filter((input) => signatures.has(input.label));
  if (candidates.length === 0) return { ok: false, reason: 'no signature-input member has a matching signature' };

  let failure: SignatureCheck = { ok: false, reason: 'signature does not verify' };
  for (const input of candidates) {
    const check = await checkOne(webhook, input, signatures.get(input.label)!, keys, options);
    if (check.ok) return check;
    failure = check;
  }
  return failure;
}

async function checkOne(
  webhook: InboundWebhook,
  input: SignatureInput,
  signature: Buffer,
  keys: VerificationKeys,
  options: SignatureCheckOptions,
): Promise<SignatureCheck> {
  const { keyid, created, expires } = input.parameters;
  if (typeof keyid !== 'string' || keyid.length === 0) return { ok: false, reason: 'keyid is missing' };
  if (typeof created !== 'number') return { ok: false, reason: 'created is missing' };
  if (expires !== undefined && typeof expires !== 'number') return { ok: false, reason: 'expires is not a number' };

  const now = (options.now ?? Date.now)();
  if (created * 1000 > now + CLOCK_SKEW_MS) return { ok: false, reason: 'created is in the future' };
  if (created * 1000 < now - options.toleranceMs) return { ok: false, reason: 'created is too old' };
  if (expires !== undefined && expires * 1000 < now - CLOCK_SKEW_MS) return { ok: false, reason: 'signature has expired' };

  const digestHeader = digestHeaders.find((name) => input.components.includes(name));
  if (!digestHeader) return { ok: false, reason: 'the signature does not cover a body digest' };
  const digest = single(webhook.headers[digestHeader]);
  if (!digest || !digestMatches(digestHeader, digest, webhook.oversize?.digests ?? webhook.rawBody)) return { ok: false, reason: `${digestHeader} does not match the body` };

  const message: SignedMessage = { method: webhook.method ?? '', target: webhook.target ?? '', headers: webhook.headers };
  const bases = nameStyles.flatMap((style) => input.signatureParams.flatMap((params) => signatureBase(input.components, message, params, style) ?? []));
  if (bases.length === 0) return { ok: false, reason: 'a signed component is missing from the request' };

  const key = await keys.keyFor(keyid);
  if (!key) return { ok: false, reason: 'unknown keyid' };
  return bases.some((base) => ecdsaVerifies(key, base, signature)) ? { ok: true, keyId: keyid } : { ok: false, reason: 'signature does not verify' };
}

function ecdsaVerifies(key: KeyObject, base: string, signature: Buffer): boolean {
  const data = Buffer.from(base, 'utf8');
  const encodings = signature.length === RAW_P521_SIGNATURE_BYTES ? (['der', 'ieee-p1363'] as const) : (['der'] as const);
  return encodings.some((dsaEncoding) => {
    try {
      return verify('sha512', data, { key, dsaEncoding }, signature);
    } catch {
      return false;
    }
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
