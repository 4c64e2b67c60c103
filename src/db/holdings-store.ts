import type { ConnectionHoldings } from '../domain/holdings.ts';
import { storableText } from './jsonb.ts';
import { inTransaction, type Pool } from './pool.ts';

export interface HoldingsSaved {
  accounts: number;
  holdings: number;
}

/**
 * A connection's accounts and their holdings as just fetched, in one transaction: account rows are
 * upserted (what the lifecycle keeps in them, its dates, is left alone) and each account's holdings
 * are replaced, so a position sold since the last refresh disappears. Nothing is written for a
 * connection deleted meanwhile: its accounts are gone and must stay gone. Idempotent, so a retried
 * activity is harmless.
 */
export async function saveHoldings(pool: Pool, provider: string, connectionId: string, accounts: ConnectionHoldings, fetchedAt: Date): Promise<HoldingsSaved | null> {
  return inTransaction(pool, async (client) => {
    const connection = await client.query<{ state: string }>(
      `SELECT state FROM connections WHERE provider = $1 AND connection_id = $2 FOR UPDATE`,
      [provider, connectionId],
    );
    if (connection.rows[0]?.state === 'deleted') return null;

    let holdings = 0;
    for (const account of accounts) {
      const accountId = storableText(account.accountId);
      await client.query(
        `INSERT INTO accounts (provider, account_id, connection_id, last_activity_at, name, institution_name, account_type, holdings_as_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (provider, account_id) DO UPDATE SET connection_id = EXCLUDED.connection_id, name = EXCLUDED.name,
           institution_name = EXCLUDED.institution_name, account_type = EXCLUDED.account_type,
           holdings_as_of = EXCLUDED.holdings_as_of, updated_at = now()`,
        [provider, accountId, connectionId, fetchedAt, clean(account.name), clean(account.institutionName), clean(account.accountType), account.asOf ?? fetchedAt],
      );
      const instrumentIds = account.holdings.map((holding) => storableText(holding.instrumentId));
      await client.query(`DELETE FROM holdings WHERE provider = $1 AND account_id = $2 AND NOT (instrument_id = ANY($3::text[]))`, [
        provider,
        accountId,
        instrumentIds,
      ]);
      for (const holding of account.holdings) {
        await client.query(
          `INSERT INTO holdings (provider, account_id, instrument_id, symbol, description, instrument_kind, units, price, cost_basis, currency)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (provider, account_id, instrument_id) DO UPDATE SET symbol = EXCLUDED.symbol, description = EXCLUDED.description,
             instrument_kind = EXCLUDED.instrument_kind, units = EXCLUDED.units, price = EXCLUDED.price,
             cost_basis = EXCLUDED.cost_basis, currency = EXCLUDED.currency, updated_at = now()`,
          [
            provider,
            accountId,
            storableText(holding.instrumentId),
            storableText(holding.symbol),
            clean(holding.description),
            storableText(holding.kind),
            holding.units,
            holding.price,
            holding.costBasis,
            clean(holding.currency),
          ],
        );
        holdings += 1;
      }
    }
    return { accounts: accounts.length, holdings };
  });
}

function clean(value: string | null): string | null {
  return value === null ? null : storableText(value);
}
