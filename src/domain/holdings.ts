import { z } from 'zod';

/** A decimal as the provider wrote it: text until Postgres stores it as numeric, so nothing is rounded. */
const decimal = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'a decimal number');
const text = (max: number) => z.string().max(max).nullable();

/** One instrument an account holds, in words no provider owns. */
export const holdingSchema = z.object({
  instrumentId: z.string().min(1).max(256),
  symbol: z.string().min(1).max(128),
  description: text(512),
  /** stock, etf, crypto, option… as the provider classifies it. */
  kind: z.string().min(1).max(32),
  units: decimal.nullable(),
  price: decimal.nullable(),
  costBasis: decimal.nullable(),
  currency: text(16),
});

export const holdingsAccountSchema = z.object({
  accountId: z.string().min(1).max(256),
  name: text(256),
  institutionName: text(256),
  accountType: text(128),
  /** When the provider last fetched these holdings from the brokerage, if it says. */
  asOf: z.iso.datetime({ offset: true }).nullable(),
  holdings: z.array(holdingSchema),
});

/** A connection's accounts with what each holds, as a provider's API reported them. */
export const connectionHoldingsSchema = z.array(holdingsAccountSchema);

export type Holding = z.infer<typeof holdingSchema>;
export type HoldingsAccount = z.infer<typeof holdingsAccountSchema>;
export type ConnectionHoldings = z.infer<typeof connectionHoldingsSchema>;
