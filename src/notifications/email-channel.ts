import nodemailer from 'nodemailer';
import type { NotificationPayload } from './notification.ts';

const subjects: Partial<Record<NotificationPayload['type'], string>> = {
  'connection.reauth_required': 'Please reconnect your brokerage account',
  'connection.reauth_reminder': 'Reminder: your brokerage account needs reconnecting',
  'connection.restored': 'Your brokerage account is connected again',
};

/** Email over SMTP to the address the backend registered for the user. */
export function createEmailChannel(smtpUrl: string, from: string) {
  const transport = nodemailer.createTransport(smtpUrl);
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
