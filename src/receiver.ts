import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from './config/config.ts';
import { isDatabaseUnavailable } from './db/errors.ts';
import { migrate } from './db/migrate.ts';
import { createPool, type Pool } from './db/pool.ts';
import { createReceiptLedger } from './db/receipt-ledger.ts';
import { createApp } from './http/app.ts';
import { listenDraining } from './http/draining-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { adaptersFrom } from './providers/registry.ts';
import { createCredentialCipher } from './security/credential-cipher.ts';
import { createDispatcher, type Dispatcher } from './temporal/dispatcher.ts';
import { createMetrics } from './metrics/metrics.ts';
import { ConnectionsClient } from './client/connections-client.ts';
import { createTemporalClient } from './temporal/client.ts';
import { createEncryptionCodec } from './temporal/encryption-codec.ts';
import { userIdAttributeFrom } from './temporal/user-id-attribute.ts';
import { retryUntil } from './retry-until.ts';

/**
 * The receiver process's composition root: everything it starts is wired here. `npm run receiver`
 * runs it alone; `npm start` and the tests hand it their pool, client and logger.
 */
export interface ReceiverOverrides {
  pool?: Pool;
  client?: Client;
  logger?: Logger;
}

export interface Receiver {
  server: Server;
  url: string;
  dispatcher: Dispatcher;
  /**
   * Resolves once the schema is migrated and the sweeper runs. The receiver listens before that
   * (health answers, everything else 503), so it starts while Postgres is down; rejects only when
   * the migration fails for a reason other than Postgres not answering.
   */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The HTTP receiver with its dispatcher and sweeper, listening on config.PORT (0: any free port). */
export async function startReceiver(config: Config, overrides: ReceiverOverrides = {}): Promise<Receiver> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const ownPool = !overrides.pool;
  const pool = overrides.pool ?? createPool(config.DATABASE_URL);
  // A pool handed in comes migrated; our own is migrated in the background once Postgres answers.
  let databaseReady = !ownPool;
  const stopping = new AbortController();
  const temporal = overrides.client
    ? undefined
    : createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, encryptionKey: config.TEMPORAL_ENCRYPTION_KEY });
  const client = overrides.client ?? temporal!.client;
  const userIdAttribute = userIdAttributeFrom(config.TEMPORAL_ENCRYPTION_KEY);
  const dispatcher = createDispatcher({
    client,
    userIdAttribute,
    pool,
    logger,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowEventsPerRun: config.WORKFLOW_EVENTS_PER_RUN,
    sweepIntervalMs: config.SWEEP_INTERVAL,
    sweepGraceMs: config.SWEEP_GRACE,
  });
  // Scrapes read Postgres on a connection of their own: however many come, the journal's pool is untouched.
  const metricsPool = createPool(config.DATABASE_URL, 1);
  const app = receiverApp(config, { pool, metricsPool, client, logger, dispatcher, databaseReady: () => databaseReady });

  const { server, drain } = await listenDraining(app, config.PORT, config.HOST);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  const ready = (async () => {
    if (!databaseReady) {
      await retryUntil('Postgres to migrate the schema', () => migrate(config.DATABASE_URL), {
        logger,
        signal: stopping.signal,
        retryable: isDatabaseUnavailable,
      });
      databaseReady = true;
      logger.info('schema migrated; accepting webhooks');
    }
    dispatcher.start();
  })();
  // close() during the wait aborts it: that is no failure of the process.
  const settled = ready.catch(() => undefined);

  return {
    server,
    url: `http://127.0.0.1:${port}`,
    dispatcher,
    ready,
    async close() {
      // Stop taking requests (new ones on kept-alive sockets get 503), let in-flight ones finish,
      // then stop the sweeper.
      stopping.abort();
      await drain(config.SHUTDOWN_GRACE);
      await settled;
      await dispatcher.stop();
      await temporal?.connection.close();
      await metricsPool.end();
      if (ownPool) await pool.end();
    },
  };
}

export interface ReceiverAppDeps {
  pool: Pool;
  /** Where metrics scrapes read Postgres, apart from the journal's pool. */
  metricsPool: Pool;
  client: Client;
  logger: Logger;
  dispatcher: Pick<Dispatcher, 'dispatchNow'>;
  /** False while the schema is not migrated yet; absent: ready. */
  databaseReady?: () => boolean;
}

/** The receiver's HTTP app for this configuration: its routes, and so its OpenAPI document. */
export function receiverApp(config: Config, { pool, metricsPool, client, logger, dispatcher, databaseReady }: ReceiverAppDeps): Express {
  return createApp({
    pool,
    adapters: adaptersFrom(config, { ledger: createReceiptLedger(pool) }),
    dispatcher,
    logger,
    auth: {
      apiToken: config.API_TOKEN,
      jwt:
        config.API_JWKS_URL && config.API_JWT_ISSUER && config.API_JWT_AUDIENCE
          ? {
              jwksUrl: config.API_JWKS_URL,
              issuer: config.API_JWT_ISSUER,
              audience: config.API_JWT_AUDIENCE,
              algorithms: config.API_JWT_ALGORITHMS,
              clockToleranceMs: config.API_JWT_CLOCK_TOLERANCE,
            }
          : undefined,
    },
    codec: config.TEMPORAL_ENCRYPTION_KEY
      ? { codec: createEncryptionCodec(config.TEMPORAL_ENCRYPTION_KEY), uiOrigin: config.TEMPORAL_UI_ORIGIN, urlToken: config.TEMPORAL_CODEC_URL_TOKEN }
      : undefined,
    trustProxy: config.TRUST_PROXY,
    metrics: createMetrics({ pool: metricsPool, refreshMs: config.METRICS_REFRESH }),
    metricsToken: config.METRICS_TOKEN,
    connections: new ConnectionsClient(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      attemptTimeoutMs: config.ATTEMPT_TIMEOUT,
      workflowEventsPerRun: config.WORKFLOW_EVENTS_PER_RUN,
      userIdAttribute: userIdAttributeFrom(config.TEMPORAL_ENCRYPTION_KEY),
      actionWaitMs: config.ACTION_WAIT,
    }),
    credentialCipher: config.CREDENTIALS_KEY ? createCredentialCipher(config.CREDENTIALS_KEY) : undefined,
    ...(databaseReady ? { databaseReady } : {}),
    temporalReachable: async () => {
      await client.connection.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
    },
  });
}
