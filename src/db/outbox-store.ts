import type { StoredConnection } from '../domain/notification-relevance.ts';
import type { NotificationPayload, NotificationRequest } from '../notifications/notification.ts';
import { instant } from './instant-sql.ts';
import type { Pool } from './pool.ts';

export type Channel = 'webhook' | 'email';
const channelOrder: Record<Channel, number> = { webhook: 0, email: 1 };


/** A row one sender holds until its lease ends, with the connection as Postgres knows it now. */
export interface ClaimedRow {
  notificationId: string;
  channel: Channel;
  provider: string;
  connectionId: string;
  userId: string | null;
  payload: NotificationPayload;
  /** Attempts recorded before this claim; the fence every later update of this claim checks. */
  attempts: number;
  createdAt: number;
  /** `sending`: an earlier holder's lease ran out, so whether its attempt went out is unknown. */
  previousStatus: 'pending' | 'sending';
  connection: StoredConnection | null;
}

/** True when this call created the notification (a retried activity finds it there). */
export async function createOutbox(
  pool: Pool,
  notificationId: string,
  request: NotificationRequest,
  payload: NotificationPayload,
  channels: { channel: Channel; status: 'pending' | 'skipped' }[],
  firstTryMs: number,
): Promise<boolean> {
  let created = false;
  for (const { channel, status } of channels) {
    // The sender that creates a row tries it first; the relay takes it only if that did not happen by `firstTryMs`.
    const { rowCount } = await pool.query(
      `INSERT INTO notification_outbox (notification_id, channel, type, provider, connection_id, user_id, payload, status, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9::double precision / 1000))
       ON CONFLICT (notification_id, channel) DO NOTHING`,
      [notificationId, channel, payload.type, request.provider, request.connectionId, request.userId, JSON.stringify(payload), status, firstTryMs],
    );
    created ||= (rowCount ?? 0) > 0;
  }
  return created;
}

interface ClaimedDbRow {
  notification_id: string;
  channel: Channel;
  provider: string;
  connection_id: string;
  user_id: string | null;
  payload: NotificationPayload;
  attempts: number;
  created_ms: string;
  previous_status: 'pending' | 'sending';
  state: StoredConnection['status'] | null;
  lifecycle: Partial<Pick<StoredConnection, 'reauth' | 'degraded'>> | null;
}

/**
 * Takes due rows (pending and due, or sending with a lapsed lease) for `leaseMs`, oldest first;
 * other senders skip them meanwhile. With `notificationId`, that notification's pending rows
 * whenever they are due.
 */
export async function claimDue(pool: Pool, options: { notificationId?: string; limit: number; leaseMs: number }): Promise<ClaimedRow[]> {
  const { rows } = await pool.query<ClaimedDbRow>(
    `WITH due AS (
       SELECT o.notification_id, o.channel, o.status AS previous_status, c.state, c.lifecycle
       FROM notification_outbox o LEFT JOIN connections c ON c.provider = o.provider AND c.connection_id = o.connection_id
       WHERE o.status IN ('pending', 'sending')
         AND ($1::text IS NULL AND o.next_attempt_at <= now() OR o.notification_id = $1 AND (o.status = 'pending' OR o.next_attempt_at <= now()))
       ORDER BY o.next_attempt_at LIMIT $2 FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE notification_outbox o SET status = 'sending', next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
     FROM due
     WHERE o.notification_id = due.notification_id AND o.channel = due.channel
     RETURNING o.notification_id, o.channel, o.provider, o.connection_id, o.user_id, o.payload, o.attempts,
       (extract(epoch FROM o.created_at) * 1000)::text AS created_ms, due.previous_status, due.state, due.lifecycle`,
    [options.notificationId ?? null, options.limit, options.leaseMs],
  );
  // UPDATE … RETURNING keeps no order: oldest first, and the app's webhook before the user's email.
  rows.sort((a, b) => Number(a.created_ms) - Number(b.created_ms) || channelOrder[a.channel] - channelOrder[b.channel]);
  return rows.map((row) => ({
    notificationId: row.notification_id,
    channel: row.channel,
    provider: row.provider,
    connectionId: row.connection_id,
    userId: row.user_id,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: Math.floor(Number(row.created_ms)),
    previousStatus: row.previous_status,
    connection: row.state ? { status: row.state, reauth: row.lifecycle?.reauth ?? null, degraded: row.lifecycle?.degraded ?? null } : null,
  }));
}

