import type { Config } from '../config/config.ts';
import type { ProviderAdapter } from './adapter.ts';
import type { ReceiptLedger } from './receipt-ledger.ts';
import { createSnapTradeEndpoint } from './snaptrade/endpoint.ts';
import { upvestAdaptersFrom } from './upvest/from-config.ts';
import { createVezgoAdapter } from './vezgo/adapter.ts';
import { vibeAdaptersFrom } from './vibe/from-config.ts';

/** Every provider this configuration receives webhooks from: the receiver's routes and the replay tool's adapters. */
export function adaptersFrom(config: Config, deps: { ledger: ReceiptLedger }): ProviderAdapter[] {
  return [
    createSnapTradeEndpoint({
      webhookSecrets: config.SNAPTRADE_WEBHOOK_SECRET ?? [],
      consumerKey: config.SNAPTRADE_CONSUMER_KEY,
      requireSignature: config.SNAPTRADE_REQUIRE_SIGNATURE,
      maxEventAgeMs: config.SNAPTRADE_MAX_EVENT_AGE,
      appSigningSecrets: config.SNAPTRADE_APP_SIGNING_SECRET,
      ledger: deps.ledger,
    }),
    ...upvestAdaptersFrom(config),
    ...vibeAdaptersFrom(config),
    ...(config.VEZGO_CLIENT_ID
      ? [createVezgoAdapter({ clientId: config.VEZGO_CLIENT_ID, allowedAddresses: config.VEZGO_ALLOWED_IPS, dedupWindowMs: config.VEZGO_DEDUP_WINDOW, ledger: deps.ledger })]
      : []),
  ];
}
