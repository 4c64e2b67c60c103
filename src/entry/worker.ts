import { getHeapStatistics } from 'node:v8';
import { ConfigError, loadConfig, workerConfigSchema } from '../config/config.ts';
import { heapShortfall } from '../config/worker-heap.ts';
import { createLogger } from '../logger.ts';
import { installTemporalRuntime } from '../temporal/runtime.ts';
import { startWorker, type RunningWorker } from '../worker.ts';
import { onStopSignal, runMain } from './run-main.ts';

/**
 * Production worker process: waits for Postgres and Temporal, runs until SIGINT/SIGTERM, then
 * finishes its in-flight tasks. It owns the signals, so one arriving during start-up stops it too.
 */
runMain(async () => {
  const config = loadConfig(workerConfigSchema);
  // The flag that sets this limit applies to the workflow threads too, where the cache lives.
  const shortfall = heapShortfall(config.WORKER_MAX_CACHED_WORKFLOWS, getHeapStatistics().heap_size_limit);
  if (shortfall) throw new ConfigError(shortfall);
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(config.LOG_LEVEL, true);
  const stopping = new AbortController();
  let running: RunningWorker | undefined;
  onStopSignal((signal) => {
    logger.info({ signal }, 'worker stopping');
    stopping.abort();
    void running?.shutdown();
  });
  try {
    running = await startWorker(config, { logger, signal: stopping.signal });
  } catch (error) {
    if (!stopping.signal.aborted) throw error;
    logger.info('worker stopped before it started');
    return;
  }
  // A signal during Worker.create found nothing to shut down yet.
  if (stopping.signal.aborted) void running.shutdown();
  else logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  await running.done;
  logger.info('worker stopped');
});
