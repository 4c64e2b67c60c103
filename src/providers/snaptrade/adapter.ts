import { parseJsonBody } from '../json-body.ts';
import { createHash } from 'node:crypto';
import type { ConnectionEvent, ConnectionEventType } from '../../domain/connection-event.ts';
import { toCanonicalInstant } from '../../domain/instant.ts';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { stripSecretFields } from '../redact.ts';
import { snapTradeEventSchema, snapTradeEventTypes, type SnapTradeEvent, type SnapTradeEventType } from './schemas.ts';
import { verifySnapTradeAuthenticity, type SnapTradeAdapterConfig } from './verify.ts';

export type { SnapTradeAdapterConfig };

const SECRET_FIELDS: ReadonlySet<string> = new Set(['webhookSecret']);

const neutralTypes: Record<SnapTradeEventType, ConnectionEventType> = {
  USER_REGISTERED: 'user.registered',
  CONNECTION_ATTEMPTED: 'connection.attempted',
  CONNECTION_FAILED: 'connection.failed',
  CONNECTION_ADDED: 'connection.added',
  CONNECTION_DELETED: 'connection.deleted',
  CONNECTION_BROKEN: 'connection.broken',
  CONNECTION_FIXED: 'connection.fixed',
  CONNECTION_UPDATED: 'connection.updated',
  NEW_ACCOUNT_AVAILABLE: 'account.added',
  ACCOUNT_TRANSACTIONS_INITIAL_UPDATE: 'account.transactions_initial',
  ACCOUNT_TRANSACTIONS_UPDATED: 'account.transactions_updated',
  ACCOUNT_REMOVED: 'account.removed',
  TRADES_PLACED: 'account.trades_placed',
};

export function createSnapTradeAdapter(config: SnapTradeAdapterConfig): ProviderAdapter<AdapterVerdict> {
  const secrets = [...config.webhookSecrets, ...(config.consumerKey ? [config.consumerKey] : []), ...(config.appSigningSecrets ?? [])];
  const requireSignature = config.requireSignature ?? Boolean(config.consumerKey);
  const now = config.now ?? (() => new Date());

  function receive(webhook: InboundWebhook): AdapterVerdict {
    let parsed: unknown;
    try {
      parsed = parseJsonBody(webhook.rawBody.toString('utf8'));
    } catch {
      return {
        kind: 'rejected',
        status: 400,
        title: 'Body is not JSON',
        detail: 'SnapTrade webhooks are JSON objects.',
        // The secret lives in the body, so a body that is not JSON was never authenticated.
        deadLetter: { body: stripSecretFields(webhook.rawBody.toString('utf8'), SECRET_FIELDS, secrets), authenticated: false },
      };
    }

    if (!verifySnapTradeAuthenticity(webhook, parsed, { ...config, requireSignature })) {
      return {
        kind: 'rejected',
        status: 401,
        title: 'Webhook not authenticated',
        detail: requireSignature
          ? 'A valid Signature header is required.'
          : 'Neither the body webhookSecret nor the Signature header matches a configured secret.',
      };
    }
    if (config.maxEventAgeMs !== undefined && !isFresh(parsed, config.maxEventAgeMs, now())) {
      return { kind: 'rejected', status: 401, title: 'Webhook too old', detail: 'eventTimestamp is outside the accepted age; a replayed delivery is refused.' };
    }

    return interpret(stripSecretFields(parsed, SECRET_FIELDS, secrets));
  }

  function interpret(body: unknown): AdapterVerdict {
    const eventType = (body as { eventType?: unknown } | null)?.eventType;
    if (typeof eventType === 'string' && eventType.length <= 64 && !snapTradeEventTypes.has(eventType)) {
      return { kind: 'accepted', items: [{ kind: 'ignored', eventId: ignoredEventId(eventType, body), eventType, body }] };
    }

    const result = snapTradeEventSchema.safeParse(body);
    if (!result.success) {
      return malformed(body, result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    }
    const occurredAt = toCanonicalInstant(result.data.eventTimestamp);
    if (!occurredAt) return malformed(body, 'eventTimestamp: not an ISO 8601 instant with an offset');
    return { kind: 'accepted', items: [{ kind: 'event', event: normalize(result.data, occurredAt) }] };
  }

  return { provider: 'snaptrade', secrets, receive, interpret };
}

/**
 * SnapTrade's own reference refuses an eventTimestamp 300 s away. A timestamp that cannot be read
 * is left to the schema check, which dead-letters it.
 */
function isFresh(body: unknown, maxAgeMs: number, now: Date): boolean {
  const timestamp = (body as { eventTimestamp?: unknown } | null)?.eventTimestamp;
  const instant = typeof timestamp === 'string' ? toCanonicalInstant(timestamp) : undefined;
  if (!instant) return true;
  return Math.abs(now.getTime() - Date.parse(instant)) <= maxAgeMs;
}

function malformed(body: unknown, detail: string): AdapterVerdict {
  return { kind: 'rejected', status: 400, title: 'Webhook does not match its documented schema', detail, deadLetter: { body } };
}

/**
 * SnapTrade's reference reuses one webhookId for two event types (CONNECTION_UPDATED and
 * CONNECTION_FAILED), so the id alone would swallow a real event as a duplicate; a redelivery
 * keeps both its id and its type.
 */
function eventIdOf(eventType: string, webhookId: string): string {
  return `${eventType}:${webhookId}`;
}

function ignoredEventId(eventType: string, body: unknown): string {
  const webhookId = (body as { webhookId?: unknown }).webhookId;
  if (typeof webhookId === 'string' && webhookId.length > 0 && webhookId.length <= 256) return eventIdOf(eventType, webhookId);
  return `${eventType}:sha256:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
}

function normalize(event: SnapTradeEvent, occurredAt: string): ConnectionEvent {
  const detail: ConnectionEvent['detail'] = { providerEventType: event.eventType, clientId: event.clientId };
  if (event.eventType === 'CONNECTION_ATTEMPTED') detail.result = event.connectionAttemptedResult;
  return {
    provider: 'snaptrade',
    eventId: eventIdOf(event.eventType, event.webhookId),
    type: neutralTypes[event.eventType],
    occurredAt,
    userId: event.userId,
    ...('brokerageAuthorizationId' in event ? { connectionId: event.brokerageAuthorizationId } : {}),
    ...('accountId' in event ? { accountId: event.accountId } : {}),
    ...('brokerageId' in event ? { brokerageId: event.brokerageId } : {}),
    detail,
  };
}
