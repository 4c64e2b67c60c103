import { z } from 'zod';
import { durationMs } from './duration.ts';

/** The receiver's /metrics: what it costs, and who may read it. */
export const metricsEnv = {
  /** Least time between two reads of the shared gauges from Postgres, however often /metrics is scraped. */
  METRICS_REFRESH: durationMs.default(15_000),
  /** Optional bearer token a scraper must send; without it /metrics is open (bind or firewall it). */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
};
