import type { ConnectionEvent } from '../domain/connection-event.ts';

/** What the HTTP layer hands an adapter: the exact bytes, so signatures are checked over what was sent. */
export interface InboundWebhook {
  rawBody: Buffer;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  remoteAddress: string | undefined;
  /** Request method and target (path and query), for signatures that cover them; the route sets both. */
  method?: string;
  target?: string;
  /** Set when the body was over the adapter's limit: `rawBody` then holds only its first bytes. */
  oversize?: OversizeBody;
}

/** A body too large to keep, read through: its size and its digests, for the signature check. */
export interface OversizeBody {
  bytes: number;
  limit: number;
  digests: { sha256: Buffer; sha512: Buffer };
}

/** One item of a delivery; a package (Upvest) holds many, SnapTrade one. */
export type DeliveryItem =
  /**
   * `loginName`: personal data some providers need back for API calls (Vezgo). Stored with the
   * user in Postgres, never put in the event, so it stays out of workflow history.
   */
  | { kind: 'event'; event: ConnectionEvent; loginName?: string }
  /** Authentic but of a type we do not orchestrate (providers add types): journaled, acknowledged. */
  | { kind: 'ignored'; eventId: string; eventType: string; body: unknown }
  /** Authentic but not what the provider documents: dead-lettered for inspection and replay. */
  | { kind: 'malformed'; reason: string; body: unknown };

/** What is kept of a refused delivery; `authenticated: false` when it never proved where it came from. */
export interface DeadLetter {
  body: unknown;
  authenticated?: boolean;
}

export type AdapterVerdict =
  | { kind: 'accepted'; items: DeliveryItem[] }
  | { kind: 'rejected'; status: 400 | 401 | 403 | 503; title: string; detail: string; deadLetter?: DeadLetter };

/**
 * verify → parse with zod → normalize. Everything downstream sees only ConnectionEvent.
 * `Verdict` narrows to AdapterVerdict for an adapter that never needs I/O to decide.
 */
export interface ProviderAdapter<Verdict extends AdapterVerdict | Promise<AdapterVerdict> = AdapterVerdict | Promise<AdapterVerdict>> {
  readonly provider: string;
  /** Secrets this adapter knows of, so anything stored or logged can be scrubbed of them. */
  readonly secrets: readonly string[];
  /** The answer to a delivery that is all ignored types: 202 unless the provider retries anything but 200. */
  readonly ignoredStatus?: 200 | 202;
  /** Largest body accepted, when it is not the receiver's 1 MiB (413 above it). */
  readonly maxBodyBytes?: number;
  /**
   * Bodies over maxBodyBytes, up to this many bytes, are read through (digests, an excerpt) and
   * handed over with `oversize`, so an authentic one can be dead-lettered instead of refused.
   */
  readonly readThroughBytes?: number;
  /** Async when verifying needs I/O (fetching keys); a failure of that I/O is a 503 verdict, not a throw. */
  receive(webhook: InboundWebhook): Verdict;
  /**
   * What `receive` does after authentication, on a body kept from an earlier delivery (secrets
   * stripped, so it cannot be authenticated again): replaying a dead letter or an ignored event.
   * `receivedAt` is when it first arrived, for ids derived from the receipt time.
   */
  interpret(body: unknown, receivedAt: Date): AdapterVerdict;
}
