import type { Pool } from '../src/db/pool.ts';
import { createConnectionActivities } from './connection-activities.ts';
import { createUserActivities } from './user-activities.ts';

export interface ActivityDeps {
  pool: Pool;
}

/** Every activity the worker registers, with its dependencies injected. */
export function createActivities(deps: ActivityDeps) {
  return { ...createConnectionActivities(deps), ...createUserActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
