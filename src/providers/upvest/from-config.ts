import type { Config } from '../../config/config.ts';
import type { ProviderAdapter } from '../adapter.ts';
import { createUpvestAdapter } from './adapter.ts';
import { anyOf, fileKeys, inlineKeys, remoteKeys, type VerificationKeys } from './verification-keys.ts';

type UpvestConfig = Pick<Config, 'UPVEST_WEBHOOK_JWKS' | 'UPVEST_WEBHOOK_JWKS_URL' | 'UPVEST_SIGNATURE_TOLERANCE' | 'UPVEST_JWKS_REFRESH_COOLDOWN'>;

/** The Upvest adapter when keys are configured; none otherwise, so /webhooks/upvest does not exist. */
export function upvestAdaptersFrom(config: UpvestConfig): ProviderAdapter[] {
  const options = { refreshCooldownMs: config.UPVEST_JWKS_REFRESH_COOLDOWN };
  const sources: VerificationKeys[] = [];
  const jwks = config.UPVEST_WEBHOOK_JWKS?.trim();
  if (jwks) sources.push(jwks.startsWith('{') ? inlineKeys(jwks) : fileKeys(jwks, options));
  if (config.UPVEST_WEBHOOK_JWKS_URL) sources.push(remoteKeys(new URL(config.UPVEST_WEBHOOK_JWKS_URL), options));
  if (sources.length === 0) return [];
  return [createUpvestAdapter({ keys: anyOf(sources), signatureToleranceMs: config.UPVEST_SIGNATURE_TOLERANCE })];
}
