import type { NotificationPayload, NotificationRequest } from '../notifications/notification.ts';
import type { Pool } from './pool.ts';

export type Channel = 'webhook' | 'email';

export interface OutboxRow {
  channel: Channel;
  status: 'pending' | 'sent' | 'skipped';
  payload: NotificationPayload;
}

export async function loadOutbox(pool: Pool, notificationId: string): Promise<OutboxRow[]> {
  const { rows } = await pool.query<OutboxRow>(
    `SELECT channel, status, payload FROM notification_outbox WHERE notification_id = $1 ORDER BY channel DESC`,
    [notificationId],
  );
  return rows;
}

export async function createOutbox(
  pool: Pool,
  notificationId: string,
  request: NotificationRequest,
  payload: NotificationPayload,
  channels: { channel: Channel; status: 'pending' | 'skipped' }[],
): Promise<void> {
  for (const { channel, status } of channels) {
    await pool.query(
      `INSERT INTO notification_outbox (notification_id, channel, type, provider, connection_id, user_id, payload, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (notification_id, channel) DO NOTHING`,
      [notificationId, channel, payload.type, request.provider, request.connectionId, request.userId, JSON.stringify(payload), status],
    );
  }
}

export async function markOutbox(pool: Pool, notificationId: string, channel: Channel, error: string | null): Promise<void> {
  await pool.query(
    `UPDATE notification_outbox SET attempts = attempts + 1, last_error = $3,
       status = CASE WHEN $3::text IS NULL THEN 'sent' ELSE status END,
       sent_at = CASE WHEN $3::text IS NULL THEN now() ELSE sent_at END
     WHERE notification_id = $1 AND channel = $2`,
    [notificationId, channel, error?.slice(0, 2000) ?? null],
  );
}
