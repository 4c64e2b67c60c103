import { z } from 'zod';

/** Webhook subscriptions as Upvest's webhooks API documents them. */
export const eventCategories = [
  'ALL', 'USER', 'USER_CHECK', 'ORDER', 'ORDER_CANCELLATION', 'EXECUTION', 'POSITION', 'CASH_BALANCE', 'ACCOUNT',
  'ACCOUNT_GROUP', 'INSTRUMENT', 'REPORT', 'TREASURY_REPORT', 'DIRECT_DEBIT', 'WITHDRAWAL', 'PORTFOLIO',
  'PORTFOLIO_ALLOCATION', 'PORTFOLIO_ORDER', 'CORPORATE_ACTION', 'ACCOUNT_VALUATION', 'INTRADAY_ACCOUNT_VALUATION',
  'CASH_TRANSACTION', 'SECURITY_TRANSACTION', 'ACCOUNT_LIQUIDATION', 'ACCOUNT_RETURNS', 'VIRTUAL_CASH_INCREASE',
  'VIRTUAL_CASH_DECREASE', 'FEE_COLLECTION', 'SAVINGS_PLAN', 'SAVINGS_PLAN_EXECUTION', 'REBALANCING_EXECUTION_ORDER',
  'TAX_EXEMPTION',
] as const;

const title = z.string().regex(/^[a-zA-Z0-9 ()[\]{}.-]{1,32}$/, '1–32 letters, digits, spaces or ()[]{}.-');
const url = z.url().max(1000);
const config = z.object({
  delay: z.string().regex(/^[1-9][0-9]?[sm]$/, 'like 5s or 1m').optional(),
  max_package_size: z.number().int().min(100).max(1_048_576).optional(),
});

export const webhookSchema = z.looseObject({
  id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  title: z.string(),
  url: z.string(),
  type: z.array(z.string()),
  enabled: z.boolean(),
  config: z.looseObject({ delay: z.string().optional(), max_package_size: z.number().optional() }),
});

export const webhookListSchema = z.looseObject({
  meta: z.looseObject({
    offset: z.number(),
    limit: z.number(),
    count: z.number(),
    total_count: z.number(),
    sort: z.string().optional(),
    order: z.string().optional(),
  }),
  data: z.array(webhookSchema),
});

export const webhookCreateSchema = z.object({ title, url, type: z.array(z.enum(eventCategories)).min(1).optional(), config: config.optional() });
export const webhookUpdateSchema = webhookCreateSchema.partial().extend({ enabled: z.boolean().optional() });

export const listQuerySchema = z.object({
  sort: z.enum(['created_at', 'updated_at', 'title', 'url', 'enabled']).optional(),
  order: z.enum(['ASC', 'DESC']).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(0).max(1000).optional(),
});

export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookList = z.infer<typeof webhookListSchema>;
export type WebhookCreate = z.infer<typeof webhookCreateSchema>;
export type WebhookUpdate = z.infer<typeof webhookUpdateSchema>;
export type ListQuery = z.infer<typeof listQuerySchema>;
