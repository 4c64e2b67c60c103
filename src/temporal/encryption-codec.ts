import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

/**
 * AES-256-GCM over each whole payload (metadata included), so history shows only ciphertext to
 * anyone with UI access. The key id travels in the clear so old payloads still decrypt after a
 * rotation. Search attributes are never encoded by Temporal: nothing personal goes there.
 */
export function createEncryptionCodec(keySpec: string): PayloadCodec {
  const keys = new Map(
    keySpec.split(',').map((entry) => {
      const [id, key] = entry.split(':') as [string, string];
      return [id, Buffer.from(key, 'base64')] as const;
    }),
  );
  const [currentId, currentKey] = [...keys.entries()][0]!;
  const text = new TextEncoder();

  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
        const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
        const body = Buffer.concat([cipher.update(plain), cipher.final()]);
        return {
          metadata: { [METADATA_ENCODING_KEY]: text.encode(ENCODING), [KEY_ID]: text.encode(currentId) },
          data: Buffer.concat([iv, cipher.getAuthTag(), body]),
        };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || Buffer.from(encoding).toString() !== ENCODING) return payload;
        const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
        const key = keys.get(keyId);
        if (!key) throw new Error(`payload encrypted with unknown key ${keyId}`);
        const raw = Buffer.from(payload.data ?? []);
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
        return proto.temporal.api.common.v1.Payload.decode(plain) as Payload;
      });
    },
  };
}

/** Client and worker options for the configured key, or nothing when payloads stay plain. */
export function dataConverterFor(keySpec: string | undefined): { dataConverter?: { payloadCodecs: PayloadCodec[] } } {
  return keySpec ? { dataConverter: { payloadCodecs: [createEncryptionCodec(keySpec)] } } : {};
}
