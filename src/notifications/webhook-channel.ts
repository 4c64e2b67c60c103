import { Webhook } from 'standardwebhooks';
import type { NotificationPayload } from './notification.ts';

/** The app backend's endpoint, signed with the Standard Webhooks scheme; webhook-id is the notification id. */
export function createWebhookChannel(url: string, secret: string) {
  const signer = new Webhook(secret);
  return async function sendWebhook(id: string, payload: NotificationPayload): Promise<void> {
    const body = JSON.stringify(payload);
    const timestamp = new Date();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign(id, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`notification webhook answered ${res.status}`);
  };
}
