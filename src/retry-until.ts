import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.ts';

export interface RetryOptions {
  logger: Logger;
  /** Aborted when the process is asked to stop while still waiting. */
  signal?: AbortSignal | undefined;
  /** Errors worth waiting out (a dependency not answering yet); anything else is thrown at once. */
  retryable?: (error: unknown) => boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, backing off up to a cap: a process starts before its
 * dependencies answer and gets on with it once they do, logging why it waits.
 */
export async function retryUntil<T>(what: string, attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { logger, signal, retryable = () => true, initialDelayMs = 250, maxDelayMs = 5_000 } = options;
  let delay = initialDelayMs;
  for (let tries = 1; ; tries += 1) {
    signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error) || signal?.aborted) throw error;
      logger.warn({ err: error instanceof Error ? error.message : String(error), tries, retryInMs: delay }, `waiting for ${what}`);
    }
    await sleep(delay, undefined, { signal });
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
