import { z } from 'zod';
import { durationMs } from './duration.ts';
import { addressList, trustProxySchema } from './network-config.ts';

const durationList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()))
  .pipe(z.array(durationMs).min(1));

/** "21:00-08:00" in the user's time zone, or "off". */
export const quietHoursSchema = z
  .string()
  .trim()
  .regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, 'HH:MM-HH:MM or off')
  .transform((value) => {
    if (value === 'off') return null;
    const [start, end] = value.split('-').map((part) => {
      const [h, m] = part.split(':').map(Number);
      return h! * 60 + m!;
    });
    return { startMinute: start!, endMinute: end! };
  });

export type QuietHours = z.infer<typeof quietHoursSchema>;

/**
 * A URL the worker posts to. `user:password@` is refused: fetch will not send it, and its error
 * quotes the whole URL, which would carry the password into logs and the outbox's `last_error`.
 */
const outboundUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.username === '' && url.password === '';
}, 'no user:password@ in the URL: fetch refuses to send it, and its error would quote the password');

/**
 * Re-authentication, retries, outage holds and notification channels. Every duration has its
 * production default; tests shorten them.
 */
export const lifecycleEnv = {
  REAUTH_GRACE: durationMs.default(15 * 60_000),
  REAUTH_REMINDER_CADENCE: durationList.default([86_400_000, 3 * 86_400_000, 7 * 86_400_000]),
  REAUTH_MAX_REMINDERS: z.coerce.number().int().min(0).default(3),
  QUIET_HOURS: quietHoursSchema.default({ startMinute: 21 * 60, endMinute: 8 * 60 }),
  SYNC_RETRY_INITIAL: durationMs.default(15 * 60_000),
  SYNC_RETRY_MAX: durationMs.default(6 * 3_600_000),
  DEGRADED_ESCALATE_AFTER: durationMs.default(24 * 3_600_000),
  OUTAGE_THRESHOLD: z.coerce.number().int().min(1).default(20),
  OUTAGE_WINDOW: durationMs.default(10 * 60_000),
  OUTAGE_MAX_HOLD: durationMs.default(6 * 3_600_000),

  /** The app's backend, told of every notification (Standard Webhooks). */
  NOTIFY_WEBHOOK_URL: outboundUrl.optional(),
  /** Standard Webhooks signing secret, `whsec_<base64>`. */
  NOTIFY_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'whsec_<base64>').optional(),
  /** Failed notifications are retried from the outbox, doubling from the first wait up to the cap, until the max age. */
  NOTIFY_RETRY_INITIAL: durationMs.default(10_000),
  NOTIFY_RETRY_MAX: durationMs.default(3_600_000),
  NOTIFY_RETRY_MAX_AGE: durationMs.default(3 * 86_400_000),
  /** How often a worker's relay looks for notifications due again. */
  NOTIFY_RELAY_INTERVAL: durationMs.default(5_000),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'smtp:// or smtps:// URL').optional(),
  NOTIFY_EMAIL_FROM: z.string().min(3).default('Connections <no-reply@localhost>'),
  /** Slack-compatible incoming webhook for ops alerts. */
  OPS_ALERT_WEBHOOK_URL: outboundUrl.optional(),
  /** `keyId:base64-32-bytes`, comma-separated; the first encrypts, all decrypt (rotation). */
  CREDENTIALS_KEY: z
    .string()
    .regex(/^[\w-]+:[A-Za-z0-9+/]{43}=(,[\w-]+:[A-Za-z0-9+/]{43}=)*$/, 'keyId:base64 of 32 bytes, comma-separated')
    .optional(),

  SNAPTRADE_CLIENT_ID: z.string().min(1).optional(),
  /** Signs SDK calls; on the receiver it also verifies the newer `Signature` webhook header. */
  SNAPTRADE_CONSUMER_KEY: z.string().min(1).optional(),
  SNAPTRADE_API_URL: z.url().default('https://api.snaptrade.com/api/v1'),

  VEZGO_CLIENT_ID: z.string().min(1).optional(),
  VEZGO_CLIENT_SECRET: z.string().min(1).optional(),
  VEZGO_API_URL: z.url().default('https://api.vezgo.com/v1'),
  /** The four source addresses Vezgo documents; CIDR ranges allowed. */
  VEZGO_ALLOWED_IPS: addressList.default(['52.60.234.183', '52.60.240.87', '52.60.241.79', '52.60.242.161']),
  /** Identical Vezgo hooks within this window are one delivery (they carry no id). */
  VEZGO_DEDUP_WINDOW: durationMs.default(10 * 60_000),
  /** Which X-Forwarded-For entries to believe (the proxies in front); off unless said. */
  TRUST_PROXY: trustProxySchema.default(false),
};
