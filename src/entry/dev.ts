import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, receiverConfigSchema } from '../config/config.ts';
import { migrate } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import { applyDevSecrets, loadOrCreateDevSecrets } from '../embedded/dev-secrets.ts';
import { startEmbeddedPostgres } from '../embedded/postgres.ts';
import { startTemporalDevServer } from '../embedded/temporal-dev-server.ts';
import { createLogger, terminalDestination } from '../logger.ts';
import { startReceiver } from '../receiver.ts';
import { installTemporalRuntime } from '../temporal/runtime.ts';
import { customSearchAttributes } from '../temporal/search-attributes.ts';
import { startWorker } from '../worker.ts';
import { onStopSignal, runMain } from './run-main.ts';

/**
 * `npm start`: everything in one process. Without DATABASE_URL it runs an embedded Postgres,
 * without TEMPORAL_ADDRESS the pinned Temporal dev server with its Web UI; data stays in .data/.
 */
runMain(async () => {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  let uiUrl: string | undefined;
  // A signal during start-up is kept: the stop runs as soon as there is everything to stop.
  let stop: (() => void) | undefined;
  const starting = new AbortController();
  onStopSignal(() => {
    starting.abort();
    stop?.();
  });

  if (!process.env.DATABASE_URL) {
    const postgres = await startEmbeddedPostgres(join(dataDir, 'pglite'), Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329));
    process.env.DATABASE_URL = postgres.databaseUrl;
    stops.push(() => postgres.stop());
  }
  if (!process.env.TEMPORAL_ADDRESS) {
    const port = Number(process.env.EMBEDDED_TEMPORAL_PORT ?? 7233);
    if (process.env.TEMPORAL_CLI_PATH) {
      const server = await startTemporalDevServer({
        executable: process.env.TEMPORAL_CLI_PATH,
        port,
        uiPort: port + 1000,
        dbFilename: join(dataDir, 'temporal.db'),
      });
      process.env.TEMPORAL_ADDRESS = server.address;
      uiUrl = server.uiUrl;
      stops.push(() => server.stop());
    } else {
      // No Go toolchain to build the pinned CLI: the SDK downloads its own copy (needs internet).
      const env = await TestWorkflowEnvironment.createLocal({
        server: { ip: '127.0.0.1', port, ui: true, uiPort: port + 1000, dbFilename: join(dataDir, 'temporal.db'), searchAttributes: customSearchAttributes },
      });
      process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
      uiUrl = `http://127.0.0.1:${port + 1000}`;
      stops.push(() => env.teardown());
    }
  }
  // The codec endpoint's CORS must allow the UI this process started, whatever port it got.
  if (uiUrl) process.env.TEMPORAL_UI_ORIGIN ??= uiUrl;
  const secretsFile = join(dataDir, 'dev-secrets.json');
  const secrets = loadOrCreateDevSecrets(secretsFile);
  applyDevSecrets(process.env, secrets);
  process.env.PORT ??= '3000';
  process.env.HOST ??= '127.0.0.1';
  process.env.TEMPORAL_NAMESPACE ??= 'default';
  process.env.TEMPORAL_TASK_QUEUE ??= 'connection-lifecycle';

  const config = loadConfig(receiverConfigSchema);
  const logger = createLogger(config.LOG_LEVEL, terminalDestination());
  // This process owns SIGINT/SIGTERM: it drains the receiver before the worker.
  installTemporalRuntime(config.LOG_LEVEL, true);
  const pool = createPool(config.DATABASE_URL);
  await migrate(config.DATABASE_URL);

  // The worker waits for Temporal: a signal meanwhile ends the wait and stops what did start.
  const worker = await startWorker(config, { pool, logger, signal: starting.signal }).catch(async (error: unknown) => {
    if (!starting.signal.aborted) throw error;
    await pool.end();
    for (const stopEmbedded of stops.reverse()) await stopEmbedded();
    process.exit(0);
  });
  const receiver = await startReceiver(config, { pool, logger });

  process.stdout.write(
    [
      '',
      `  receiver     ${receiver.url}   (POST /webhooks/<provider>, GET /connections/<provider>/:id, GET /openapi.json)`,
      `  try it       npm run trigger -- snaptrade broken --user u1 --connection c1`,
      `  temporal UI  ${uiUrl ?? `(external server at ${config.TEMPORAL_ADDRESS})`}`,
      `  secrets      ${process.env.API_TOKEN === secrets.API_TOKEN ? secretsFile : 'from the environment'}`,
      // The UI is given the codec's credential in the browser only: a URL in the UI server's own
      // settings would be readable by any local process, as an Origin header can be sent by any.
      ...(config.TEMPORAL_ENCRYPTION_KEY && config.TEMPORAL_CODEC_URL_TOKEN
        ? [`  codec        decrypted payloads in the UI: set its Codec Server to ${receiver.url}/codec/<TEMPORAL_CODEC_URL_TOKEN from the secrets file>`]
        : []),
      '',
      '',
    ].join('\n'),
  );

  stop = () => {
    void (async () => {
      await receiver.close();
      await worker.shutdown();
      await pool.end();
      for (const stopEmbedded of stops.reverse()) await stopEmbedded();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'did not stop cleanly');
        process.exit(1);
      },
    );
  };
  if (starting.signal.aborted) stop();
});
