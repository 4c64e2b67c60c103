import type { Alerter } from '../alerts/alerter.ts';
import {
  claimDue,
  createOutbox,
  loadStoredConnection,
  markFinal,
  markRetry,
  markSent,
  recordAttempt,
  waitingRowsOf,
  type Channel,
  type ClaimedRow,
} from '../db/outbox-store.ts';
import type { Pool } from '../db/pool.ts';
import { loadContact } from '../db/user-profile-store.ts';
import type { NotificationIntent, NotificationKind } from '../domain/connection-state.ts';
import { mootReason } from '../domain/notification-relevance.ts';
import type { Logger } from '../logger.ts';
import { notificationId, payloadOf, userFacingKinds, type NotificationPayload, type NotificationRequest } from './notification.ts';

export interface NotificationRetryPolicy {
  initialMs: number;
  maxMs: number;
  /** A notification not delivered this long after it was created is given up. */
  maxAgeMs: number;
}

export interface NotifierDeps {
  pool: Pool;
  alerter: Alerter;
  logger: Logger;
  retry: NotificationRetryPolicy;
  sendWebhook?: ((id: string, payload: NotificationPayload) => Promise<void>) | undefined;
  sendEmail?: ((id: string, to: string, payload: NotificationPayload) => Promise<void>) | undefined;
  /** A provider link that reopens this connection for the user; made at send time, never stored. */
  reconnectUrl: (request: NotificationRequest) => Promise<string | null>;
}

/** Longer than any one attempt can take (the webhook's and SMTP's own timeouts), so a live holder keeps its row. */
const LEASE_MS = 5 * 60_000;
const RELAY_BATCH = 50;

export interface SendResult {
  notificationId: string;
  sent: Channel[];
  /** Channels that failed this time: the relay retries them from the outbox. */
  retrying: Channel[];
}

/**
 * Notifications through the outbox. `send` records the notification and tries each channel once at
 * once; what fails stays `pending` and the relay (`relayDue`) retries it with capped backoff until it
 * is delivered, becomes moot (cancelled), or is older than the maximum age (failed, with one ops
 * alert). Each attempt claims its row under a lease and is recorded before it starts, so no two live
 * senders work on one row and a crash mid-attempt is visible on the row.
 */
