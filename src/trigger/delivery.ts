import { appSignature, APP_SIGNATURE_HEADER } from '../providers/snaptrade/app-dialect-verify.ts';
import { referenceSignature } from '../providers/snaptrade/verify.ts';
import { signDelivery } from '../providers/upvest/webhook-signer.ts';
import { vibeSignature } from '../providers/vibe/verify.ts';
import type { TriggerProvider } from './catalog.ts';
import type { EventTemplate } from './event-template.ts';
import type { TriggerSecrets } from './secrets.ts';

export interface Delivery {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** How it was authenticated, for the printout (never the secret itself). */
  authentication: string;
}

export class MissingSecret extends Error {}

const json = { 'content-type': 'application/json' };

/** The request the provider itself would send: its format, its secret or signature. */
export function deliveryOf(provider: TriggerProvider, template: EventTemplate, body: Record<string, unknown>, secrets: TriggerSecrets): Delivery {
  const path = `/webhooks/${provider}`;
  switch (provider) {
    case 'snaptrade': {
      if (template.dialect === 'app') {
        const secret = need(secrets.snapTradeAppSecret, 'SNAPTRADE_APP_SIGNING_SECRET or SNAPTRADE_WEBHOOK_SECRET');
        const raw = JSON.stringify(body);
        return { path, body: raw, headers: { ...json, [APP_SIGNATURE_HEADER]: appSignature(secret, raw) }, authentication: APP_SIGNATURE_HEADER };
      }
      if (!secrets.snapTradeWebhookSecret && !secrets.snapTradeConsumerKey) need(undefined, 'SNAPTRADE_WEBHOOK_SECRET or SNAPTRADE_CONSUMER_KEY');
      // SnapTrade still sends the body secret beside the newer Signature header.
      const signed = secrets.snapTradeWebhookSecret ? { ...body, webhookSecret: secrets.snapTradeWebhookSecret } : body;
      const signature: Record<string, string> = secrets.snapTradeConsumerKey ? { signature: referenceSignature(secrets.snapTradeConsumerKey, signed) } : {};
      const schemes = [...(secrets.snapTradeWebhookSecret ? ['webhookSecret'] : []), ...(secrets.snapTradeConsumerKey ? ['Signature'] : [])];
      return { path, body: JSON.stringify(signed), headers: { ...json, ...signature }, authentication: schemes.join(' + ') };
    }
    case 'vezgo': {
      const clientId = need(secrets.vezgoClientId, 'VEZGO_CLIENT_ID');
      return { path, body: JSON.stringify(body), headers: { ...json, 'x-client-id': clientId }, authentication: 'x-client-id' };
    }
    case 'upvest': {
      const key = need(secrets.upvestKey, 'UPVEST_WEBHOOK_SIGNING_JWK (the private key whose public half the receiver trusts)');
      const raw = JSON.stringify(body);
      return { path, body: raw, headers: signDelivery(raw, key, { path }), authentication: `signature keyid=${key.kid}` };
    }
    case 'vibe': {
      const secret = need(secrets.vibeWebhookSecret, 'VIBE_WEBHOOK_SECRET');
      const raw = JSON.stringify(body);
      return { path, body: raw, headers: { ...json, 'x-webhook-signature': vibeSignature(raw, secret) }, authentication: 'X-Webhook-Signature' };
    }
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new MissingSecret(`no ${what}: set it in the environment, or run \`npm start\` once to generate .data/dev-secrets.json`);
  return value;
}
