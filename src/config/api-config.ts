import { isIP } from 'node:net';
import { z } from 'zod';
import { durationMs } from './duration.ts';

/** Algorithms a JWKS of public keys can verify; HMAC ("HS…") and "none" have no business here. */
const asymmetricAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

const algorithmList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0))
  .pipe(z.array(z.enum(asymmetricAlgorithms, { error: (issue) => `${String(issue.input)} is not an asymmetric JWS algorithm (${asymmetricAlgorithms.join(', ')})` })).min(1));

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Keys fetched in clear from elsewhere could be swapped in transit, and every token with them. */
const jwksUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}, 'must be an https:// URL (http:// only on loopback)');

/** Who may call the HTTP API besides holders of API_TOKEN: JWTs from the organisation's issuer. */
export const apiAuthEnv = {
  API_JWKS_URL: jwksUrl.optional(),
  API_JWT_ISSUER: z.string().min(1).optional(),
  API_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Pinned: a token naming any other algorithm is refused, whatever keys the JWKS holds. */
  API_JWT_ALGORITHMS: algorithmList.default(['RS256', 'ES256', 'EdDSA']),
  /** Clock skew allowed on `exp` and `nbf`: small, or expiry means little. */
  API_JWT_CLOCK_TOLERANCE: durationMs.pipe(z.number().max(300_000, 'at most 5m')).default(30_000),
  /** A backend's connection attempt with no provider webhook by then is abandoned. */
  ATTEMPT_TIMEOUT: durationMs.default(30 * 60_000),
};

/** The three JWT settings go together: half of them would silently leave JWTs refused. */
export function checkJwtSettings(
  config: { API_JWKS_URL?: string | undefined; API_JWT_ISSUER?: string | undefined; API_JWT_AUDIENCE?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const names = ['API_JWKS_URL', 'API_JWT_ISSUER', 'API_JWT_AUDIENCE'] as const;
  const set = names.filter((name) => config[name] !== undefined);
  if (set.length === 0 || set.length === names.length) return;
  for (const name of names.filter((candidate) => config[candidate] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [name], message: `is required with ${set.join(' and ')}` });
  }
}
