import { loadConfig, workerConfigSchema } from '../config/config.ts';
import { createLogger } from '../logger.ts';
import { installTemporalRuntime } from '../temporal/runtime.ts';
import { startWorker } from '../worker.ts';
import { runMain } from './run-main.ts';

/** Production worker process: runs until SIGINT/SIGTERM (the SDK's runtime handles them), then finishes its in-flight tasks. */
runMain(async () => {
  const config = loadConfig(workerConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(config.LOG_LEVEL, false);
  const running = await startWorker(config, { logger });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  await running.done;
  logger.info('worker stopped');
});
