import { z } from 'zod';
import { apiErrorFrom } from './problem.ts';
import type { RequestSigner } from './request-signer.ts';

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
});

export interface TokenSourceOptions {
  tokenUrl: URL;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  apiVersion: string;
  signer?: RequestSigner | undefined;
  fetch: typeof fetch;
  now?: () => number;
}

/** A token is asked for again this long before it expires, so none is used at its last second. */
const EXPIRY_MARGIN_MS = 30_000;
/** When the token endpoint does not say how long a token lives. */
const DEFAULT_LIFETIME_S = 300;

export interface TokenSource {
  get(): Promise<string>;
  /** Forgets the token, for when the API refused it before it expired. */
  invalidate(): void;
}

/** OAuth client credentials; the token is kept in memory only and reused while it lives. */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | undefined;
  const get = async () => {
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now()) return cached.token;
    const body = Buffer.from(
      new URLSearchParams({
        client_id: options.clientId,
        client_secret: options.clientSecret,
        grant_type: 'client_credentials',
        scope: options.scopes.join(' '),
      }).toString(),
    );
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'upvest-client-id': options.clientId,
      'upvest-api-version': options.apiVersion,
    };
    const signed = options.signer?.({ method: 'POST', url: options.tokenUrl, headers, body }) ?? {};
    const response = await options.fetch(options.tokenUrl, { method: 'POST', headers: { ...headers, ...signed }, body });
    if (!response.ok) throw await apiErrorFrom(response);
    const token = tokenResponseSchema.parse(await response.json());
    cached = { token: token.access_token, expiresAt: now() + (token.expires_in ?? DEFAULT_LIFETIME_S) * 1000 };
    return cached.token;
  };
  return {
    get,
    invalidate() {
      cached = undefined;
    },
  };
}
