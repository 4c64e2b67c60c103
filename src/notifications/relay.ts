import type { Logger } from '../logger.ts';
import type { Notifier } from './notifier.ts';

/**
 * Retries what the outbox still owes: every worker runs one, and rows are claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease, so relays share the work and never send a row twice at once.
 */
export function createNotificationRelay(deps: { notifier: Notifier; intervalMs: number; logger: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  function start(): void {
    const tick = () => {
      running = deps.notifier
        .relayDue()
        .catch((error: unknown) => {
          deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'notification relay failed; trying again');
          return 0;
        })
        .then((claimed) => {
          if (timer) timer = setTimeout(tick, claimed > 0 ? 0 : deps.intervalMs);
        });
    };
    timer = setTimeout(tick, deps.intervalMs);
  }

  /** Stops relaying and waits for the batch in flight, so the pool can close under none. */
  async function stop(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    await running;
  }

  return { start, stop };
}

export type NotificationRelay = ReturnType<typeof createNotificationRelay>;
