import { z } from 'zod';
import { durationMs } from './duration.ts';

/** Reconciliation against the providers' APIs (the worker's schedules). */
export const reconcileEnv = {
  /** How often each provider is reconciled; `off` removes this deployment's schedules. */
  RECONCILE_INTERVAL: z
    .string()
    .trim()
    .default('6h')
    .pipe(z.union([z.literal('off').transform(() => null), durationMs.pipe(z.number().min(60_000, 'at least 1m'))])),
  /** Calls per second to one provider's API, whatever the number of users. */
  RECONCILE_MAX_RPS: z.coerce.number().min(0.1).max(1_000).default(5),
  /** Users one activity checks before the workflow continues as new. */
  RECONCILE_PAGE_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
};
