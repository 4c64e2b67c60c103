import type { CommercialApiKeyAuth, Snaptrade } from 'snaptrade-typescript-sdk';
import type { z } from 'zod';
import type { ConnectionHoldings, HoldingsAccount } from '../../domain/holdings.ts';
import { toCanonicalInstant } from '../../domain/instant.ts';
import { ProviderCallFailed } from '../provider-actions.ts';
import { callProvider } from '../sdk-call.ts';
import { snapTradeAccountsSchema, snapTradePositionsSchema, type SnapTradeAccount, type SnapTradePositions } from './holdings-schemas.ts';

type SnapTradeClient = Pick<Snaptrade<CommercialApiKeyAuth>, 'connections' | 'accountInformation'>;

export interface SnapTradeUser {
  userId: string;
  userSecret: string;
}

/**
 * A connection's accounts (`listBrokerageAuthorizationAccounts`, scoped to the connection rather
 * than every account of the user) and each account's positions (`getAllAccountPositions`, the
 * endpoint SnapTrade points to now that per-account holdings are deprecated).
 */
export async function fetchSnapTradeHoldings(client: SnapTradeClient, user: SnapTradeUser, authorizationId: string): Promise<ConnectionHoldings> {
  const accounts = await call('listBrokerageAuthorizationAccounts', snapTradeAccountsSchema, () =>
    client.connections.listBrokerageAuthorizationAccounts({ authorizationId, ...user }),
  );
  const result: HoldingsAccount[] = [];
  for (const account of accounts) {
    const positions = await call('getAllAccountPositions', snapTradePositionsSchema, () =>
      client.accountInformation.getAllAccountPositions({ accountId: account.id, ...user }),
    );
    result.push(toHoldingsAccount(account, positions));
  }
  return result;
}

function toHoldingsAccount(account: SnapTradeAccount, positions: SnapTradePositions): HoldingsAccount {
  const asOf = positions.data_freshness ? toCanonicalInstant(positions.data_freshness.as_of) : undefined;
  return {
    accountId: account.id,
    name: account.name,
    institutionName: account.institution_name,
    accountType: account.raw_type,
    asOf: asOf ?? null,
    holdings: positions.results.map((position) => ({
      instrumentId: position.instrument.id,
      symbol: position.instrument.symbol,
      description: position.instrument.description,
      kind: position.instrument.kind,
      units: position.units,
      price: position.price,
      costBasis: position.cost_basis,
      currency: position.currency,
    })),
  };
}

/** One SDK call, its answer checked against the documented shape. */
async function call<S extends z.ZodType>(operation: string, schema: S, request: () => Promise<{ data: unknown }>): Promise<z.infer<S>> {
  const { data } = await callProvider('SnapTrade', operation, request);
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
    throw new ProviderCallFailed(`SnapTrade ${operation} answered in an undocumented shape (${where})`, false);
  }
  return parsed.data;
}
