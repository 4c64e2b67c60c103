import { z } from 'zod';
import { byteSize } from './byte-size.ts';
import { durationMs } from './duration.ts';

/** Access to Upvest's API: the ops command's webhook management, and the receiver's key fetches. */
const upvestApiEnv = {
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
};

type Env = Record<string, unknown>;
const signingKeyPaired = (env: Env) => Boolean(env.UPVEST_SIGNING_KEY) === Boolean(env.UPVEST_SIGNING_KEY_ID);
// A fresh object each time: zod rewrites the parameters object it is given.
const signingKeyIssue = () => ({ message: 'UPVEST_SIGNING_KEY and UPVEST_SIGNING_KEY_ID go together', path: ['UPVEST_SIGNING_KEY_ID'] });
/** The receiver's API access is all or nothing: a client id without its secret is a mistake, not "off". */
const apiAccessComplete = (env: Env) =>
  !(env.UPVEST_BASE_URL || env.UPVEST_CLIENT_ID || env.UPVEST_CLIENT_SECRET) || Boolean(env.UPVEST_BASE_URL && env.UPVEST_CLIENT_ID && env.UPVEST_CLIENT_SECRET);

export const DEFAULT_UPVEST_MAX_BODY = 10 * 1024 * 1024;

/**
 * Upvest webhooks, all optional: without keys the receiver has no /webhooks/upvest. Keys come
 * inline, from a file (what `upvest webhooks keys` writes), or from Upvest's API with the
 * tenant's client credentials, or several of these.
 */
export const upvestReceiverEnv = {
  /** A JWKS as inline JSON, or the path of a file holding one. */
  UPVEST_WEBHOOK_JWKS: z.string().min(1).optional(),
  /** Upvest serves its keys only to an authenticated, signed request; a bare URL cannot fetch them. */
  UPVEST_WEBHOOK_JWKS_URL: z.undefined({
    error:
      'Upvest serves its keys only to an authenticated, signed request: set UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET (and UPVEST_SIGNING_KEY, UPVEST_SIGNING_KEY_ID) instead',
  }).optional(),
  ...upvestApiEnv,
  UPVEST_BASE_URL: upvestApiEnv.UPVEST_BASE_URL.optional(),
  UPVEST_CLIENT_ID: upvestApiEnv.UPVEST_CLIENT_ID.optional(),
  UPVEST_CLIENT_SECRET: upvestApiEnv.UPVEST_CLIENT_SECRET.optional(),
  /** How old a signature's `created` may be when it arrives. */
  UPVEST_SIGNATURE_TOLERANCE: durationMs.default(300_000),
  /** Least time between two key reloads prompted by an unknown keyid. */
  UPVEST_JWKS_REFRESH_COOLDOWN: durationMs.default(30_000),
  /**
   * Largest delivery accepted. Upvest's packages are at most `max_package_size` (1 MiB), but one
   * event larger than that still comes alone, and a refused delivery blocks the whole feed.
   */
  UPVEST_MAX_BODY: byteSize.default(DEFAULT_UPVEST_MAX_BODY),
};

/** Checks across the receiver's Upvest variables, for the receiver schema's superRefine. */
export function checkUpvestReceiverEnv(env: Env, ctx: z.RefinementCtx): void {
  if (!signingKeyPaired(env)) ctx.addIssue({ code: 'custom', ...signingKeyIssue() });
  if (!apiAccessComplete(env)) {
    ctx.addIssue({ code: 'custom', message: 'UPVEST_BASE_URL, UPVEST_CLIENT_ID and UPVEST_CLIENT_SECRET go together', path: ['UPVEST_CLIENT_ID'] });
  }
}

/** The ops command's access to Upvest's API (`npm run upvest -- webhooks …`). */
export const upvestCliConfigSchema = z
  .object({
    ...upvestApiEnv,
    /** Where `keys` writes the JWKS when --out is not given: the receiver's UPVEST_WEBHOOK_JWKS file. */
    UPVEST_WEBHOOK_JWKS: z.string().min(1).optional(),
  })
  .refine(signingKeyPaired, signingKeyIssue());

export type UpvestCliConfig = z.infer<typeof upvestCliConfigSchema>;
