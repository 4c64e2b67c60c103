import type { AdapterVerdict, ProviderAdapter } from '../adapter.ts';
import type { ReceiptLedger } from '../receipt-ledger.ts';
import { createSnapTradeAdapter, type SnapTradeAdapterConfig } from './adapter.ts';
import { createSnapTradeAppDialect } from './app-dialect.ts';
import { APP_SIGNATURE_HEADER } from './app-dialect-verify.ts';

/**
 * /webhooks/snaptrade speaks both dialects in the field: SnapTrade's reference payloads (body
 * `webhookSecret` or `Signature` header) and the dotted app dialect signed in `x-snaptrade-signature`.
 * The header picks the dialect, so each is checked only by its own scheme: an app-dialect request
 * with a bad signature is refused even if its body happens to carry a secret.
 */
export function createSnapTradeEndpoint(config: SnapTradeAdapterConfig & { ledger: ReceiptLedger }): ProviderAdapter<AdapterVerdict | Promise<AdapterVerdict>> {
  const reference = createSnapTradeAdapter(config);
  // Its own secret when given: the webhook secret travels in clear in every reference body.
  const app = createSnapTradeAppDialect({ webhookSecrets: config.appSigningSecrets ?? config.webhookSecrets, scrub: reference.secrets, ledger: config.ledger });
  return {
    provider: reference.provider,
    secrets: reference.secrets,
    receive: (webhook) => (webhook.headers[APP_SIGNATURE_HEADER] === undefined ? reference.receive(webhook) : app.receive(webhook)),
    // A kept body says its dialect by shape: the reference one names `eventType`, the app one `type`.
    interpret: (body, receivedAt) =>
      body !== null && typeof body === 'object' && 'eventType' in body ? reference.interpret(body, receivedAt) : app.interpret(body, receivedAt),
  };
}
