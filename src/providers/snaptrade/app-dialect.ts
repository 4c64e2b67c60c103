import { createHash } from 'node:crypto';
import type { ConnectionEvent, ConnectionEventType } from '../../domain/connection-event.ts';
import { canonicalNow } from '../../domain/instant.ts';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { pythonCompactSortedJson } from '../python-json.ts';
import { redactText, stripSecretFields } from '../redact.ts';
import { snapTradeAppEventSchema, snapTradeAppEventTypes, type SnapTradeAppEvent, type SnapTradeAppEventType } from './app-dialect-schemas.ts';
import { APP_SIGNATURE_HEADER, appSignatureMatches } from './app-dialect-verify.ts';

export interface SnapTradeAppDialectConfig {
  /** Keys of `x-snaptrade-signature`. */
  webhookSecrets: readonly string[];
  /** Every secret the endpoint knows, scrubbed from what is kept; the signing keys when absent. */
  scrub?: readonly string[];
  /** Identical deliveries within one window are one event (the dialect carries no id). */
  dedupWindowMs?: number;
  now?: () => Date;
}

/**
 * Long enough to fold a sender's quick repeats and timeouts into one event, short enough that the
 * same body sent again later (a connection broken a second time) is a new one.
 */
const DEFAULT_DEDUP_WINDOW_MS = 10 * 60_000;

const neutralTypes: Record<SnapTradeAppEventType, ConnectionEventType> = {
  'CONNECTION.CREATED': 'connection.added',
  'CONNECTION.BROKEN': 'connection.broken',
  'CONNECTION.REFRESHED': 'connection.sync_succeeded',
  ACCOUNT_HOLDINGS_UPDATED: 'account.holdings_updated',
  TRANSACTIONS_UPDATED: 'account.transactions_updated',
};

const knownTypes: ReadonlySet<string> = new Set(snapTradeAppEventTypes);
const noFields: ReadonlySet<string> = new Set();

/** The dotted dialect on /webhooks/snaptrade, told apart by its signature header (see endpoint.ts). */
export function createSnapTradeAppDialect(config: SnapTradeAppDialectConfig): Pick<ProviderAdapter<AdapterVerdict>, 'receive' | 'interpret'> {
  const windowMs = config.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  const now = config.now ?? (() => new Date());
  const scrub = config.scrub ?? config.webhookSecrets;

  function receive(webhook: InboundWebhook): AdapterVerdict {
    if (!appSignatureMatches(webhook.rawBody, webhook.headers[APP_SIGNATURE_HEADER], config.webhookSecrets)) {
      return { kind: 'rejected', status: 401, title: 'Webhook not authenticated', detail: `${APP_SIGNATURE_HEADER} does not match a configured secret.` };
    }
    let body: unknown;
    try {
      body = JSON.parse(webhook.rawBody.toString('utf8'));
    } catch {
      return malformed('SnapTrade webhooks are JSON objects.', redactText(webhook.rawBody.toString('utf8'), scrub), 'Body is not JSON');
    }
    return interpret(stripSecretFields(body, noFields, scrub), now());
  }

  function interpret(body: unknown, receivedAt: Date): AdapterVerdict {
    const type = (body as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.length > 0 && type.length <= 64 && !knownTypes.has(type)) {
      return { kind: 'accepted', items: [{ kind: 'ignored', eventId: eventIdOf(type, body, receivedAt, windowMs), eventType: type, body }] };
    }
    const parsed = snapTradeAppEventSchema.safeParse(body);
    if (!parsed.success) return malformed(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), body);
    return { kind: 'accepted', items: [{ kind: 'event', event: normalize(parsed.data, eventIdOf(parsed.data.type, body, receivedAt, windowMs), receivedAt) }] };
  }

  return { receive, interpret };
}

function malformed(detail: string, body: unknown, title = 'Webhook does not match its documented schema'): AdapterVerdict {
  return { kind: 'rejected', status: 400, title, detail, deadLetter: { body } };
}

/**
 * No id and no timestamp: content alone would make a second real CONNECTION.BROKEN of the same
 * connection a duplicate forever, so the receipt window is part of the id. A repeat across a
 * window boundary, or a retry after a lost answer, becomes a second event, which the lifecycle
 * absorbs (re-entering the state it is in starts nothing).
 */
function eventIdOf(type: string, body: unknown, receivedAt: Date, windowMs: number): string {
  const digest = createHash('sha256').update(pythonCompactSortedJson(body)).digest('hex').slice(0, 40);
  return `${type}:${digest}:${Math.floor(receivedAt.getTime() / windowMs)}`;
}

/** The receipt time stands in for the missing timestamp: the best order there is. */
function normalize(event: SnapTradeAppEvent, eventId: string, receivedAt: Date): ConnectionEvent {
  return {
    provider: 'snaptrade',
    eventId,
    type: neutralTypes[event.type],
    occurredAt: canonicalNow(receivedAt),
    userId: event.userId,
    connectionId: event.authorizationId,
    ...(event.accountId ? { accountId: event.accountId } : {}),
    detail: { providerEventType: event.type },
  };
}
