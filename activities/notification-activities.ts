import { ApplicationFailure } from '@temporalio/activity';
import { isCausedByInput } from '../src/db/errors.ts';
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
     * left to the worker's relay, so this fails (and is retried) only when Postgres does. A value
     * Postgres refuses would be refused forever: that stops the retries rather than the connection.
     */
    async sendNotification(request: NotificationRequest): Promise<SendResult> {
      try {
        return await deps.notifier.send(request);
      } catch (error) {
        // Only the SQLSTATE goes to workflow history: Postgres may quote the value it refused.
        const code = (error as { code?: unknown }).code ?? (error as Error).name;
        if (isCausedByInput(error)) throw ApplicationFailure.nonRetryable(`the outbox refused the ${request.intent.kind} notification (${String(code)})`, 'OutboxRefused');
        throw error;
      }
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
