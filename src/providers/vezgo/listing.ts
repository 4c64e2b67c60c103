import { z } from 'zod';
import { canonicalNow } from '../../domain/instant.ts';
import type { ListedConnection } from '../../domain/reconciliation.ts';
import type { ConnectionListing } from '../connection-listing.ts';
import { ProviderCallFailed } from '../provider-actions.ts';
import { callProvider } from '../sdk-call.ts';
import { vezgoApi, type VezgoActionsConfig } from './actions.ts';

/**
 * Vezgo's documented account carries no status: whether its login still works is only told by
 * SyncError hooks. If the API does return a `status`/`error` (some deployments do), an error the
 * taxonomy puts on the user is read as disabled.
 */
const accountSchema = z.object({
  id: z.string().min(1).max(256),
  provider: z.object({ name: z.string().min(1).max(256).nullish() }).nullish(),
  created_at: z.number().nullish(),
  status: z.string().max(64).nullish(),
  error: z.union([z.string().max(256), z.object({ name: z.string().max(256).nullish() })]).nullish(),
});
const accountsSchema = z.array(accountSchema);

const userErrors: ReadonlySet<string> = new Set(['LoginFailedError', 'SecurityQuestionError']);

/** A user's accounts through vezgo-sdk-js: a token for the user's loginName, then `accounts.getList()`. */
export function createVezgoListing(config: VezgoActionsConfig): ConnectionListing {
  const api = vezgoApi(config);

  async function user(userId: string, pace: () => Promise<void>) {
    const loginName = await config.loginName(userId);
    if (!loginName) return null;
    const session = api.login(loginName);
    // The token request is a call of its own, paced like the rest.
    await pace();
    await callProvider('Vezgo', 'auth/token', () => session.fetchToken());
    return session;
  }

  return {
    async list(userId, pace) {
      const session = await user(userId, pace);
      if (!session) return null;
      await pace();
      const accounts = await callProvider('Vezgo', 'accounts.getList', () => session.accounts.getList());
      const parsed = accountsSchema.safeParse(accounts);
      if (!parsed.success) throw new ProviderCallFailed('Vezgo accounts.getList: answer not understood', false);
      return parsed.data.map(listedAccount);
    },
    async exists(userId, connectionId, pace) {
      const session = await user(userId, pace);
      if (!session) throw new ProviderCallFailed('Vezgo accounts.getOne: no loginName', false);
      await pace();
      try {
        await callProvider('Vezgo', 'accounts.getOne', () => session.accounts.getOne(connectionId));
        return true;
      } catch (error) {
        if (error instanceof ProviderCallFailed && error.status === 404) return false;
        throw error;
      }
    },
  };
}

export type VezgoAccount = z.infer<typeof accountSchema>;

/** What reconciliation reads from an account: presence, and a status only where Vezgo gives one. */
export function listedAccount(account: VezgoAccount): ListedConnection {
  const error = typeof account.error === 'string' ? account.error : (account.error?.name ?? null);
  const created = new Date(account.created_at ?? Number.NaN);
  return {
    connectionId: account.id,
    brokerageId: account.provider?.name ?? null,
    createdAt: Number.isNaN(created.getTime()) ? null : canonicalNow(created),
    // Only a user error says it is broken, only a plain `ok` that it works; anything else says nothing.
    disabled: error !== null && userErrors.has(error) ? true : account.status === 'ok' && error === null ? false : null,
    disabledAt: null,
  };
}
