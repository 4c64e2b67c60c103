import { parseJsonBody } from '../json-body.ts';
import type { ConnectionEvent, SyncFailure } from '../../domain/connection-event.ts';
import { canonicalNow } from '../../domain/instant.ts';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { createAddressAllowlist } from '../address-allowlist.ts';
import { constantTimeEqual } from '../constant-time.ts';
import { contentDigest, withLedgerId, type ReceiptLedger } from '../receipt-ledger.ts';
import { vezgoHookNames, vezgoHookSchema, type VezgoHook } from './schemas.ts';

export interface VezgoAdapterConfig {
  clientId: string;
  allowedAddresses: readonly string[];
  /** Vezgo sends no id: a hook identical to the last one accepted for its account within this window is a redelivery. */
  dedupWindowMs: number;
  /** Where the last accepted hook of each account is remembered. */
  ledger: ReceiptLedger;
  now?: () => Date;
}

/** Whose move a Vezgo sync error is; anything Vezgo adds later goes to ops. */
const failures: Record<string, SyncFailure> = {
  LoginFailedError: 'user_action',
  SecurityQuestionError: 'user_action',
  TemporaryFailureError: 'temporary',
  UnhandledConnectorError: 'provider',
  UnknownConnectorError: 'provider',
};

/**
 * Vezgo does not sign its hooks. Authenticity is the documented fixed source addresses plus the
 * `x-client-id` header; re-fetching the account through the API is the further check its docs offer.
 */
export function createVezgoAdapter(config: VezgoAdapterConfig): ProviderAdapter<AdapterVerdict | Promise<AdapterVerdict>> {
  const allowed = createAddressAllowlist(config.allowedAddresses);
  const now = config.now ?? (() => new Date());

  function receive(webhook: InboundWebhook): AdapterVerdict | Promise<AdapterVerdict> {
    if (!allowed(webhook.remoteAddress)) {
      return { kind: 'rejected', status: 403, title: 'Source address not allowed', detail: 'Vezgo hooks come from its documented addresses.' };
    }
    const clientId = webhook.headers['x-client-id'];
    if (typeof clientId !== 'string' || !constantTimeEqual(clientId, config.clientId)) {
      return { kind: 'rejected', status: 401, title: 'Webhook not authenticated', detail: 'x-client-id does not match the configured client.' };
    }

    let body: unknown;
    try {
      body = parseJsonBody(webhook.rawBody.toString('utf8'));
    } catch {
      return { kind: 'rejected', status: 400, title: 'Body is not JSON', detail: 'Vezgo hooks are JSON objects.', deadLetter: { body: webhook.rawBody.toString('utf8') } };
    }
    const receivedAt = now();
    const account = (body as { account?: { id?: unknown } } | null)?.account?.id;
    return withLedgerId(interpret(body, receivedAt), config.ledger, {
      provider: 'vezgo',
      scope: typeof account === 'string' ? account : '',
      digest: contentDigest(body),
      receivedAt,
      windowMs: config.dedupWindowMs,
    });
  }

  /** On a kept body (a replay) the ledger is not asked: the id is its digest and first receipt. */
  function interpret(body: unknown, receivedAt: Date): AdapterVerdict {
    const eventId = eventIdOf(body, receivedAt);
    const hook = (body as { hook?: unknown } | null)?.hook;
    if (typeof hook === 'string' && hook.length <= 64 && !vezgoHookNames.has(hook)) {
      return { kind: 'accepted', items: [{ kind: 'ignored', eventId, eventType: hook, body: withoutLoginName(body) }] };
    }
    const parsed = vezgoHookSchema.safeParse(body);
    if (!parsed.success) {
      return {
        kind: 'rejected',
        status: 400,
        title: 'Webhook does not match its documented schema',
        detail: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        deadLetter: { body },
      };
    }
    return { kind: 'accepted', items: [{ kind: 'event', event: normalize(parsed.data, eventId, canonicalNow(receivedAt)), loginName: parsed.data.user.loginName }] };
  }

  return { provider: 'vezgo', secrets: [], receive, interpret };
}

/** A new hook's id: its content and when it was accepted; a redelivery gets its original's (see ReceiptLedger). */
function eventIdOf(body: unknown, receivedAt: Date): string {
  return `${contentDigest(body)}:${receivedAt.getTime()}`;
}

function withoutLoginName(body: unknown): unknown {
  const user = (body as { user?: unknown }).user;
  if (user === null || typeof user !== 'object') return body;
  const { loginName: _personal, ...rest } = user as Record<string, unknown>;
  return { ...(body as object), user: rest };
}

function normalize(hook: VezgoHook, eventId: string, occurredAt: string): ConnectionEvent {
  const common = {
    provider: 'vezgo',
    eventId,
    occurredAt,
    userId: hook.user.id,
    connectionId: hook.account.id,
    brokerageId: hook.account.provider,
  };
  if (hook.hook === 'SyncAccount') return { ...common, type: 'connection.sync_succeeded', detail: { providerEventType: hook.hook } };
  return {
    ...common,
    type: 'connection.sync_failed',
    detail: { providerEventType: hook.hook, error: hook.error, failure: Object.hasOwn(failures, hook.error) ? failures[hook.error]! : 'provider' },
  };
}