/**
 * Written before the attempt talks to anyone: a crash during it leaves the row `sending` with this
 * attempt counted. Null when the claim was lost (its lease lapsed and another sender took the row).
 */
export async function recordAttempt(pool: Pool, row: ClaimedRow, note: string | null): Promise<number | null> {
  const { rows } = await pool.query<{ attempts: number }>(
    `UPDATE notification_outbox SET attempts = attempts + 1, attempted_at = now(), last_error = COALESCE($4, last_error)
     WHERE notification_id = $1 AND channel = $2 AND status = 'sending' AND attempts = $3 RETURNING attempts`,
    [row.notificationId, row.channel, row.attempts, note],
  );
  return rows[0]?.attempts ?? null;
}

/** Delivered: true whatever a later or earlier holder of the row concluded. */
export async function markSent(pool: Pool, notificationId: string, channel: Channel): Promise<void> {
  await pool.query(
    `UPDATE notification_outbox SET status = 'sent', sent_at = now() WHERE notification_id = $1 AND channel = $2 AND status <> 'sent'`,
    [notificationId, channel],
  );
}

/** The attempt failed; due again at `nextAttemptAt`, unless another holder has the row by now. */
export async function markRetry(pool: Pool, notificationId: string, channel: Channel, attempt: number, error: string, nextAttemptAt: Date): Promise<void> {
  await pool.query(
    `UPDATE notification_outbox SET status = 'pending', last_error = $4, next_attempt_at = $5
     WHERE notification_id = $1 AND channel = $2 AND status = 'sending' AND attempts = $3`,
    [notificationId, channel, attempt, error.slice(0, 2000), nextAttemptAt],
  );
}

/** Ends a row still held under `attempts` (or, for `pending` rows, not taken meanwhile). True when it did. */
export async function markFinal(
  pool: Pool,
  notificationId: string,
  channel: Channel,
  attempts: number,
  status: 'failed' | 'cancelled' | 'skipped',
  reason: string,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE notification_outbox SET status = $4, last_error = $5
     WHERE notification_id = $1 AND channel = $2 AND status IN ('pending', 'sending') AND attempts = $3`,
    [notificationId, channel, attempts, status, reason.slice(0, 2000)],
  );
  return (rowCount ?? 0) > 0;
}

/** Rows of one connection not yet sent nor held, other than `except`: candidates for being moot. */
export async function waitingRowsOf(pool: Pool, provider: string, connectionId: string, except: string) {
  const { rows } = await pool.query<{ notification_id: string; channel: Channel; payload: NotificationPayload; attempts: number }>(
    `SELECT notification_id, channel, payload, attempts FROM notification_outbox
     WHERE provider = $1 AND connection_id = $2 AND status = 'pending' AND notification_id <> $3`,
    [provider, connectionId, except],
  );
  return rows;
}

export async function loadStoredConnection(pool: Pool, provider: string, connectionId: string): Promise<StoredConnection | null> {
  const { rows } = await pool.query<{ state: StoredConnection['status']; lifecycle: Partial<StoredConnection> }>(
    `SELECT state, lifecycle FROM connections WHERE provider = $1 AND connection_id = $2`,
    [provider, connectionId],
  );
  const row = rows[0];
  return row ? { status: row.state, reauth: row.lifecycle.reauth ?? null, degraded: row.lifecycle.degraded ?? null } : null;
}

/** What `npm run ops -- notifications list` shows. */
export async function listNotifications(pool: Pool, filter: { status?: string | undefined; provider?: string | undefined; limit: number }) {
  const { rows } = await pool.query(
    `SELECT notification_id, channel, type, provider, connection_id, status, attempts, ${instant('created_at')},
            ${instant('next_attempt_at')}, last_error
     FROM notification_outbox
     WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR provider = $2)
     ORDER BY notification_outbox.created_at DESC LIMIT $3`,
    [filter.status ?? null, filter.provider ?? null, filter.limit],
  );
  return rows;
}
