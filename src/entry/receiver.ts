import { loadConfig, receiverConfigSchema } from '../config/config.ts';
import { createPool } from '../db/pool.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { startReceiver } from '../receiver.ts';
import { createTemporalClient } from '../temporal/client.ts';
import { runMain } from './run-main.ts';

/** Production receiver process: webhooks in, journal, dispatch and sweep. */
runMain(async () => {
  const config = loadConfig(receiverConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  const pool = createPool(config.DATABASE_URL);
  await migrate(config.DATABASE_URL);
  const { client, connection } = createTemporalClient({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    encryptionKey: config.TEMPORAL_ENCRYPTION_KEY,
  });
  const receiver = await startReceiver({ config, pool, client, logger });
  logger.info({ url: receiver.url }, 'receiver listening');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'receiver draining');
    await receiver.close();
    await connection.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
});
