import type { Pool } from '../src/db/pool.ts';
import { saveUserEvent, type UserEventRecord } from '../src/db/user-store.ts';

export interface UserActivityDeps {
  pool: Pool;
}

export function createUserActivities({ pool }: UserActivityDeps) {
  return {
    /** The provider user's registration and one connection attempt with its result code. */
    async persistUserEvent(record: UserEventRecord): Promise<void> {
      await saveUserEvent(pool, record);
    },
  };
}

export type UserActivities = ReturnType<typeof createUserActivities>;
