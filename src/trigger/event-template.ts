/** Who an event is about; each provider's catalog puts these where its payloads carry them. */
export interface Subject {
  user: string;
  connection: string;
  brokerage: string;
  account: string;
}

export interface BuiltEvent {
  /** The payload, in the provider's own format, before any secret or signature is added. */
  body: Record<string, unknown>;
  /** Whose state to show afterwards; none for user-level events (the user's connections are shown). */
  connectionId?: string;
}

/** One event type the service handles, under a short name. */
export interface EventTemplate {
  name: string;
  /** What the provider calls it. */
  providerType: string;
  /** What the service does with it. */
  effect: string;
  /** SnapTrade's dotted app dialect, signed in `x-snaptrade-signature`. */
  dialect?: 'app';
  build(subject: Subject, now: Date): BuiltEvent;
}
