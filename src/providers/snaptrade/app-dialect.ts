import { parseJsonBody } from '../json-body.ts';
import type { ConnectionEvent, ConnectionEventType } from '../../domain/connection-event.ts';
import { canonicalNow } from '../../domain/instant.ts';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { contentDigest, withLedgerId, type ReceiptLedger } from '../receipt-ledger.ts';
import { redactText, stripSecretFields } from '../redact.ts';
import { snapTradeAppEventSchema, snapTradeAppEventTypes, type SnapTradeAppEvent, type SnapTradeAppEventType } from './app-dialect-schemas.ts';
import { APP_SIGNATURE_HEADER, appSignatureMatches } from './app-dialect-verify.ts';

export interface SnapTradeAppDialectConfig {
  /** Keys of `x-snaptrade-signature`. */
  webhookSecrets: readonly string[];
  /** Every secret the endpoint knows, scrubbed from what is kept; the signing keys when absent. */
  scrub?: readonly string[];
  /** The dialect carries no id: a body identical to the last one accepted for its connection within this window is a redelivery. */
  dedupWindowMs?: number;
  /** Where the last accepted hook of each connection is remembered. */
  ledger: ReceiptLedger;
  now?: () => Date;
}

/**
 * Long enough to fold a sender's quick repeats and timeouts into one event, short enough that the
 * same body sent again later with nothing in between (broken again the next day) is a new one.
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
export function createSnapTradeAppDialect(config: SnapTradeAppDialectConfig): Pick<ProviderAdapter<AdapterVerdict | Promise<AdapterVerdict>>, 'receive' | 'interpret'> {
  const windowMs = config.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  const now = config.now ?? (() => new Date());
  const scrub = config.scrub ?? config.webhookSecrets;

  function receive(webhook: InboundWebhook): AdapterVerdict | Promise<AdapterVerdict> {
    if (!appSignatureMatches(webhook.rawBody, webhook.headers[APP_SIGNATURE_HEADER], config.webhookSecrets)) {
      return { kind: 'rejected', status: 401, title: 'Webhook not authenticated', detail: `${APP_SIGNATURE_HEADER} does not match a configured secret.` };
    }
    let body: unknown;
    try {
      body = parseJsonBody(webhook.rawBody.toString('utf8'));
    } catch {
      return malformed('SnapTrade webhooks are JSON objects.', redactText(webhook.rawBody.toString('utf8'), scrub), 'Body is not JSON');
    }
    const kept = stripSecretFields(body, noFields, scrub);
    const receivedAt = now();
    const connection = (kept as { authorizationId?: unknown } | null)?.authorizationId;
    return withLedgerId(interpret(kept, receivedAt), config.ledger, {
      provider: 'snaptrade',
      scope: `app:${typeof connection === 'string' ? connection : ''}`,
      digest: contentDigest(kept),
      receivedAt,
      windowMs,
    });
  }

  /** On a kept body (a replay) the ledger is not asked: the id is its content and first receipt. */
  function interpret(body: unknown, receivedAt: Date): AdapterVerdict {
    const type = (body as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.length > 0 && type.length <= 64 && !knownTypes.has(type)) {
      return { kind: 'accepted', items: [{ kind: 'ignored', eventId: eventIdOf(type, body, receivedAt), eventType: type, body }] };
    }
    const parsed = snapTradeAppEventSchema.safeParse(body);
    if (!parsed.success) return malformed(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), body);
    return { kind: 'accepted', items: [{ kind: 'event', event: normalize(parsed.data, eventIdOf(parsed.data.type, body, receivedAt), receivedAt) }] };
  }

  return { receive, interpret };
}

function malformed(detail: string, body: unknown, title = 'Webhook does not match its documented schema'): AdapterVerdict {
  return { kind: 'rejected', status: 400, title, detail, deadLetter: { body } };
}

/** A new hook's id: its type, content and when it was accepted; a redelivery gets its original's (see ReceiptLedger). */
function eventIdOf(type: string, body: unknown, receivedAt: Date): string {
  return `${type}:${contentDigest(body)}:${receivedAt.getTime()}`;
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
