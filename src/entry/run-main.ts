import { ConfigError } from '../config/config.ts';

/** Entry-point wrapper: a configuration problem is printed plainly and exits 2, anything else 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

/**
 * Runs `stop` on the first SIGINT or SIGTERM and ignores any that follow: under `npm start` one
 * Ctrl-C or one process-group SIGTERM arrives more than once (the launcher forwards it too), and
 * the default action of a repeat would kill the process mid-drain.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, handle);
}
