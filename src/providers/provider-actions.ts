import type { ConnectionHoldings } from '../domain/holdings.ts';

/** What the lifecycle may ask of a provider, through the provider's official SDK. */
export interface ConnectionTarget {
  connectionId: string;
  userId: string | null;
}

export interface ProviderActions {
  /** Ask the provider to sync the connection now; false when it cannot be asked (no credentials). */
  requestSync(target: ConnectionTarget): Promise<boolean>;
  /** A link that reopens this connection for the user, when the provider can make one. */
  reconnectUrl(target: ConnectionTarget): Promise<string | null>;
  /** Remove the connection at the provider; false when it cannot be asked (no credentials). */
  removeConnection(target: ConnectionTarget): Promise<boolean>;
  /**
   * The connection's accounts and what they hold, for providers whose API reports holdings; null
   * when it cannot be asked (no credentials).
   */
  fetchHoldings?(target: ConnectionTarget): Promise<ConnectionHoldings | null>;
}

/**
 * A provider API call that failed. Its message names the call and the answer, never the request,
 * which may carry credentials; `retryable` says whether asking again can help.
 */
export class ProviderCallFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The provider's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderCallFailed';
  }
}

export type ProviderActionsRegistry = Readonly<Record<string, ProviderActions>>;
