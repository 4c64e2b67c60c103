import { ProviderCallFailed } from '../provider-actions.ts';

/**
 * The SDK throws axios errors, whose config holds the request URL with the user secret in its
 * query: only the status goes further (logs, activity failures, workflow history). A client error
 * will not change on a retry; throttling, server errors and a lost connection may.
 */
export async function callSnapTrade<T>(operation: string, request: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await request()).data;
  } catch (error) {
    const status = (error as { response?: { status?: unknown } }).response?.status;
    if (typeof status !== 'number') throw new ProviderCallFailed(`SnapTrade ${operation}: no answer`, true);
    throw new ProviderCallFailed(`SnapTrade ${operation} answered ${status}`, status >= 500 || status === 408 || status === 429, status);
  }
}
