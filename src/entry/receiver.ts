import { loadConfig, receiverConfigSchema } from '../config/config.ts';
import { createLogger } from '../logger.ts';
import { startReceiver } from '../receiver.ts';
import { runMain } from './run-main.ts';

/** Production receiver process: webhooks in, journal, dispatch and sweep; drains on SIGINT/SIGTERM. */
runMain(async () => {
  const config = loadConfig(receiverConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  const receiver = await startReceiver(config, { logger });
  logger.info({ url: receiver.url }, 'receiver listening');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'receiver draining');
    await receiver.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
});
