import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured JSON logs. Nothing logs a body or a header wholesale; the redaction list is the
 * second line of defence for anything that might one day be logged by accident.
 */
export function createLogger(level: string, destination: DestinationStream = standardOutput()): Logger {
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

/**
 * Human-readable lines for a person at a terminal (`npm start`); JSON for anything else (a file, a
 * pipe, a log collector), which is what production reads.
 */
export function terminalDestination(output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): DestinationStream | undefined {
  if (!output.isTTY) return undefined;
  return pretty({ destination: output, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
}

/**
 * Standard output, written asynchronously: a pipe's write is synchronous in Node, so under a burst
 * one syscall per line took 7% of the receiver's CPU (bench/RESULTS.md); lines logged while a write
 * is in flight now go out together. Pino flushes what is pending when the process exits.
 */
function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}
