import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { receiverConfigSchema, loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { startReceiver, type Receiver } from '../../src/receiver.ts';
import { dataConverterFor } from '../../src/temporal/encryption-codec.ts';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';
import { startWorker, type RunningWorker } from '../../src/worker.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { TEST_SECRET } from './snaptrade.ts';

// The SDK's own lifecycle chatter would bury the test report.
installTemporalRuntime('info', false);

export const API_TOKEN = 'test-api-token-0123456789abcdef';

export interface StackOptions {
  env?: Record<string, string>;
  /** Leave the worker out (a test runs its own, or none). */
  withoutWorker?: boolean;
  /** A Temporal address other than the test server's (an outage test). */
  temporalAddress?: string;
}

export interface Stack {
  config: Config;
  db: TestDatabase;
  receiver: Receiver;
  client: Client;
  worker: RunningWorker | undefined;
  logs: string[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}, temporalAddress?: string, databaseUrl = 'postgres://unused'): Config {
  return loadConfig(receiverConfigSchema, {
    PORT: '0',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress ?? process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
    API_TOKEN,
    LOG_LEVEL: 'debug',
    SWEEP_INTERVAL: '200ms',
    SWEEP_GRACE: '500ms',
    // Tests read the gauges right after what they change; the snapshot's window has a test of its own.
    METRICS_REFRESH: '0ms',
    // Schedules outlive a test file on the shared dev server: only the tests of reconciliation make them.
    RECONCILE_INTERVAL: 'off',
    ...env,
  });
}

/** Receiver, worker, a fresh database and the run's Temporal dev server: the product as deployed. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const config = testConfig(options.env, options.temporalAddress, db.url);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger(config.LOG_LEVEL, sink);
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, ...dataConverterFor(config.TEMPORAL_ENCRYPTION_KEY) });

  const worker = options.withoutWorker ? undefined : await startTestWorker(config, db, logger);
  const receiver = await startReceiver(config, { pool: db.pool, client, logger });

  return {
    config,
    db,
    receiver,
    client,
    worker,
    logs,
    async post(path, body, headers = {}) {
      const payload = typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
      const res = await fetch(`${receiver.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });
      const text = await res.text();
      return { status: res.status, body: safeJson(text), text };
    },
    async get(path, headers = { authorization: `Bearer ${API_TOKEN}` }) {
      const res = await fetch(`${receiver.url}${path}`, { headers });
      return { status: res.status, body: safeJson(await res.text()) };
    },
    async stop() {
      await receiver.close();
      await worker?.shutdown();
      await connection.close();
      await db.drop();
    },
  };
}

/** The product's worker on the test database, with the run's prebuilt workflow bundle. */
export async function startTestWorker(config: Config, db: TestDatabase, logger: Logger): Promise<RunningWorker> {
  return startWorker(config, { pool: db.pool, logger, workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE! });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
