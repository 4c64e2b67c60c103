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
}

export type ProviderActionsRegistry = Readonly<Record<string, ProviderActions>>;
