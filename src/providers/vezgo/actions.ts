import Vezgo from 'vezgo-sdk-js';
import { ProviderCallFailed, type ProviderActions } from '../provider-actions.ts';
import { callProvider } from '../sdk-call.ts';

export interface VezgoActionsConfig {
  clientId: string;
  secret: string;
  baseURL: string;
  /** The user's Vezgo loginName, from Postgres: personal data, kept out of workflow history. */
  loginName: (userId: string) => Promise<string | null>;
}

/** The SDK under the app's client credentials; `.login(loginName)` acts for one user. */
export function vezgoApi(config: Pick<VezgoActionsConfig, 'clientId' | 'secret' | 'baseURL'>) {
  return Vezgo.init({ clientId: config.clientId, secret: config.secret, baseURL: config.baseURL });
}

/**
 * Sync on demand through vezgo-sdk-js (`POST /accounts/:id/sync`). Reconnecting is the browser
 * SDK's `user.reconnect(accountId)` in the app, so there is no link to send.
 */
export function createVezgoActions(config: VezgoActionsConfig): ProviderActions {
  const api = vezgoApi(config);
  return {
    async requestSync({ connectionId, userId }) {
      const loginName = userId ? await config.loginName(userId) : null;
      if (!loginName) return false;
      await callProvider('Vezgo', 'accounts.sync', () => api.login(loginName).accounts.sync(connectionId));
      return true;
    },
    async reconnectUrl() {
      return null;
    },
    async removeConnection({ connectionId, userId }) {
      const loginName = userId ? await config.loginName(userId) : null;
      if (!loginName) return false;
      try {
        await callProvider('Vezgo', 'accounts.remove', () => api.login(loginName).accounts.remove(connectionId));
      } catch (error) {
        // Already gone at Vezgo is what was asked for.
        if (!(error instanceof ProviderCallFailed && error.status === 404)) throw error;
      }
      return true;
    },
  };
}
