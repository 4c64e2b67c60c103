import express, { type Router } from 'express';
import type { Metrics } from '../metrics/metrics.ts';

/** Prometheus scrape endpoint. It carries counts only, no identifiers or secrets. */
export function metricsRoute(metrics: Metrics): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
