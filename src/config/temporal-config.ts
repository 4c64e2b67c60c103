import { z } from 'zod';

/** Shared by every process that talks to Temporal. */
export const temporalEnv = {
  /**
   * `keyId:base64-32-bytes`, comma-separated: payloads (workflow inputs, signals, activity
   * arguments, results) are encrypted with the first key; every key decrypts, for rotation.
   */
  TEMPORAL_ENCRYPTION_KEY: z
    .string()
    .regex(/^[\w-]+:[A-Za-z0-9+/]{43}=(,[\w-]+:[A-Za-z0-9+/]{43}=)*$/, 'keyId:base64 of 32 bytes, comma-separated')
    .optional(),
  /** The Web UI's origin, allowed by CORS to call the codec endpoint. */
  TEMPORAL_UI_ORIGIN: z.url().default('http://127.0.0.1:8233'),
};
