import { z } from 'zod';

/**
 * The parts of SnapTrade's account and position responses we store, as its API reference (and the
 * SDK's types) document them. Responses carry much more; zod drops the rest.
 */
const id = z.string().min(1).max(256);
const optionalText = z.string().nullish().transform((value) => value ?? null);
/** Documented as decimal strings; a number is accepted too and kept exact as written. */
const decimal = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value === null || value === undefined ? null : String(value)));

/** `GET /authorizations/{authorizationId}/accounts` (listBrokerageAuthorizationAccounts). */
export const snapTradeAccountsSchema = z.array(
  z.object({
    id,
    brokerage_authorization: id,
    name: optionalText,
    institution_name: optionalText,
    raw_type: optionalText,
  }),
);

/** `GET /accounts/{accountId}/positions/all` (getAllAccountPositions): every instrument kind in one list. */
export const snapTradePositionsSchema = z.object({
  results: z.array(
    z.object({
      instrument: z.object({
        kind: z.string().min(1),
        id,
        symbol: z.string().min(1),
        description: optionalText,
      }),
      units: decimal,
      price: decimal,
      cost_basis: decimal,
      currency: optionalText,
    }),
  ),
  data_freshness: z.object({ as_of: z.string() }).nullish(),
});

export type SnapTradeAccount = z.infer<typeof snapTradeAccountsSchema>[number];
export type SnapTradePositions = z.infer<typeof snapTradePositionsSchema>;
