import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from './recording-server.ts';

export interface AppNotification {
  type: string;
  /** When the notification was issued. */
  timestamp: string;
  data: { connectionId: string; attempt: number; episode: number; reconnectUrl?: string; notificationId: string };
  request: RecordedRequest;
}

export interface AppBackend {
  server: RecordingServer;
  secret: string;
  /** The stack's environment for sending notifications here. */
  env: { NOTIFY_WEBHOOK_URL: string; NOTIFY_WEBHOOK_SECRET: string };
  /** Notifications it accepted, each signature verified with `standardwebhooks` as a real app would. */
  notifications(connectionId?: string): AppNotification[];
}

/** The app's backend, receiving our Standard Webhooks notifications. */
export async function startAppBackend(): Promise<AppBackend> {
  const server = await startRecordingServer();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const verifier = new Webhook(secret);
  return {
    server,
    secret,
    env: { NOTIFY_WEBHOOK_URL: `${server.url}/hooks/connections`, NOTIFY_WEBHOOK_SECRET: secret },
    notifications(connectionId) {
      return server.requests
        .filter((request) => request.status === 200)
        .map((request) => ({ ...(verifier.verify(request.body, request.headers as Record<string, string>) as Omit<AppNotification, 'request'>), request }))
        .filter((notification) => connectionId === undefined || notification.data.connectionId === connectionId);
    },
  };
}
