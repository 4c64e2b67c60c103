import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from '../db/pool.ts';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | `status_${number}`;

/**
 * Prometheus metrics. What this process sees (webhooks, ack latency) is counted in memory; what
 * every process shares (backlog, connection states, notifications) is read from Postgres at
 * scrape time, so the receiver reports it correctly even when the worker runs elsewhere.
 */
export function createMetrics(pool: Pool) {
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

  new Gauge({
    name: 'journal_backlog',
    help: 'Journaled events not yet signalled to their workflow.',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_journal WHERE status = 'pending'`);
      this.set(rows[0]!.n);
    },
  });
  new Gauge({
    name: 'journal_dispatch_lag_seconds',
    help: 'Age of the oldest journaled event not yet signalled (0 when none).',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ lag: number | null }>(
        `SELECT extract(epoch FROM now() - min(received_at))::float8 AS lag FROM webhook_journal WHERE status = 'pending'`,
      );
      this.set(rows[0]!.lag ?? 0);
    },
  });
  new Gauge({
    name: 'connections',
    help: 'Connections by provider and lifecycle state.',
    labelNames: ['provider', 'state'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ provider: string; state: string; n: number }>(
        `SELECT provider, state, count(*)::int AS n FROM connections GROUP BY provider, state`,
      );
      this.reset();
      for (const row of rows) this.set({ provider: row.provider, state: row.state }, row.n);
    },
  });
  new Gauge({
    name: 'notifications',
    help: 'Notifications in the outbox by type, channel and outcome.',
    labelNames: ['type', 'channel', 'status'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ type: string; channel: string; status: string; n: number }>(
        `SELECT type, channel, CASE WHEN status = 'pending' AND attempts > 0 THEN 'failing' ELSE status END AS status,
                count(*)::int AS n
         FROM notification_outbox GROUP BY 1, 2, 3`,
      );
      this.reset();
      for (const row of rows) this.set({ type: row.type, channel: row.channel, status: row.status }, row.n);
    },
  });

  new Gauge({
    name: 'connections_broken_by_brokerage',
    help: 'Broken connections by provider and brokerage: many of one brokerage at once is an outage.',
    labelNames: ['provider', 'brokerage'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ provider: string; brokerage: string; n: number }>(
        `SELECT provider, coalesce(brokerage_id, 'unknown') AS brokerage, count(*)::int AS n FROM connections WHERE state = 'broken' GROUP BY 1, 2`,
      );
      this.reset();
      for (const row of rows) this.set({ provider: row.provider, brokerage: row.brokerage }, row.n);
    },
  });
  new Gauge({
    name: 'ops_alerts_open',
    help: 'Open ops alerts the service raised, by kind and level.',
    labelNames: ['kind', 'level'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ kind: string; level: string; n: number }>(
        `SELECT kind, level, count(*)::int AS n FROM alerts WHERE status = 'open' GROUP BY 1, 2`,
      );
      this.reset();
      for (const row of rows) this.set({ kind: row.kind, level: row.level }, row.n);
    },
  });

  return {
    registry,
    webhook(provider: string, outcome: WebhookOutcome, seconds: number): void {
      webhooks.inc({ provider, outcome });
      ackLatency.observe({ provider }, seconds);
      if (!outcome.startsWith('status_')) lastReceived.set({ provider }, Date.now() / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
