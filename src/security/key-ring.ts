import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under a list of keys, `keyId:base64(32 bytes)`, comma-separated: the first key
 * encrypts, every key decrypts, so keys rotate without re-encrypting what is stored first.
 * Sealed bytes are iv (12) ‖ tag (16) ‖ ciphertext.
 */
export interface KeyRing {
  currentKeyId: string;
  seal(plaintext: Uint8Array): Buffer;
  open(keyId: string, sealed: Uint8Array): Buffer;
}

export function createKeyRing(spec: string): KeyRing {
  const keys = new Map(
    spec.split(',').map((entry) => {
      const [id, key] = entry.split(':') as [string, string];
      return [id, Buffer.from(key, 'base64')] as const;
    }),
  );
  const [currentKeyId, currentKey] = [...keys.entries()][0]!;
  return {
    currentKeyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(keyId, sealed) {
      const key = keys.get(keyId);
      if (!key) throw new Error(`key ${keyId} is not configured`);
      const raw = Buffer.from(sealed);
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    },
  };
}
