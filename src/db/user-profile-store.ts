import type { CredentialCipher } from '../security/credential-cipher.ts';
import type { Pool, PoolClient } from './pool.ts';

export interface UserContact {
  email: string | null;
  timeZone: string | null;
}

/** What the backend told us about reaching its user: where to email, which clock their evenings follow. */
export async function saveContact(pool: Pool, provider: string, userId: string, contact: UserContact): Promise<void> {
  await pool.query(
    `INSERT INTO user_contacts (provider, user_id, email, time_zone) VALUES ($1, $2, $3, $4)
     ON CONFLICT (provider, user_id) DO UPDATE SET email = EXCLUDED.email, time_zone = EXCLUDED.time_zone, updated_at = now()`,
    [provider, userId, contact.email, contact.timeZone],
  );
}

export async function loadContact(pool: Pool, provider: string, userId: string): Promise<UserContact | null> {
  const { rows } = await pool.query<{ email: string | null; time_zone: string | null }>(
    `SELECT email, time_zone FROM user_contacts WHERE provider = $1 AND user_id = $2`,
    [provider, userId],
  );
  return rows[0] ? { email: rows[0].email, timeZone: rows[0].time_zone } : null;
}

export async function saveCredential(pool: Pool, cipher: CredentialCipher, provider: string, userId: string, secret: string): Promise<void> {
  await pool.query(
    `INSERT INTO user_credentials (provider, user_id, key_id, ciphertext) VALUES ($1, $2, $3, $4)
     ON CONFLICT (provider, user_id) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, updated_at = now()`,
    [provider, userId, cipher.keyId, cipher.encrypt(secret)],
  );
}

export async function loadCredential(pool: Pool, cipher: CredentialCipher, provider: string, userId: string): Promise<string | null> {
  const { rows } = await pool.query<{ key_id: string; ciphertext: string }>(
    `SELECT key_id, ciphertext FROM user_credentials WHERE provider = $1 AND user_id = $2`,
    [provider, userId],
  );
  return rows[0] ? cipher.decrypt(rows[0].key_id, rows[0].ciphertext) : null;
}

/** Vezgo's loginName: personal data, kept here and never in workflow history. */
export async function saveLoginName(pool: Pool | PoolClient, provider: string, userId: string, loginName: string): Promise<void> {
  await pool.query(
    `INSERT INTO provider_users (provider, user_id, login_name) VALUES ($1, $2, $3)
     ON CONFLICT (provider, user_id) DO UPDATE SET login_name = EXCLUDED.login_name, updated_at = now()`,
    [provider, userId, loginName],
  );
}

export async function loadLoginName(pool: Pool, provider: string, userId: string): Promise<string | null> {
  const { rows } = await pool.query<{ login_name: string | null }>(
    `SELECT login_name FROM provider_users WHERE provider = $1 AND user_id = $2`,
    [provider, userId],
  );
  return rows[0]?.login_name ?? null;
}
