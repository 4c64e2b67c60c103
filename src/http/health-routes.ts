import express, { type Router } from 'express';
import type { Pool } from '../db/pool.ts';

export interface ReadinessProbes {
  pool: Pool;
  /** Resolves when Temporal answers; rejects otherwise. */
  temporalReachable: () => Promise<void>;
  /** False while the schema is not migrated yet. */
  databaseReady: () => boolean;
}

const PROBE_TIMEOUT_MS = 3_000;

export function healthRoutes({ pool, temporalReachable, databaseReady }: ReadinessProbes): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      probe(async () => {
        await pool.query('SELECT 1');
        if (!databaseReady()) throw new Error('migrations pending');
      }),
      probe(temporalReachable),
    ]);
    const ready = postgres === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', postgres, temporal });
  });
  return router;
}

async function probe(check: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message.slice(0, 200) : 'failed';
  } finally {
    clearTimeout(timer);
  }
}
