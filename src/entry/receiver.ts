import { loadConfig, receiverConfigSchema } from '../config/config.ts';
import { createLogger } from '../logger.ts';
import { startReceiver } from '../receiver.ts';
import { onStopSignal, runMain } from './run-main.ts';

/** Production receiver process: webhooks in, journal, dispatch and sweep; drains on SIGINT/SIGTERM. */
runMain(async () => {
  const config = loadConfig(receiverConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  const receiver = await startReceiver(config, { logger });
  logger.info({ url: receiver.url }, 'receiver listening');
  let stopping = false;
  onStopSignal((signal) => {
    stopping = true;
    logger.info({ signal }, 'receiver draining');
    void receiver.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'receiver did not stop cleanly');
        process.exit(1);
      },
    );
  });
  try {
    await receiver.ready;
  } catch (error) {
    // Stopping while still waiting for Postgres is no failure; close() exits.
    if (stopping) return;
    throw error;
  }
  logger.info('receiver ready');
});
