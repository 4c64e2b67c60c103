import { randomBytes, type JsonWebKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { newUpvestKey, privateJwkOf } from '../providers/upvest/webhook-signer.ts';

export interface DevSecrets {
  SNAPTRADE_WEBHOOK_SECRET: string;
  API_TOKEN: string;
  VEZGO_CLIENT_ID: string;
  VIBE_WEBHOOK_SECRET: string;
  VIBE_ACCOUNT_ID: string;
  /** The private half of the key the dev stack trusts for Upvest webhooks: `npm run trigger` signs with it. */
  UPVEST_WEBHOOK_SIGNING_JWK: JsonWebKey & { kid: string };
  /** The codec's secret URL for the embedded Web UI, when payloads are encrypted. */
  TEMPORAL_CODEC_URL_TOKEN: string;
}

const generators: { [K in keyof DevSecrets]: () => DevSecrets[K] } = {
  SNAPTRADE_WEBHOOK_SECRET: () => randomBytes(24).toString('base64url'),
  API_TOKEN: () => randomBytes(32).toString('base64url'),
  VEZGO_CLIENT_ID: () => `dev-${randomBytes(8).toString('hex')}`,
  VIBE_WEBHOOK_SECRET: () => randomBytes(24).toString('base64url'),
  VIBE_ACCOUNT_ID: () => 'dev-vibe-account',
  UPVEST_WEBHOOK_SIGNING_JWK: () => privateJwkOf(newUpvestKey(`dev-${randomBytes(4).toString('hex')}`)),
  TEMPORAL_CODEC_URL_TOKEN: () => randomBytes(32).toString('base64url'),
};

/**
 * A fresh clone has no secrets configured; the embedded stack makes its own once and keeps them in
 * a git-ignored file (mode 600), so they are never printed and survive restarts. A file from an
 * older version gets the secrets it lacks added.
 */
export function loadOrCreateDevSecrets(file: string): DevSecrets {
  const kept: Partial<DevSecrets> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>) : {};
  const missing = (Object.keys(generators) as (keyof DevSecrets)[]).filter((name) => kept[name] === undefined);
  if (missing.length === 0) return kept as DevSecrets;
  const secrets = { ...kept, ...Object.fromEntries(missing.map((name) => [name, generators[name]()])) } as DevSecrets;
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** The public JWKS the receiver verifies the dev Upvest key with. */
export function devUpvestJwks(secrets: DevSecrets): string {
  const { kid, kty, crv, x, y } = secrets.UPVEST_WEBHOOK_SIGNING_JWK;
  return JSON.stringify({ keys: [{ kid, kty, crv, x, y }] });
}

/**
 * Every provider's webhook route on under `npm start`, with the generated secrets, unless the
 * environment configures that provider itself; `npm run trigger` reads the same file. Vezgo's
 * documented source addresses are replaced by loopback: the dev receiver only listens there.
 */
export function applyDevSecrets(env: NodeJS.ProcessEnv, secrets: DevSecrets): void {
  env.SNAPTRADE_WEBHOOK_SECRET ??= secrets.SNAPTRADE_WEBHOOK_SECRET;
  env.API_TOKEN ??= secrets.API_TOKEN;
  if (env.TEMPORAL_ENCRYPTION_KEY) env.TEMPORAL_CODEC_URL_TOKEN ??= secrets.TEMPORAL_CODEC_URL_TOKEN;
  if (!env.UPVEST_WEBHOOK_JWKS && !env.UPVEST_BASE_URL) env.UPVEST_WEBHOOK_JWKS = devUpvestJwks(secrets);
  if (!env.VEZGO_CLIENT_ID) {
    env.VEZGO_CLIENT_ID = secrets.VEZGO_CLIENT_ID;
    env.VEZGO_ALLOWED_IPS ??= '127.0.0.1,::1';
  }
  if (!env.VIBE_WEBHOOK_SECRET) {
    env.VIBE_WEBHOOK_SECRET = secrets.VIBE_WEBHOOK_SECRET;
    env.VIBE_ACCOUNT_ID ??= secrets.VIBE_ACCOUNT_ID;
  }
}
