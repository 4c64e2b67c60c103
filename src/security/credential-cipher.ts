import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface CredentialCipher {
  keyId: string;
  encrypt(plaintext: string): string;
  decrypt(keyId: string, ciphertext: string): string;
}

/**
 * AES-256-GCM for provider credentials at rest. The key list comes from CREDENTIALS_KEY: the first
 * key encrypts, every key decrypts, so keys rotate without re-encrypting first.
 */
export function createCredentialCipher(keySpec: string): CredentialCipher {
  const keys = new Map(
    keySpec.split(',').map((entry) => {
      const [id, key] = entry.split(':') as [string, string];
      return [id, Buffer.from(key, 'base64')] as const;
    }),
  );
  const [currentId, currentKey] = [...keys.entries()][0]!;
  return {
    keyId: currentId,
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(keyId, ciphertext) {
      const key = keys.get(keyId);
      if (!key) throw new Error(`credential key ${keyId} is not configured`);
      const raw = Buffer.from(ciphertext, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
