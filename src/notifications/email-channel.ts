import nodemailer from 'nodemailer';
import type { NotificationPayload } from './notification.ts';

const subjects: Partial<Record<NotificationPayload['type'], string>> = {
  'connection.reauth_required': 'Please reconnect your brokerage account',
  'connection.reauth_reminder': 'Reminder: your brokerage account needs reconnecting',
  'connection.restored': 'Your brokerage account is connected again',
};

/**
 * Email over SMTP to the address the backend registered for the user. The Message-ID is the
 * notification id's, so every copy of one notification (a resend after an unknown outcome) is
 * the same message to the receiving side.
 */
export function createEmailChannel(smtpUrl: string, from: string) {
  // Bounded, so an attempt always ends well within the outbox lease (nodemailer waits 10 minutes by default).
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
  return async function sendEmail(id: string, to: string, payload: NotificationPayload): Promise<void> {
    const subject = subjects[payload.type] ?? 'About your brokerage connection';
    const link = payload.data.reconnectUrl;
    const text =
      payload.type === 'connection.restored'
        ? 'Your brokerage connection works again. Thank you for reconnecting; there is nothing more to do.'
        : `We can no longer reach your brokerage account, so your data has stopped updating.\n\n${
            link ? `Reconnect here: ${link}\n` : 'Open the app to reconnect your account.\n'
          }`;
    await transport.sendMail({ from, to, subject, text, messageId: `<${id}@connection-lifecycle>` });
  };
}
