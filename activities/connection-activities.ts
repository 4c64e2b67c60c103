import { saveConnectionEvent, loadConnectionState, type ConnectionEventRecord } from '../src/db/connection-store.ts';
import type { Pool } from '../src/db/pool.ts';
import type { ConnectionState } from '../workflows/lifecycle.ts';

export interface ConnectionActivityDeps {
  pool: Pool;
}

export function createConnectionActivities({ pool }: ConnectionActivityDeps) {
  return {
    /** Timeline row, connection row and account rows for one event, in one transaction. */
    async persistConnectionEvent(record: ConnectionEventRecord): Promise<void> {
      await saveConnectionEvent(pool, record);
    },
    async loadConnection(provider: string, connectionId: string): Promise<ConnectionState | null> {
      return loadConnectionState(pool, provider, connectionId);
    },
  };
}

export type ConnectionActivities = ReturnType<typeof createConnectionActivities>;
