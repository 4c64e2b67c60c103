import { Snaptrade, SnaptradeAuth } from 'snaptrade-typescript-sdk';
import { ProviderCallFailed, type ProviderActions } from '../provider-actions.ts';
import { callProvider } from '../sdk-call.ts';
import { fetchSnapTradeHoldings } from './holdings.ts';

export interface SnapTradeActionsConfig {
  clientId: string;
  consumerKey: string;
  basePath: string;
  /** The user's SnapTrade userSecret, as the backend registered it; null when it has not. */
  userSecret: (userId: string) => Promise<string | null>;
}

/** The SDK client under the app's commercial API key: every SnapTrade call signs with it. */
export function snapTradeClient(config: Pick<SnapTradeActionsConfig, 'clientId' | 'consumerKey' | 'basePath'>) {
  return new Snaptrade({
    auth: SnaptradeAuth.commercialApiKey({ clientId: config.clientId, consumerKey: config.consumerKey }),
    basePath: config.basePath,
  });
}

/**
 * Refresh, reconnect and holdings through snaptrade-typescript-sdk. Reconnecting keeps the authorization id
 * (`reconnect: <authorizationId>`); a plain login would create a new connection instead.
 */
export function createSnapTradeActions(config: SnapTradeActionsConfig): ProviderActions {
  const client = snapTradeClient(config);

  async function credentials(userId: string | null): Promise<{ userId: string; userSecret: string } | null> {
    if (!userId) return null;
    const userSecret = await config.userSecret(userId);
    return userSecret ? { userId, userSecret } : null;
  }

  return {
    async requestSync({ connectionId, userId }) {
      const user = await credentials(userId);
      if (!user) return false;
      await callProvider('SnapTrade', 'refreshBrokerageAuthorization', () => client.connections.refreshBrokerageAuthorization({ authorizationId: connectionId, ...user }));
      return true;
    },
    async reconnectUrl({ connectionId, userId }) {
      const user = await credentials(userId);
      if (!user) return null;
      const { data } = await callProvider('SnapTrade', 'loginSnapTradeUser', () => client.authentication.loginSnapTradeUser({ ...user, reconnect: connectionId }));
      return 'redirectURI' in data && typeof data.redirectURI === 'string' ? data.redirectURI : null;
    },
    async removeConnection({ connectionId, userId }) {
      const user = await credentials(userId);
      if (!user) return false;
      try {
        await callProvider('SnapTrade', 'removeBrokerageAuthorization', () => client.connections.removeBrokerageAuthorization({ authorizationId: connectionId, ...user }));
      } catch (error) {
        // Already gone at SnapTrade is what was asked for.
        if (!(error instanceof ProviderCallFailed && error.status === 404)) throw error;
      }
      return true;
    },
    async fetchHoldings({ connectionId, userId }) {
      const user = await credentials(userId);
      return user ? fetchSnapTradeHoldings(client, user, connectionId) : null;
    },
  };
}
