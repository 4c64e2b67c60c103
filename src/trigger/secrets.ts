import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JsonWebKey } from 'node:crypto';
import { upvestKeyFromJwk, type UpvestKey } from '../providers/upvest/webhook-signer.ts';

/** What the trigger signs and reads with; each absent value only disables what needs it. */
export interface TriggerSecrets {
  snapTradeWebhookSecret?: string | undefined;
  snapTradeConsumerKey?: string | undefined;
  /** Keys the app dialect's `x-snaptrade-signature`; the webhook secret when not set separately. */
  snapTradeAppSecret?: string | undefined;
  vezgoClientId?: string | undefined;
  vibeWebhookSecret?: string | undefined;
  vibeAccountId?: string | undefined;
  upvestKey?: UpvestKey | undefined;
  apiToken?: string | undefined;
}

/** Where `npm start` keeps the secrets it generated. */
export function devSecretsFile(env: NodeJS.ProcessEnv): string {
  return resolve(env.DEV_SECRETS_FILE ?? join(env.DATA_DIR ?? '.data', 'dev-secrets.json'));
}

/**
 * The environment first (the same variables the receiver reads), then the dev stack's file. Lists
 * (a secret during rotation) sign with their first entry, the one a provider sends.
 */
export function triggerSecrets(env: NodeJS.ProcessEnv): TriggerSecrets {
  const file = devSecretsFile(env);
  const dev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const value = (name: string): string | undefined => {
    const raw = env[name] || (typeof dev[name] === 'string' ? (dev[name] as string) : undefined);
    return raw?.split(',')[0]?.trim() || undefined;
  };
  const webhookSecret = value('SNAPTRADE_WEBHOOK_SECRET');
  const jwk = upvestJwk(env.UPVEST_WEBHOOK_SIGNING_JWK, dev.UPVEST_WEBHOOK_SIGNING_JWK);
  return {
    snapTradeWebhookSecret: webhookSecret,
    snapTradeConsumerKey: value('SNAPTRADE_CONSUMER_KEY'),
    snapTradeAppSecret: value('SNAPTRADE_APP_SIGNING_SECRET') ?? webhookSecret,
    vezgoClientId: value('VEZGO_CLIENT_ID'),
    vibeWebhookSecret: value('VIBE_WEBHOOK_SECRET'),
    vibeAccountId: value('VIBE_ACCOUNT_ID'),
    upvestKey: jwk ? upvestKeyFromJwk(jwk) : undefined,
    apiToken: value('API_TOKEN'),
  };
}

/** Inline JSON or the path of a file holding the private JWK. */
function upvestJwk(fromEnv: string | undefined, fromFile: unknown): (JsonWebKey & { kid?: unknown }) | undefined {
  if (fromEnv) return JSON.parse(fromEnv.trim().startsWith('{') ? fromEnv : readFileSync(fromEnv, 'utf8'));
  return fromFile !== null && typeof fromFile === 'object' ? (fromFile as JsonWebKey) : undefined;
}
