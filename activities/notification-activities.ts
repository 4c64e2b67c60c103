import type { NotificationRequest } from '../src/notifications/notification.ts';
import type { Notifier, SendResult } from '../src/notifications/notifier.ts';

export interface NotificationActivityDeps {
  notifier: Notifier;
}

/** Messages to the end user, through the outbox and its channels. */
export function createNotificationActivities(deps: NotificationActivityDeps) {
  return {
    /**
     * Records the notification in the outbox and tries its channels once. A channel that fails is
     * left to the worker's relay, so this fails (and is retried) only when Postgres does.
     */
    async sendNotification(request: NotificationRequest): Promise<SendResult> {
      return deps.notifier.send(request);
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
