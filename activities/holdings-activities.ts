import { ApplicationFailure } from '@temporalio/activity';
import { saveHoldings, type HoldingsSaved } from '../src/db/holdings-store.ts';
import type { Pool } from '../src/db/pool.ts';
import { connectionHoldingsSchema } from '../src/domain/holdings.ts';
import type { ProviderActionsRegistry } from '../src/providers/provider-actions.ts';
import { withProvider } from './provider-call.ts';
import type { ConnectionRef } from './reauth-activities.ts';

export interface HoldingsActivityDeps {
  pool: Pool;
  providers: ProviderActionsRegistry;
}

export function createHoldingsActivities(deps: HoldingsActivityDeps) {
  return {
    /**
     * Fetches the connection's accounts and holdings through the provider's SDK and stores them.
     * Null when there is nothing to ask (a provider without holdings, no credentials registered) or
     * the connection was deleted meanwhile. Only counts come back: holdings stay out of workflow history.
     */
    async refreshHoldings(ref: ConnectionRef): Promise<HoldingsSaved | null> {
      if (!deps.providers[ref.provider]?.fetchHoldings) return null;
      const fetched = await withProvider(deps.providers, ref, (actions) => actions.fetchHoldings!(ref));
      if (!fetched) return null;
      const checked = connectionHoldingsSchema.safeParse(fetched);
      if (!checked.success) throw ApplicationFailure.nonRetryable(`${ref.provider} holdings do not fit the holdings tables: ${checked.error.issues[0]?.message}`, 'InvalidHoldings');
      return saveHoldings(deps.pool, ref.provider, ref.connectionId, checked.data, new Date());
    },
  };
}

export type HoldingsActivities = ReturnType<typeof createHoldingsActivities>;
