import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface DevSecrets {
  SNAPTRADE_WEBHOOK_SECRET: string;
  API_TOKEN: string;
}

/**
 * A fresh clone has no secrets configured; the embedded stack makes its own once and keeps them in
 * a git-ignored file (mode 600), so they are never printed and survive restarts.
 */
export function loadOrCreateDevSecrets(file: string): DevSecrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    SNAPTRADE_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
    API_TOKEN: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
