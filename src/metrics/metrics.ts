import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from '../db/pool.ts';
import { readSharedGauges, type SharedGauges } from './shared-gauges.ts';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | `status_${number}`;

export interface MetricsOptions {
  /** Its own small pool, so scrapes never wait for, or take, a connection the journal needs. */
  pool: Pool;
  /** Least time between two reads of the shared gauges, however often /metrics is scraped. */
  refreshMs: number;
}

/**
 * Prometheus metrics. What this process sees (webhooks, ack latency) is counted in memory; what
 * every process shares (backlog, connection states, notifications, alerts) is read from Postgres, so the
 * receiver reports it correctly even when the worker runs elsewhere: into a snapshot taken at
 * most once per `refreshMs`, which every scrape in between is served.
 */
export function createMetrics(options: MetricsOptions) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const webhooks = new Counter({
    name: 'webhooks_received_total',
    help: 'Webhook deliveries by provider and outcome.',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const ackLatency = new Histogram({
    name: 'webhook_ack_seconds',
    help: 'From request to answer, journal commit included.',
    labelNames: ['provider'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const lastReceived = new Gauge({
    name: 'webhook_last_received_timestamp_seconds',
    help: 'When this process last answered an authentic delivery of the provider (2xx): silence alerts compare it with the provider’s usual gaps.',
    labelNames: ['provider'],
    registers: [registry],
  });

  let snapshot: SharedGauges | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;
  /** One read at a time; a failed read keeps the last snapshot (its age says how old) until the next window. */
  async function current(): Promise<SharedGauges | undefined> {
    if (!refreshing && Date.now() - attemptedAt >= options.refreshMs) {
      attemptedAt = Date.now();
      refreshing = readSharedGauges(options.pool)
        .then(
          (read) => {
            snapshot = read;
          },
          () => undefined,
        )
        .finally(() => {
          refreshing = undefined;
        });
    }
    await refreshing;
    return snapshot;
  }

  const fromSnapshot = (name: string, help: string, set: (gauge: Gauge, shared: SharedGauges) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        if (snapshot) set(this, snapshot);
      },
    });
  fromSnapshot('journal_backlog', 'Journaled events not yet signalled to their workflow.', (gauge, shared) => gauge.set(shared.backlog));
  fromSnapshot('journal_dispatch_lag_seconds', 'Age of the oldest journaled event not yet signalled (0 when none).', (gauge, shared) =>
    // An event still pending has kept waiting since the snapshot was taken.
    gauge.set(shared.lagSeconds === null ? 0 : shared.lagSeconds + (Date.now() - shared.takenAt) / 1000),
  );
  fromSnapshot(
    'connections',
    'Connections by provider and lifecycle state.',
    (gauge, shared) => {
      gauge.reset();
      for (const row of shared.connections) gauge.set({ provider: row.provider, state: row.state }, row.n);
    },
    ['provider', 'state'],
  );
  fromSnapshot(
    'notifications',
    'Notifications in the outbox by type, channel and outcome.',
    (gauge, shared) => {
      gauge.reset();
      for (const row of shared.notifications) gauge.set({ type: row.type, channel: row.channel, status: row.status }, row.n);
    },
    ['type', 'channel', 'status'],
  );
  fromSnapshot(
    'connections_broken_by_brokerage',
    'Broken connections by provider and brokerage: many of one brokerage at once is an outage.',
    (gauge, shared) => {
      gauge.reset();
      for (const row of shared.brokenByBrokerage) gauge.set({ provider: row.provider, brokerage: row.brokerage }, row.n);
    },
    ['provider', 'brokerage'],
  );
  fromSnapshot(
    'ops_alerts_open',
    'Open ops alerts the service raised, by kind and level.',
    (gauge, shared) => {
      gauge.reset();
      for (const row of shared.openAlerts) gauge.set({ kind: row.kind, level: row.level }, row.n);
    },
    ['kind', 'level'],
  );
  new Gauge({
    name: 'metrics_snapshot_age_seconds',
    help: 'Age of the snapshot the journal, connection and notification gauges come from (+Inf before the first).',
    registers: [registry],
    collect() {
      this.set(snapshot ? (Date.now() - snapshot.takenAt) / 1000 : Number.POSITIVE_INFINITY);
    },
  });
  new Counter({
    name: 'reconciliation_corrections_total',
    help: 'What reconciliation against the providers\' APIs found missed and corrected, by provider and kind (added, broken, fixed, deleted).',
    labelNames: ['provider', 'kind'],
    registers: [registry],
    collect() {
      if (!snapshot) return;
      this.reset();
      for (const row of snapshot.reconciliationCorrections) this.inc({ provider: row.provider, kind: row.kind }, row.n);
    },
  });
  fromSnapshot(
    'reconciliation_last_completed_timestamp_seconds',
    'When the last reconciliation run of each provider completed: alert when it is older than a few intervals.',
    (gauge, shared) => {
      gauge.reset();
      for (const row of shared.reconciliationLastCompleted) gauge.set({ provider: row.provider }, row.at);
    },
    ['provider'],
  );

  return {
    registry,
    /** The exposition text, the shared gauges refreshed first when their snapshot is due. */
    async render(): Promise<string> {
      await current();
      return registry.metrics();
    },
    webhook(provider: string, outcome: WebhookOutcome, seconds: number): void {
      webhooks.inc({ provider, outcome });
      ackLatency.observe({ provider }, seconds);
      if (!outcome.startsWith('status_')) lastReceived.set({ provider }, Date.now() / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
