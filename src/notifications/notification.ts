import { createHash } from 'node:crypto';
import type { NotificationIntent, NotificationKind } from '../domain/connection-state.ts';

/** Who a notification is about; what the workflow hands the sending activity. */
export interface NotificationRequest {
  provider: string;
  connectionId: string;
  userId: string | null;
  brokerageId: string | null;
  intent: NotificationIntent;
}

export interface NotificationPayload {
  type: `connection.${NotificationKind}`;
  timestamp: string;
  data: {
    notificationId: string;
    provider: string;
    connectionId: string;
    userId: string | null;
    brokerageId: string | null;
    episode: number;
    attempt: number;
    reconnectUrl?: string;
  };
}

/** The kinds the end user hears about by email; the rest are for the app's backend only. */
export const userFacingKinds: ReadonlySet<NotificationKind> = new Set(['reauth_required', 'reauth_reminder', 'restored']);

/** Same connection, episode, kind and attempt → same id, however often the activity is retried. */
export function notificationId({ provider, connectionId, intent }: NotificationRequest): string {
  const digest = createHash('sha256').update(JSON.stringify([provider, connectionId, intent.kind, intent.episode, intent.attempt])).digest('hex');
  return `ntf_${digest.slice(0, 32)}`;
}

export function payloadOf(request: NotificationRequest, id: string, now: Date): NotificationPayload {
  return {
    type: `connection.${request.intent.kind}`,
    timestamp: now.toISOString(),
    data: {
      notificationId: id,
      provider: request.provider,
      connectionId: request.connectionId,
      userId: request.userId,
      brokerageId: request.brokerageId,
      episode: request.intent.episode,
      attempt: request.intent.attempt,
    },
  };
}
