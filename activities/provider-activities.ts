import { ApplicationFailure } from '@temporalio/activity';
import { saveHoldings, type HoldingsSaved } from '../src/db/holdings-store.ts';
import type { Pool } from '../src/db/pool.ts';
import type { ConnectionRef } from '../src/domain/connection-ref.ts';
import { connectionHoldingsSchema } from '../src/domain/holdings.ts';
import { ProviderCallFailed, type ProviderActions, type ProviderActionsRegistry } from '../src/providers/provider-actions.ts';

export interface ProviderActivityDeps {
  pool: Pool;
  providers: ProviderActionsRegistry;
}

/** Calls to the providers' APIs through their SDKs. */
export function createProviderActivities(deps: ProviderActivityDeps) {
  return {
    /** Asks the provider, through its SDK, to sync again; false when it cannot be asked. */
    async requestProviderSync(ref: ConnectionRef): Promise<boolean> {
      return withProvider(deps.providers, ref, (actions) => actions.requestSync(ref));
    },
    /** Removes the connection at the provider through its SDK; false when it cannot be asked (no credentials). */
    async removeAtProvider(ref: ConnectionRef): Promise<boolean> {
      return withProvider(deps.providers, ref, (actions) => actions.removeConnection(ref));
    },
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

/**
 * A provider refusal that asking again cannot change stops the activity's retries. The failure
 * names the provider and its HTTP status, so whoever asked (an API caller) learns who failed how.
 */
async function withProvider<T>(providers: ProviderActionsRegistry, ref: { provider: string }, call: (actions: ProviderActions) => Promise<T>): Promise<T> {
  const actions = providers[ref.provider];
  if (!actions) throw ApplicationFailure.nonRetryable(`no provider client configured for ${ref.provider}`, 'NoProviderClient');
  try {
    return await call(actions);
  } catch (error) {
    if (!(error instanceof ProviderCallFailed)) throw error;
    throw ApplicationFailure.create({
      message: error.message,
      type: error.name,
      nonRetryable: !error.retryable,
      details: [{ provider: ref.provider, status: error.status ?? null }],
    });
  }
}

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
