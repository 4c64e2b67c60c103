import { parseJsonBody } from '../json-body.ts';
import { createHash } from 'node:crypto';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { createAddressAllowlist } from '../address-allowlist.ts';
import { pythonCompactSortedJson } from '../python-json.ts';
import { redactText, stripSecretFields } from '../redact.ts';
import { vibeItem } from './normalize.ts';
import { vibeEventNames, vibeEventSchema } from './schemas.ts';
import { vibeSignatureMatches } from './verify.ts';

export interface VibeAdapterConfig {
  /** Accepted webhook secrets; several during a rotation. */
  webhookSecrets: readonly string[];
  /** The Vibe account these webhooks belong to. */
  accountId: string;
  /** Source addresses and CIDR ranges; empty: any source (the signature still decides). */
  allowedAddresses: readonly string[];
}

/**
 * Vibe retries anything but 200 (up to 5 times), so types we do not orchestrate (AI signals, its
 * `test` event, whatever it adds) are journaled and answered 200 too.
 */
export function createVibeAdapter(config: VibeAdapterConfig): ProviderAdapter<AdapterVerdict> {
  const allowed = config.allowedAddresses.length > 0 ? createAddressAllowlist(config.allowedAddresses) : () => true;

  function receive(webhook: InboundWebhook): AdapterVerdict {
    if (!allowed(webhook.remoteAddress)) {
      return { kind: 'rejected', status: 403, title: 'Source address not allowed', detail: 'Vibe webhooks come from its published addresses.' };
    }
    if (!vibeSignatureMatches(webhook.rawBody, webhook.headers['x-webhook-signature'], config.webhookSecrets)) {
      return { kind: 'rejected', status: 401, title: 'Webhook not authenticated', detail: 'X-Webhook-Signature does not match a configured secret.' };
    }

    let body: unknown;
    try {
      body = parseJsonBody(webhook.rawBody.toString('utf8'));
    } catch {
      return malformed('Vibe webhooks are JSON objects.', redactText(webhook.rawBody.toString('utf8'), config.webhookSecrets), 'Body is not JSON');
    }
    // Vibe bodies have no secret field; a secret that shows up verbatim anyway is not kept.
    return interpret(stripSecretFields(body, noFields, config.webhookSecrets));
  }

  function interpret(body: unknown): AdapterVerdict {
    const eventType = (body as { event?: unknown } | null)?.event;
    if (typeof eventType !== 'string' || eventType.length === 0 || eventType.length > 64) {
      return malformed('event: a string of at most 64 characters is required', body);
    }
    const eventId = eventIdOf(eventType, body);
    if (!vibeEventNames.has(eventType)) return { kind: 'accepted', items: [{ kind: 'ignored', eventId, eventType, body }] };

    const parsed = vibeEventSchema.safeParse(body);
    if (!parsed.success) return malformed(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), body);
    const item = vibeItem(parsed.data, config.accountId, eventId);
    if (item.kind === 'malformed') return malformed(item.reason, body);
    return { kind: 'accepted', items: [item] };
  }

  return { provider: 'vibe', secrets: config.webhookSecrets, ignoredStatus: 200, receive, interpret };
}

const noFields: ReadonlySet<string> = new Set();

function malformed(detail: string, body: unknown, title = 'Webhook does not match its documented schema'): AdapterVerdict {
  return { kind: 'rejected', status: 400, title, detail, deadLetter: { body } };
}

/**
 * Vibe sends no event id. Its payloads carry their own timestamp, so two real events differ in
 * content, and a redelivery repeats it: the type and the digest of the content (key order and
 * spacing aside, in case a retry re-serializes) are the id. No receipt-time window: Vibe's retries
 * back off exponentially and would fall outside any short one.
 */
function eventIdOf(eventType: string, body: unknown): string {
  return `${eventType}:${createHash('sha256').update(pythonCompactSortedJson(body)).digest('hex')}`;
}
