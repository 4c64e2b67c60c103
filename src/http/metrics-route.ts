import express, { type Router } from 'express';
import type { Metrics } from '../metrics/metrics.ts';
import { constantTimeEqual } from '../providers/constant-time.ts';
import { bearerToken } from './auth.ts';
import { sendProblem } from './problem.ts';

/**
 * Prometheus scrape endpoint. It carries counts only, no identifiers or secrets; with a token, only
 * a scraper holding it is answered. Its Postgres reads are rate-limited by the metrics snapshot.
 */
export function metricsRoute(metrics: Metrics, token?: string): Router {
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    if (token) {
      const given = bearerToken(req);
      if (!given || !constantTimeEqual(given, token)) {
        res.setHeader('www-authenticate', 'Bearer');
        return sendProblem(res, 401, 'Unauthorized', 'This endpoint needs the METRICS_TOKEN bearer token.', { requestId: req.requestId });
      }
    }
    res.type(metrics.registry.contentType).send(await metrics.render());
  });
  return router;
}
