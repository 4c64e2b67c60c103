import { createHash } from 'node:crypto';
import type { ConnectionEvent, SyncFailure } from '../../domain/connection-event.ts';
import { canonicalNow } from '../../domain/instant.ts';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { createAddressAllowlist } from '../address-allowlist.ts';
import { constantTimeEqual } from '../constant-time.ts';
import { pythonCompactSortedJson } from '../python-json.ts';
import { vezgoHookNames, vezgoHookSchema, type VezgoHook } from './schemas.ts';

export interface VezgoAdapterConfig {
  clientId: string;
  allowedAddresses: readonly string[];
  /** Vezgo sends no id: identical hooks received within one window are one delivery. */
  dedupWindowMs: number;
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
export function createVezgoAdapter(config: VezgoAdapterConfig): ProviderAdapter<AdapterVerdict> {
  const allowed = createAddressAllowlist(config.allowedAddresses);
  const now = config.now ?? (() => new Date());

  function receive(webhook: InboundWebhook): AdapterVerdict {
    if (!allowed(webhook.remoteAddress)) {
      return { kind: 'rejected', status: 403, title: 'Source address not allowed', detail: 'Vezgo hooks come from its documented addresses.' };
    }
    const clientId = webhook.headers['x-client-id'];
    if (typeof clientId !== 'string' || !constantTimeEqual(clientId, config.clientId)) {
      return { kind: 'rejected', status: 401, title: 'Webhook not authenticated', detail: 'x-client-id does not match the configured client.' };
    }

    let body: unknown;
    try {
      body = JSON.parse(webhook.rawBody.toString('utf8'));
    } catch {
      return { kind: 'rejected', status: 400, title: 'Body is not JSON', detail: 'Vezgo hooks are JSON objects.', deadLetter: { body: webhook.rawBody.toString('utf8') } };
    }
    return interpret(body, now());
  }

  function interpret(body: unknown, receivedAt: Date): AdapterVerdict {
    const eventId = eventIdOf(body, receivedAt, config.dedupWindowMs);
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

/**
 * The same hook redelivered (same content, key order aside) within the window gets the same id;
 * a window boundary between two deliveries can split them, and the lifecycle absorbs the repeat.
 */
function eventIdOf(body: unknown, receivedAt: Date, windowMs: number): string {
  const digest = createHash('sha256').update(pythonCompactSortedJson(body)).digest('hex').slice(0, 40);
  return `${digest}:${Math.floor(receivedAt.getTime() / windowMs)}`;
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
