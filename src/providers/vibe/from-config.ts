import { ConfigError, type Config } from '../../config/config.ts';
import type { ProviderAdapter } from '../adapter.ts';
import { createVibeAdapter } from './adapter.ts';

type VibeConfig = Pick<Config, 'VIBE_WEBHOOK_SECRET' | 'VIBE_ACCOUNT_ID' | 'VIBE_ALLOWED_IPS'>;

/** The Vibe adapter when a webhook secret is configured; none otherwise, so /webhooks/vibe does not exist. */
export function vibeAdaptersFrom(config: VibeConfig): ProviderAdapter[] {
  if (!config.VIBE_WEBHOOK_SECRET) return [];
  if (!config.VIBE_ACCOUNT_ID) throw new ConfigError('Invalid configuration:\n  VIBE_ACCOUNT_ID: is required with VIBE_WEBHOOK_SECRET');
  return [createVibeAdapter({ webhookSecrets: config.VIBE_WEBHOOK_SECRET, accountId: config.VIBE_ACCOUNT_ID, allowedAddresses: config.VIBE_ALLOWED_IPS })];
}
