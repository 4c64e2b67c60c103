import type { Config } from '../../config/config.ts';
import type { ProviderAdapter } from '../adapter.ts';
import { createUpvestAdapter } from './adapter.ts';
import { KEY_READER_SCOPES } from './api/client.ts';
import { upvestApiFrom } from './api/from-config.ts';
import { anyOf, apiKeys, fileKeys, inlineKeys, type VerificationKeys } from './verification-keys.ts';

type UpvestConfig = Pick<
  Config,
  | 'UPVEST_WEBHOOK_JWKS'
  | 'UPVEST_SIGNATURE_TOLERANCE'
  | 'UPVEST_JWKS_REFRESH_COOLDOWN'
  | 'UPVEST_BASE_URL'
  | 'UPVEST_TOKEN_URL'
  | 'UPVEST_CLIENT_ID'
  | 'UPVEST_CLIENT_SECRET'
  | 'UPVEST_API_VERSION'
  | 'UPVEST_SIGNING_KEY'
  | 'UPVEST_SIGNING_KEY_ID'
  | 'UPVEST_SIGNING_KEY_PASSPHRASE'
> &
  Partial<Pick<Config, 'UPVEST_MAX_BODY'>>;

/** The Upvest adapter when keys are configured; none otherwise, so /webhooks/upvest does not exist. */
export function upvestAdaptersFrom(config: UpvestConfig): ProviderAdapter[] {
  const options = { refreshCooldownMs: config.UPVEST_JWKS_REFRESH_COOLDOWN };
  const sources: VerificationKeys[] = [];
  const jwks = config.UPVEST_WEBHOOK_JWKS?.trim();
  if (jwks) sources.push(jwks.startsWith('{') ? inlineKeys(jwks) : fileKeys(jwks, options));
  const { UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET } = config;
  if (UPVEST_BASE_URL && UPVEST_CLIENT_ID && UPVEST_CLIENT_SECRET) {
    const api = upvestApiFrom({ ...config, UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET }, { scopes: KEY_READER_SCOPES });
    sources.push(apiKeys(() => api.verifyKeys(), { ...options, source: `${new URL(UPVEST_BASE_URL).origin}/auth/verify_keys` }));
  }
  if (sources.length === 0) return [];
  return [createUpvestAdapter({ keys: anyOf(sources), signatureToleranceMs: config.UPVEST_SIGNATURE_TOLERANCE, maxBodyBytes: config.UPVEST_MAX_BODY })];
}
