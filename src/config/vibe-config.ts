import { z } from 'zod';
import { addressList } from './network-config.ts';

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));

/**
 * Vibe Trading webhooks, all optional: without a secret the receiver has no /webhooks/vibe. Vibe
 * sends the webhooks of one account, so which connection they belong to is configuration.
 */
export const vibeReceiverEnv = {
  /** Comma-separated, so a new secret can be added before the old one is retired. */
  VIBE_WEBHOOK_SECRET: list.pipe(z.array(z.string()).min(1, 'at least one value')).optional(),
  /** The Vibe account whose webhooks these are: `connection:vibe:<id>`. Required with a secret. */
  VIBE_ACCOUNT_ID: z.string().min(1).max(256).optional(),
  /**
   * Addresses and CIDR ranges deliveries may come from, when set. Vibe publishes its ranges in
   * its docs; they belong here, never in code.
   */
  VIBE_ALLOWED_IPS: addressList.default([]),
};
