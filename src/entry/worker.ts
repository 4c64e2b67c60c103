import { NativeConnection } from '@temporalio/worker';
import { Connection } from '@temporalio/client';
import { loadConfig, workerConfigSchema } from '../config/config.ts';
import { createPool } from '../db/pool.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { installTemporalRuntime } from '../temporal/runtime.ts';
import { ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { createWorker } from '../worker.ts';
import { createActivityDeps } from '../activity-deps.ts';
import { runMain } from './run-main.ts';

/** Production worker process: runs until SIGINT/SIGTERM, then finishes its in-flight tasks. */
runMain(async () => {
  const config = loadConfig(workerConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(config.LOG_LEVEL, false);
  const pool = createPool(config.DATABASE_URL);
  await migrate(config.DATABASE_URL);

  const admin = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  await ensureSearchAttributes(admin, config.TEMPORAL_NAMESPACE);
  await admin.close();

  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activityDeps: createActivityDeps(config, pool, logger),
    encryptionKey: config.TEMPORAL_ENCRYPTION_KEY,
    ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  await worker.run();
  await connection.close();
  await pool.end();
  logger.info('worker stopped');
});
