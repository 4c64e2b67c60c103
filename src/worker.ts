import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { createAlerter } from './alerts/alerter.ts';
import type { WorkerConfig } from './config/config.ts';
import { createPool, type Pool } from './db/pool.ts';
import { isDatabaseUnavailable } from './db/errors.ts';
import { migrate } from './db/migrate.ts';
import { loadCredential, loadLoginName } from './db/user-profile-store.ts';
import { createOutageDetector } from './holds/outage-detector.ts';
import { createPromptGate } from './holds/prompt-gate.ts';
import { createLogger, type Logger } from './logger.ts';
import { createEmailChannel } from './notifications/email-channel.ts';
import { createNotifier } from './notifications/notifier.ts';
import { createNotificationRelay } from './notifications/relay.ts';
import { createWebhookChannel } from './notifications/webhook-channel.ts';
import type { ConnectionListing } from './providers/connection-listing.ts';
import type { ProviderActions } from './providers/provider-actions.ts';
import { createSnapTradeActions, type SnapTradeActionsConfig } from './providers/snaptrade/actions.ts';
import { createSnapTradeListing } from './providers/snaptrade/listing.ts';
import { createVezgoActions, type VezgoActionsConfig } from './providers/vezgo/actions.ts';
import { createVezgoListing } from './providers/vezgo/listing.ts';
import { createCredentialCipher } from './security/credential-cipher.ts';
import { createDelivery } from './temporal/dispatcher.ts';
import { userIdAttributeFrom } from './temporal/user-id-attribute.ts';
import { dataConverterFor } from './temporal/encryption-codec.ts';
import { ensureReconcileSchedules } from './temporal/reconcile-schedules.ts';
import { ensureSearchAttributes } from './temporal/search-attributes.ts';
import { retryUntil } from './retry-until.ts';

/**
 * The worker process's composition root: everything it starts is wired here. `npm run worker`
 * runs it alone; `npm start` and the tests hand it their pool and prebuilt bundle.
 */
