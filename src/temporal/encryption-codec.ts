import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createKeyRing } from '../security/key-ring.ts';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

/**
 * AES-256-GCM over each whole payload (metadata included), so history shows only ciphertext to
 * anyone with UI access. The key id travels in the clear so old payloads still decrypt after a
 * rotation. Search attributes are never encoded by Temporal: UserId is published as a keyed hash
 * (user-id-attribute.ts), and nothing else personal goes there.
 */
export function createEncryptionCodec(keySpec: string): PayloadCodec {
  const ring = createKeyRing(keySpec);
  const text = new TextEncoder();
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => ({
        metadata: { [METADATA_ENCODING_KEY]: text.encode(ENCODING), [KEY_ID]: text.encode(ring.currentKeyId) },
        data: ring.seal(proto.temporal.api.common.v1.Payload.encode(payload).finish()),
      }));
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || Buffer.from(encoding).toString() !== ENCODING) return payload;
        const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
        return proto.temporal.api.common.v1.Payload.decode(ring.open(keyId, payload.data ?? new Uint8Array())) as Payload;
      });
    },
  };
}

/** Client and worker options for the configured key, or nothing when payloads stay plain. */
export function dataConverterFor(keySpec: string | undefined): { dataConverter?: { payloadCodecs: PayloadCodec[] } } {
  return keySpec ? { dataConverter: { payloadCodecs: [createEncryptionCodec(keySpec)] } } : {};
}
