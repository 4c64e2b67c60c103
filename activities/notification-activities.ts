import type { NotificationRequest } from '../src/notifications/notification.ts';
import type { Notifier } from '../src/notifications/notifier.ts';

export interface NotificationActivityDeps {
  notifier: Notifier;
}

/** Messages to the end user, through the outbox and its channels. */
export function createNotificationActivities(deps: NotificationActivityDeps) {
  return {
    async sendNotification(request: NotificationRequest): Promise<{ notificationId: string; sent: string[] }> {
      return deps.notifier.send(request);
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
