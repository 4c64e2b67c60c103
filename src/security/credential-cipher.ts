import { createKeyRing } from './key-ring.ts';

export interface CredentialCipher {
  keyId: string;
  encrypt(plaintext: string): string;
  decrypt(keyId: string, ciphertext: string): string;
}

/** Provider credentials at rest, under CREDENTIALS_KEY; the key id is stored beside each value. */
export function createCredentialCipher(keySpec: string): CredentialCipher {
  const ring = createKeyRing(keySpec);
  return {
    keyId: ring.currentKeyId,
    encrypt: (plaintext) => ring.seal(Buffer.from(plaintext, 'utf8')).toString('base64'),
    decrypt: (keyId, ciphertext) => ring.open(keyId, Buffer.from(ciphertext, 'base64')).toString('utf8'),
  };
}
