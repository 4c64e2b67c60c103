import { parseJsonBody } from '../json-body.ts';
import { DEFAULT_UPVEST_MAX_BODY } from '../../config/upvest-config.ts';
import type { AdapterVerdict, InboundWebhook, ProviderAdapter } from '../adapter.ts';
import { upvestItem } from './normalize.ts';
import { upvestPackageSchema } from './schemas.ts';
import { VerificationKeysUnavailable, type VerificationKeys } from './verification-keys.ts';
import { verifyUpvestSignature, type SignatureCheck } from './verify.ts';

export interface UpvestAdapterConfig {
  keys: VerificationKeys;
  /** How old a signature's `created` may be (and how late after `expires`). */
  signatureToleranceMs: number;
  /** Largest delivery accepted (UPVEST_MAX_BODY); an authentic larger one is dead-lettered. */
  maxBodyBytes?: number;
}

/**
 * Upvest blocks every later delivery while one is refused, and retries anything but 200 forever.
 * So once a package is authentic it is acknowledged: what cannot be read is dead-lettered, not
 * refused. Only an unauthentic request (401) or missing keys (503, so Upvest retries) are refused.
 */
/** How far past UPVEST_MAX_BODY a body is still read through for its signature; beyond, 413. */
const READ_THROUGH_FACTOR = 10;

export function createUpvestAdapter(config: UpvestAdapterConfig): ProviderAdapter {
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_UPVEST_MAX_BODY;
  async function receive(webhook: InboundWebhook): Promise<AdapterVerdict> {
    let check: SignatureCheck;
    try {
      check = await verifyUpvestSignature(webhook, config.keys, { toleranceMs: config.signatureToleranceMs });
    } catch (error) {
      if (!(error instanceof VerificationKeysUnavailable)) throw error;
      return { kind: 'rejected', status: 503, title: 'Verification keys unavailable', detail: 'Upvest’s signing keys could not be loaded; retry later.' };
    }
    if (!check.ok) return { kind: 'rejected', status: 401, title: 'Webhook not authenticated', detail: `Upvest signature: ${check.reason}.` };

    if (webhook.oversize) {
      const { bytes, limit } = webhook.oversize;
      const reason = `delivery of ${bytes} bytes is over UPVEST_MAX_BODY (${limit}): only its first bytes are kept`;
      return { kind: 'accepted', items: [{ kind: 'malformed', reason, body: { bytes, excerpt: webhook.rawBody.toString('utf8') } }] };
    }
    const text = webhook.rawBody.toString('utf8');
    let parsed: unknown;
    try {
      parsed = parseJsonBody(text);
    } catch {
      return { kind: 'accepted', items: [{ kind: 'malformed', reason: 'package is not JSON', body: text }] };
    }
    const envelope = upvestPackageSchema.safeParse(parsed);
    if (!envelope.success) return { kind: 'accepted', items: [{ kind: 'malformed', reason: 'package has no payload array', body: parsed }] };
    return { kind: 'accepted', items: envelope.data.payload.map(upvestItem) };
  }

  /** What is kept of an Upvest delivery is one event of its package (or, unreadable, the package). */
  function interpret(body: unknown): AdapterVerdict {
    const envelope = upvestPackageSchema.safeParse(body);
    return { kind: 'accepted', items: envelope.success ? envelope.data.payload.map(upvestItem) : [upvestItem(body)] };
  }

  return { provider: 'upvest', secrets: [], ignoredStatus: 200, maxBodyBytes, readThroughBytes: maxBodyBytes * READ_THROUGH_FACTOR, receive, interpret };
}