export function createNotifier(deps: NotifierDeps) {
  const { pool, logger } = deps;

  async function channelsFor(request: NotificationRequest): Promise<{ channel: Channel; status: 'pending' | 'skipped' }[]> {
    const channels: { channel: Channel; status: 'pending' | 'skipped' }[] = [];
    if (deps.sendWebhook) channels.push({ channel: 'webhook', status: 'pending' });
    if (userFacingKinds.has(request.intent.kind)) {
      const contact = request.userId ? await loadContact(pool, request.provider, request.userId) : null;
      channels.push({ channel: 'email', status: deps.sendEmail && contact?.email ? 'pending' : 'skipped' });
    }
    return channels;
  }

  /** What changed the connection enough for a new notification may have made older ones waiting for a retry moot: cancelled now, not at their next try. */
  async function cancelMoot(request: NotificationRequest, except: string): Promise<void> {
    const waiting = await waitingRowsOf(pool, request.provider, request.connectionId, except);
    if (waiting.length === 0) return;
    const connection = await loadStoredConnection(pool, request.provider, request.connectionId);
    for (const row of waiting) {
      const reason = mootReason(intentOf(row.payload), connection);
      if (reason) await markFinal(pool, row.notification_id, row.channel, row.attempts, 'cancelled', `moot: ${reason}`);
    }
  }

  async function send(request: NotificationRequest): Promise<SendResult> {
    const id = notificationId(request);
    if (await createOutbox(pool, id, request, payloadOf(request, id, new Date()), await channelsFor(request), LEASE_MS)) await cancelMoot(request, id);
    const outcomes = await deliver(await claimDue(pool, { notificationId: id, limit: 2, leaseMs: LEASE_MS }));
    return {
      notificationId: id,
      sent: outcomes.filter((o) => o.outcome === 'sent').map((o) => o.channel),
      retrying: outcomes.filter((o) => o.outcome === 'retrying').map((o) => o.channel),
    };
  }

  /** One batch of due rows; how many it claimed, so a full batch is followed at once by the next. */
  async function relayDue(): Promise<number> {
    const rows = await claimDue(pool, { limit: RELAY_BATCH, leaseMs: LEASE_MS });
    await deliver(rows);
    return rows.length;
  }

  type Outcome = { channel: Channel; outcome: 'sent' | 'retrying' | 'ended' };

  async function deliver(rows: ClaimedRow[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const byNotification = new Map<string, ClaimedRow[]>();
    for (const row of rows) byNotification.set(row.notificationId, [...(byNotification.get(row.notificationId) ?? []), row]);
    for (const group of byNotification.values()) {
      const first = group[0]!;
      const request = requestOf(first);
      const moot = mootReason(request.intent, first.connection);
      if (moot) {
        for (const row of group) await markFinal(pool, row.notificationId, row.channel, row.attempts, 'cancelled', `moot: ${moot}`);
        outcomes.push(...group.map((row) => ({ channel: row.channel, outcome: 'ended' as const })));
        continue;
      }
      const prompt = request.intent.kind === 'reauth_required' || request.intent.kind === 'reauth_reminder';
      const reconnectUrl = prompt ? await deps.reconnectUrl(request) : null;
      for (const row of group) {
        const payload: NotificationPayload = reconnectUrl ? { ...row.payload, data: { ...row.payload.data, reconnectUrl } } : row.payload;
        outcomes.push({ channel: row.channel, outcome: await attempt(row, payload) });
      }
    }
    return outcomes;
  }

  async function attempt(row: ClaimedRow, payload: NotificationPayload): Promise<Outcome['outcome']> {
    const id = row.notificationId;
    let recipient: string | null = null;
    if (row.channel === 'email') {
      const contact = row.userId ? await loadContact(pool, row.provider, row.userId) : null;
      recipient = contact?.email ?? null;
    }
    const channelReady = row.channel === 'webhook' ? deps.sendWebhook !== undefined : deps.sendEmail !== undefined && recipient !== null;
    if (!channelReady) {
      const reason = row.channel === 'webhook' ? 'no notification webhook is configured any more' : 'no email address or SMTP server any more';
      await markFinal(pool, id, row.channel, row.attempts, 'skipped', reason);
      return 'ended';
    }

    const unknown = row.previousStatus === 'sending';
    const note = unknown ? 'the previous attempt’s outcome is unknown (its sender stopped mid-attempt); sent again under the same id' : null;
    if (unknown) logger.warn({ notificationId: id, channel: row.channel }, 'resending a notification whose previous attempt has no recorded outcome');
    const attemptNo = await recordAttempt(pool, row, note);
    if (attemptNo === null) return 'ended';

    try {
      if (row.channel === 'webhook') await deps.sendWebhook!(id, payload);
      else await deps.sendEmail!(id, recipient!, payload);
      await markSent(pool, id, row.channel);
      return 'sent';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const refused = row.channel === 'email' && isPermanentSmtpRefusal(error);
      const age = Date.now() - row.createdAt;
      if (!refused && age < deps.retry.maxAgeMs) {
        const wait = Math.min(deps.retry.initialMs * 2 ** (attemptNo - 1), deps.retry.maxMs);
        await markRetry(pool, id, row.channel, attemptNo, message, new Date(Date.now() + wait));
        return 'retrying';
      }
      const why = refused ? `refused for good: ${message}` : `not delivered within ${Math.round(deps.retry.maxAgeMs / 1000)} s, ${attemptNo} attempt(s); last: ${message}`;
      if (await markFinal(pool, id, row.channel, attemptNo, 'failed', why)) {
        // The alert goes to chat: the SMTP text echoes the recipient's address, so only its code goes there.
        const summary = row.channel === 'email' ? smtpSummary(error) : message;
        await deps.alerter.raise(
          'notification_failed',
          'notifications',
          `${row.payload.type} ${id} (${row.channel}) for ${row.provider} connection ${row.connectionId} ${refused ? 'was refused' : 'expired'}: ${summary}. See npm run ops -- notifications list --status failed`,
        );
      }
      return 'ended';
    }
  }

  return { send, relayDue };
}

export type Notifier = ReturnType<typeof createNotifier>;

function intentOf(payload: NotificationPayload): NotificationIntent {
  return { kind: payload.type.slice('connection.'.length) as NotificationKind, episode: payload.data.episode, attempt: payload.data.attempt };
}

function requestOf(row: ClaimedRow): NotificationRequest {
  return { provider: row.provider, connectionId: row.connectionId, userId: row.userId, brokerageId: row.payload.data.brokerageId, intent: intentOf(row.payload) };
}

/** A 5xx reply: the server says asking again will not help (no such mailbox, policy). */
function isPermanentSmtpRefusal(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500;
}

function smtpSummary(error: unknown): string {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? `SMTP answered ${code}` : 'SMTP delivery failed';
}
