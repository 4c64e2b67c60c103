import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Nothing logs a body or a header wholesale; the redaction list is the
 * second line of defence for anything that might one day be logged by accident.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['*.webhookSecret', '*.headers.authorization', '*.headers.signature', '*.headers["x-snaptrade-signature"]', '*.password', '*.token', '*.secret'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
