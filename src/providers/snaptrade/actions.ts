import { Snaptrade, SnaptradeAuth } from 'snaptrade-typescript-sdk';
import type { ProviderActions } from '../provider-actions.ts';
import { fetchSnapTradeHoldings } from './holdings.ts';

export interface SnapTradeActionsConfig {
  clientId: string;
  consumerKey: string;
  basePath: string;
  /** The user's SnapTrade userSecret, as the backend registered it; null when it has not. */
  userSecret: (userId: string) => Promise<string | null>;
}

/**
 * Refresh, reconnect and holdings through snaptrade-typescript-sdk. Reconnecting keeps the authorization id
 * (`reconnect: <authorizationId>`); a plain login would create a new connection instead.
 */
export function createSnapTradeActions(config: SnapTradeActionsConfig): ProviderActions {
  const client = new Snaptrade({
    auth: SnaptradeAuth.commercialApiKey({ clientId: config.clientId, consumerKey: config.consumerKey }),
    basePath: config.basePath,
  });

  async function credentials(userId: string | null): Promise<{ userId: string; userSecret: string } | null> {
    if (!userId) return null;
    const userSecret = await config.userSecret(userId);
    return userSecret ? { userId, userSecret } : null;
  }

  return {
    async requestSync({ connectionId, userId }) {
      const user = await credentials(userId);
      if (!user) return false;
      await client.connections.refreshBrokerageAuthorization({ authorizationId: connectionId, ...user });
      return true;
    },
    async reconnectUrl({ connectionId, userId }) {
      const user = await credentials(userId);
      if (!user) return null;
      const { data } = await client.authentication.loginSnapTradeUser({ ...user, reconnect: connectionId });
      return 'redirectURI' in data && typeof data.redirectURI === 'string' ? data.redirectURI : null;
    },
    async fetchHoldings({ connectionId, userId }) {
      const user = await credentials(userId);
      return user ? fetchSnapTradeHoldings(client, user, connectionId) : null;
    },
  };
}
