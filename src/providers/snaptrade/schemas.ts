import { z } from 'zod';

/**
 * SnapTrade's 13 webhook payloads, field for field as their webhook reference documents them.
 * `webhookSecret` is absent on purpose: it is checked and stripped before parsing, so no parsed
 * value can carry it further. Ids are plain strings: the reference's own examples carry ids that
 * are not valid UUIDs ("45a2g56a-…").
 */
/** Bounded: ids end up in unique indexes, whose entries Postgres caps at a few kB. */
const id = z.string().min(1).max(256);
const timestamp = z.string().min(1).max(64);

const base = {
  webhookId: id,
  clientId: z.string().max(256),
  eventTimestamp: timestamp,
  userId: id,
};

const connectionScoped = { ...base, brokerageAuthorizationId: id };
const accountScoped = { ...connectionScoped, accountId: id };

export const snapTradeEventSchema = z.discriminatedUnion('eventType', [
  z.object({ ...base, eventType: z.literal('USER_REGISTERED') }),
  z.object({
    ...base,
    eventType: z.literal('CONNECTION_ATTEMPTED'),
    connectionAttemptedResult: z.string().min(1).max(64),
    brokerageId: id,
  }),
  z.object({ ...base, eventType: z.literal('CONNECTION_FAILED') }),
  z.object({ ...connectionScoped, eventType: z.literal('CONNECTION_ADDED'), brokerageId: id }),
  z.object({ ...connectionScoped, eventType: z.literal('CONNECTION_DELETED'), brokerageId: id }),
  z.object({ ...connectionScoped, eventType: z.literal('CONNECTION_BROKEN') }),
  z.object({ ...connectionScoped, eventType: z.literal('CONNECTION_FIXED') }),
  z.object({ ...connectionScoped, eventType: z.literal('CONNECTION_UPDATED') }),
  z.object({ ...accountScoped, eventType: z.literal('NEW_ACCOUNT_AVAILABLE') }),
  z.object({ ...accountScoped, eventType: z.literal('ACCOUNT_TRANSACTIONS_INITIAL_UPDATE') }),
  z.object({ ...accountScoped, eventType: z.literal('ACCOUNT_TRANSACTIONS_UPDATED') }),
  z.object({ ...accountScoped, eventType: z.literal('ACCOUNT_REMOVED') }),
  z.object({
    ...accountScoped,
    eventType: z.literal('TRADES_PLACED'),
    brokerageId: id,
    /** SnapTrade's own misspelling, sent beside webhookId. */
    webookId: id.optional(),
  }),
]);

export type SnapTradeEvent = z.infer<typeof snapTradeEventSchema>;
export type SnapTradeEventType = SnapTradeEvent['eventType'];

export const snapTradeEventTypes: ReadonlySet<string> = new Set(
  snapTradeEventSchema.options.map((option) => option.shape.eventType.value),
);
