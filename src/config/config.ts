import { z } from 'zod';
import { durationMs } from './duration.ts';
import { checkUpvestReceiverEnv, upvestReceiverEnv } from './upvest-config.ts';
import { vibeReceiverEnv } from './vibe-config.ts';
import { lifecycleEnv } from './lifecycle-config.ts';
import { codecReceiverEnv, temporalEnv } from './temporal-config.ts';
import { apiAuthEnv, checkJwtSettings } from './api-config.ts';
import { metricsEnv } from './metrics-config.ts';
import { reconcileEnv } from './reconcile-config.ts';

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0))
  .pipe(z.array(z.string()).min(1, 'at least one value'));

/** What both processes need. */
const sharedSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1),
  TEMPORAL_TASK_QUEUE: z.string().min(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...temporalEnv,
});

export const workerConfigSchema = sharedSchema.extend(lifecycleEnv).extend(reconcileEnv).extend({
  /** A workflow bundle built ahead of time (bundleWorkflowCode); the worker bundles at start otherwise. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** Bound on events applied by one workflow run before it continues as new (the worker starts them too: reconciliation). */
  WORKFLOW_EVENTS_PER_RUN: z.coerce.number().int().min(1).default(500),
  /**
   * Workflows kept in the worker's memory between tasks (~130 KiB of heap each). The SDK's default
   * follows the heap limit and grows without regard to RSS; a fixed number, with the heap capped to
   * fit it (README, "Worker memory"), keeps 100,000 live connections well within 1 GiB, the others
   * replaying their short histories when they next hear something.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  /**
   * Threads that run workflow activations; absent: the SDK's default (1 with a reused V8 context).
   * Measured no faster with 2 on a host whose cores are busy anyway (bench/RESULTS.md, "Third pass").
   */
  WORKER_WORKFLOW_THREADS: z.coerce.number().int().min(1).optional(),
  /**
   * How long a workflow task waits for this worker on its own (sticky) queue before the server hands
   * it, with the whole history, to the shared queue. During an outage the worker's backlog outlasts
   * the SDK's 10 s, and the tasks that time out add work to the backlog they came from: a 5,000
   * outage took 4× as long (bench/RESULTS.md, "Fourth pass"). The price of a long one is paid only when a
   * worker dies without stopping (SIGKILL, out of memory): its workflows' next tasks wait this long.
   * A stopped worker (SIGTERM) tells the server, which hands its queue over at once.
   */
  WORKER_STICKY_QUEUE_TIMEOUT: durationMs.pipe(z.number().min(1_000, 'at least 1s')).default(10 * 60_000),
});

export const receiverConfigSchema = workerConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65_535),
  /** Where the receiver listens; the embedded dev stack keeps to loopback. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Comma-separated, so a new secret can be added before the old one is retired. Optional once the
   * consumer key's Signature is required: the clear-text secret then authenticates nothing.
   */
  SNAPTRADE_WEBHOOK_SECRET: list.optional(),
  /** Only the `Signature` header authenticates SnapTrade; unset: on exactly when SNAPTRADE_CONSUMER_KEY is set. */
  SNAPTRADE_REQUIRE_SIGNATURE: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  /** SnapTrade's 300 s freshness rule, for those who want it; off, since SnapTrade retries for hours. */
  SNAPTRADE_MAX_EVENT_AGE: durationMs.optional(),
  /** Keys of the app dialect's x-snaptrade-signature, so the body's clear-text secret cannot forge it. */
  SNAPTRADE_APP_SIGNING_SECRET: list.optional(),
  API_TOKEN: z.string().min(16, 'at least 16 characters'),
  ...apiAuthEnv,
  /** How often the sweeper looks for journaled events the immediate dispatch did not deliver. */
  SWEEP_INTERVAL: durationMs.default(5_000),
  /** How old an undispatched event must be before the sweeper takes it over from the immediate path. */
  SWEEP_GRACE: durationMs.default(10_000),
  /** After SIGTERM, how long requests in flight may take before their connections are cut. */
  SHUTDOWN_GRACE: durationMs.default(5_000),
  /** How long a connection action's HTTP request waits for the outcome before answering 202 with where to look. */
  ACTION_WAIT: durationMs.default(30_000),
})
  .extend(upvestReceiverEnv)
  .extend(vibeReceiverEnv)
  .extend(metricsEnv)
  .extend(codecReceiverEnv)
  .superRefine((config, ctx) => {
    checkJwtSettings(config, ctx);
    checkUpvestReceiverEnv(config, ctx);
    const signatureRequired = config.SNAPTRADE_REQUIRE_SIGNATURE ?? Boolean(config.SNAPTRADE_CONSUMER_KEY);
    if (!config.SNAPTRADE_WEBHOOK_SECRET && !(signatureRequired && config.SNAPTRADE_CONSUMER_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['SNAPTRADE_WEBHOOK_SECRET'], message: 'is required unless SNAPTRADE_CONSUMER_KEY is set (its Signature then authenticates SnapTrade)' });
    }
    if (config.SNAPTRADE_REQUIRE_SIGNATURE && !config.SNAPTRADE_CONSUMER_KEY) {
      ctx.addIssue({ code: 'custom', path: ['SNAPTRADE_REQUIRE_SIGNATURE'], message: 'needs SNAPTRADE_CONSUMER_KEY, the key the Signature header is checked with' });
    }
  });

export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type Config = z.infer<typeof receiverConfigSchema>;

export class ConfigError extends Error {}

/** Validates the environment once at start; a bad or missing value names its variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(blanksRemoved);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' && !(variable in blanksRemoved) ? 'is required' : issue.message;
    return `  ${variable}: ${message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}
