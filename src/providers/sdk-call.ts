import { ProviderCallFailed } from './provider-actions.ts';

/**
 * One call through a provider SDK. The SDKs throw axios errors whose config carries credentials
 * (SnapTrade's user secret in the URL, Vezgo's bearer token in a header): only the status goes
 * further (logs, activity failures, workflow history). A client error will not change on a retry;
 * throttling, server errors and a lost connection may.
 */
export async function callProvider<T>(provider: string, operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    // Vezgo throws axios's error (status on its response); SnapTrade's SDK its own SnaptradeError (status on it).
    const failed = error as { response?: { status?: unknown }; status?: unknown };
    const status = failed.response?.status ?? failed.status;
    if (typeof status !== 'number') throw new ProviderCallFailed(`${provider} ${operation}: no answer`, true);
    throw new ProviderCallFailed(`${provider} ${operation} answered ${status}`, status >= 500 || status === 408 || status === 429, status);
  }
}
