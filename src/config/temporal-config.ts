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

/** The receiver's codec endpoint, when payloads are encrypted. */
export const codecReceiverEnv = {
  /**
   * Optional: the codec is also served at /codec/<token>/…, for a Web UI that cannot send a bearer
   * token (the embedded dev UI, a UI without sign-in): its operators enter that URL in the UI's
   * Codec Server settings, which stay in their browser.
   */
  TEMPORAL_CODEC_URL_TOKEN: z.string().regex(/^[A-Za-z0-9_-]{32,256}$/, '32 or more characters of A-Z a-z 0-9 _ -').optional(),
};
