import { z } from 'zod';
import { durationMs } from './duration.ts';

/**
 * Upvest webhooks, all optional: without keys the receiver has no /webhooks/upvest. Keys come
 * inline, from a file (what `upvest webhooks keys` writes) or from a JWKS URL, or several of these.
 */
export const upvestReceiverEnv = {
  /** A JWKS as inline JSON, or the path of a file holding one. */
  UPVEST_WEBHOOK_JWKS: z.string().min(1).optional(),
  UPVEST_WEBHOOK_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How old a signature's `created` may be when it arrives. */
  UPVEST_SIGNATURE_TOLERANCE: durationMs.default(300_000),
  /** Least time between two key reloads prompted by an unknown keyid. */
  UPVEST_JWKS_REFRESH_COOLDOWN: durationMs.default(30_000),
};

/** The ops command's access to Upvest's API (`npm run upvest -- webhooks …`). */
export const upvestCliConfigSchema = z
  .object({
    /** e.g. https://sandbox.upvest.co */
    UPVEST_BASE_URL: z.url({ protocol: /^https?$/ }),
    /** Defaults to <UPVEST_BASE_URL>/auth/token. */
    UPVEST_TOKEN_URL: z.url({ protocol: /^https?$/ }).optional(),
    UPVEST_CLIENT_ID: z.string().min(1),
    UPVEST_CLIENT_SECRET: z.string().min(1),
    UPVEST_API_VERSION: z.string().regex(/^\d+$/).default('1'),
    /**
     * Upvest's API wants every request signed with the tenant's registered key (PEM, inline or a
     * path). Left out, requests go unsigned: for use behind Upvest's signing proxy.
     */
    UPVEST_SIGNING_KEY: z.string().min(1).optional(),
    UPVEST_SIGNING_KEY_ID: z.string().min(1).optional(),
    UPVEST_SIGNING_KEY_PASSPHRASE: z.string().min(1).optional(),
    /** Where `keys` writes the JWKS when --out is not given: the receiver's UPVEST_WEBHOOK_JWKS file. */
    UPVEST_WEBHOOK_JWKS: z.string().min(1).optional(),
  })
  .refine((env) => Boolean(env.UPVEST_SIGNING_KEY) === Boolean(env.UPVEST_SIGNING_KEY_ID), {
    message: 'UPVEST_SIGNING_KEY and UPVEST_SIGNING_KEY_ID go together',
    path: ['UPVEST_SIGNING_KEY_ID'],
  });

export type UpvestCliConfig = z.infer<typeof upvestCliConfigSchema>;
