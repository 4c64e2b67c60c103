import { ApplicationFailure } from '@temporalio/activity';
import { ProviderCallFailed, type ProviderActions, type ProviderActionsRegistry } from '../src/providers/provider-actions.ts';

/** A provider refusal that asking again cannot change stops the activity's retries. */
export async function withProvider<T>(providers: ProviderActionsRegistry, ref: { provider: string }, call: (actions: ProviderActions) => Promise<T>): Promise<T> {
  const actions = providers[ref.provider];
  if (!actions) throw ApplicationFailure.nonRetryable(`no provider client configured for ${ref.provider}`, 'NoProviderClient');
  try {
    return await call(actions);
  } catch (error) {
    throw error instanceof ProviderCallFailed && !error.retryable ? ApplicationFailure.nonRetryable(error.message, error.name) : error;
  }
}