const ownExtension = extname(fileURLToPath(import.meta.url));
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${ownExtension}`, import.meta.url));
/** Where `npm run build` puts the bundle, beside the compiled code (dist/workflow-bundle.js). */
const builtBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

export interface WorkerOverrides {
  pool?: Pool;
  logger?: Logger;
  /** A prebuilt bundle (tests build it once); otherwise WORKFLOW_BUNDLE_PATH, then dist's own bundle, else workflowsPath is bundled at start. */
  workflowBundlePath?: string;
  /** Aborting it while start-up still waits for Postgres or Temporal makes startWorker reject with the abort. */
  signal?: AbortSignal;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves once the worker has stopped (after shutdown()) and its connections are closed. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorker(config: WorkerConfig, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const ownPool = !overrides.pool;
  const pool = overrides.pool ?? createPool(config.DATABASE_URL);
  // The worker may start before its dependencies answer: it waits for each, then polls.
  const waiting = { logger, signal: overrides.signal };
  let admin: Connection | undefined;
  let connection: NativeConnection;
  try {
    if (ownPool) await retryUntil('Postgres to migrate the schema', () => migrate(config.DATABASE_URL), { ...waiting, retryable: isDatabaseUnavailable });
    // The worker is a client too: search attributes, its reconciliation Schedules, and the signals
    // of the corrections reconciliation journals.
    admin = await retryUntil('Temporal to register search attributes', async () => {
      const candidate = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
      try {
        await ensureSearchAttributes(candidate, config.TEMPORAL_NAMESPACE);
        return candidate;
      } catch (error) {
        await candidate.close();
        throw error;
      }
    }, waiting);
    connection = await retryUntil('Temporal to accept the worker connection', () => NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }), waiting);
  } catch (error) {
    await admin?.close();
    if (ownPool) await pool.end();
    throw error;
  }
  const clientConnection = admin;
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, ...dataConverterFor(config.TEMPORAL_ENCRYPTION_KEY) });
  const deps = activityDepsFrom(config, pool, logger, client);
  await ensureReconcileSchedules(client, config, Object.keys(deps.listings), logger);

  const bundlePath = overrides.workflowBundlePath ?? config.WORKFLOW_BUNDLE_PATH ?? (existsSync(builtBundlePath) ? builtBundlePath : undefined);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    ...(config.WORKER_WORKFLOW_THREADS ? { workflowThreadPoolSize: config.WORKER_WORKFLOW_THREADS } : {}),
    stickyQueueScheduleToStartTimeout: config.WORKER_STICKY_QUEUE_TIMEOUT,
    activities: createActivities(deps),
    ...dataConverterFor(config.TEMPORAL_ENCRYPTION_KEY),
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath }),
  });
  const relay = createNotificationRelay({ notifier: deps.notifier, intervalMs: config.NOTIFY_RELAY_INTERVAL, logger });
  relay.start();
  const done = worker.run().finally(async () => {
    await relay.stop();
    await connection.close();
    await clientConnection.close();
    if (ownPool) await pool.end();
  });
  return {
    worker,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** The activities' dependencies, from the worker's configuration. */
export function activityDepsFrom(config: WorkerConfig, pool: Pool, logger: Logger, client: Client): ActivityDeps {
  const alerter = createAlerter({ pool, opsWebhookUrl: config.OPS_ALERT_WEBHOOK_URL, logger });
  const outages = createOutageDetector({
    pool,
    alerter,
    policy: { threshold: config.OUTAGE_THRESHOLD, windowMs: config.OUTAGE_WINDOW, maxHoldMs: config.OUTAGE_MAX_HOLD },
  });
  const cipher = config.CREDENTIALS_KEY ? createCredentialCipher(config.CREDENTIALS_KEY) : undefined;

  const providers: Record<string, ProviderActions> = {};
  /** Reconciliation needs a way to ask for a user's connections: SnapTrade's secrets (so their key), Vezgo's loginNames. */
  const listings: Record<string, ConnectionListing> = {};
  if (config.SNAPTRADE_CLIENT_ID && config.SNAPTRADE_CONSUMER_KEY) {
    const snapTrade: SnapTradeActionsConfig = {
      clientId: config.SNAPTRADE_CLIENT_ID,
      consumerKey: config.SNAPTRADE_CONSUMER_KEY,
      basePath: config.SNAPTRADE_API_URL,
      userSecret: async (userId) => (cipher ? loadCredential(pool, cipher, 'snaptrade', userId) : null),
    };
    providers.snaptrade = createSnapTradeActions(snapTrade);
    if (cipher) listings.snaptrade = createSnapTradeListing(snapTrade);
  }
  if (config.VEZGO_CLIENT_ID && config.VEZGO_CLIENT_SECRET) {
    const vezgo: VezgoActionsConfig = {
      clientId: config.VEZGO_CLIENT_ID,
      secret: config.VEZGO_CLIENT_SECRET,
      baseURL: config.VEZGO_API_URL,
      loginName: (userId) => loadLoginName(pool, 'vezgo', userId),
    };
    providers.vezgo = createVezgoActions(vezgo);
    listings.vezgo = createVezgoListing(vezgo);
  }

  const notifier = createNotifier({
    pool,
    alerter,
    logger,
    retry: { initialMs: config.NOTIFY_RETRY_INITIAL, maxMs: config.NOTIFY_RETRY_MAX, maxAgeMs: config.NOTIFY_RETRY_MAX_AGE },
    sendWebhook: config.NOTIFY_WEBHOOK_URL && config.NOTIFY_WEBHOOK_SECRET ? createWebhookChannel(config.NOTIFY_WEBHOOK_URL, config.NOTIFY_WEBHOOK_SECRET) : undefined,
    sendEmail: config.SMTP_URL ? createEmailChannel(config.SMTP_URL, config.NOTIFY_EMAIL_FROM) : undefined,
    reconnectUrl: async (request) => {
      const actions = providers[request.provider];
      if (!actions) return null;
      try {
        return await actions.reconnectUrl(request);
      } catch (error) {
        // A prompt without a link still tells the user to reconnect; it must not wait on the provider.
        logger.warn({ provider: request.provider, err: error instanceof Error ? error.message : String(error) }, 'no reconnect link');
        return null;
      }
    },
  });

  return {
    pool,
    logger,
    alerter,
    outages,
    notifier,
    providers,
    promptGate: createPromptGate({ pool, outages, quietHours: config.QUIET_HOURS }),
    listings,
    deliver: createDelivery({
      client,
      pool,
      logger,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowEventsPerRun: config.WORKFLOW_EVENTS_PER_RUN,
      userIdAttribute: userIdAttributeFrom(config.TEMPORAL_ENCRYPTION_KEY),
    }).deliver,
    policy: {
      reauthGraceMs: config.REAUTH_GRACE,
      reminderCadenceMs: config.REAUTH_REMINDER_CADENCE,
      maxReminders: config.REAUTH_MAX_REMINDERS,
      syncRetryInitialMs: config.SYNC_RETRY_INITIAL,
      syncRetryMaxMs: config.SYNC_RETRY_MAX,
      degradedEscalateAfterMs: config.DEGRADED_ESCALATE_AFTER,
    },
  };
}
