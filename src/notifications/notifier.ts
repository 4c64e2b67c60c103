import { createOutbox, loadOutbox, markOutbox, type Channel } from '../db/outbox-store.ts';
import type { Pool } from '../db/pool.ts';
import { loadContact } from '../db/user-profile-store.ts';
import { notificationId, payloadOf, userFacingKinds, type NotificationPayload, type NotificationRequest } from './notification.ts';

export interface NotifierDeps {
  pool: Pool;
  sendWebhook?: ((id: string, payload: NotificationPayload) => Promise<void>) | undefined;
  sendEmail?: ((id: string, to: string, payload: NotificationPayload) => Promise<void>) | undefined;
  /** A provider link that reopens this connection for the user; made at send time, never stored. */
  reconnectUrl: (request: NotificationRequest) => Promise<string | null>;
}

/**
 * Sends a notification through the outbox: each (notification, channel) row goes out at most once,
 * so a retried activity only sends what did not go out yet. A failed channel is recorded and
 * raised, so the activity retries it with backoff.
 */
export function createNotifier(deps: NotifierDeps) {
  async function channelsFor(request: NotificationRequest): Promise<{ channel: Channel; status: 'pending' | 'skipped' }[]> {
    const channels: { channel: Channel; status: 'pending' | 'skipped' }[] = [];
    if (deps.sendWebhook) channels.push({ channel: 'webhook', status: 'pending' });
    if (userFacingKinds.has(request.intent.kind)) {
      const contact = request.userId ? await loadContact(deps.pool, request.provider, request.userId) : null;
      channels.push({ channel: 'email', status: deps.sendEmail && contact?.email ? 'pending' : 'skipped' });
    }
    return channels;
  }

  async function send(request: NotificationRequest): Promise<{ notificationId: string; sent: Channel[] }> {
    const id = notificationId(request);
    let rows = await loadOutbox(deps.pool, id);
    if (rows.length === 0) {
      await createOutbox(deps.pool, id, request, payloadOf(request, id, new Date()), await channelsFor(request));
      rows = await loadOutbox(deps.pool, id);
    }
    const pending = rows.filter((row) => row.status === 'pending');
    const prompt = request.intent.kind === 'reauth_required' || request.intent.kind === 'reauth_reminder';
    const reconnectUrl = pending.length > 0 && prompt ? await deps.reconnectUrl(request) : null;

    const sent: Channel[] = [];
    const failures: string[] = [];
    for (const row of pending) {
      const payload: NotificationPayload = reconnectUrl ? { ...row.payload, data: { ...row.payload.data, reconnectUrl } } : row.payload;
      try {
        if (row.channel === 'webhook') await deps.sendWebhook!(id, payload);
        else {
          const contact = await loadContact(deps.pool, request.provider, request.userId!);
          await deps.sendEmail!(id, contact!.email!, payload);
        }
        await markOutbox(deps.pool, id, row.channel, null);
        sent.push(row.channel);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await markOutbox(deps.pool, id, row.channel, message);
        failures.push(`${row.channel}: ${row.channel === 'email' ? smtpSummary(error) : message}`);
      }
    }
    if (failures.length > 0) throw new Error(`notification ${id} not delivered (${failures.join('; ')})`);
    return { notificationId: id, sent };
  }

  return { send };
}

export type Notifier = ReturnType<typeof createNotifier>;

/**
 * The thrown message becomes the activity failure in workflow history, which is not encrypted;
 * SMTP errors echo the recipient's address, so only the response code goes there (the full text
 * stays in the outbox row).
 */
function smtpSummary(error: unknown): string {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? `SMTP answered ${code}` : 'SMTP delivery failed';
}
