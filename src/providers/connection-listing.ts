import type { ListedConnection } from '../domain/reconciliation.ts';

/** Waits for the rate limiter's next slot; called before every request to the provider. */
export type Pace = () => Promise<void>;

/** What reconciliation asks of a provider's API, through its SDK. */
export interface ConnectionListing {
  /** The user's connections as the provider lists them; null when it cannot be asked (no credentials). */
  list(userId: string, pace: Pace): Promise<ListedConnection[] | null>;
  /** False only when the provider says the connection does not exist (404); a doubt throws. */
  exists(userId: string, connectionId: string, pace: Pace): Promise<boolean>;
}

export type ConnectionListings = Readonly<Record<string, ConnectionListing>>;
