import { z } from 'zod';

/**
 * The dotted dialect an app's SnapTrade guide (seed 002) receives: `{ type, userId, authorizationId }`,
 * no event id, no timestamp. An account-level event may name its account.
 */
const id = z.string().min(1).max(256);

export const snapTradeAppEventTypes = ['CONNECTION.CREATED', 'CONNECTION.BROKEN', 'CONNECTION.REFRESHED', 'ACCOUNT_HOLDINGS_UPDATED', 'TRANSACTIONS_UPDATED'] as const;

export const snapTradeAppEventSchema = z.object({
  type: z.enum(snapTradeAppEventTypes),
  userId: id,
  authorizationId: id,
  accountId: id.optional(),
});

export type SnapTradeAppEvent = z.infer<typeof snapTradeAppEventSchema>;
export type SnapTradeAppEventType = SnapTradeAppEvent['type'];
