import { loadConnectionState, saveConnectionEvent, saveConnectionSnapshot, type ConnectionEventRecord } from '../src/db/connection-store.ts';
import type { Pool } from '../src/db/pool.ts';
import type { Logger } from '../src/logger.ts';
import type { ConnectionSnapshot, ConnectionState } from '../workflows/lifecycle.ts';

export interface ConnectionActivityDeps {
  pool: Pool;
  logger: Logger;
}

export function createConnectionActivities({ pool, logger }: ConnectionActivityDeps) {
  return {
    /** Timeline row, connection row and account rows for one event, in one transaction. */
    async persistConnectionEvent(record: ConnectionEventRecord): Promise<void> {
      await saveConnectionEvent(pool, record);
      const { event, connection, outcome } = record;
      logger.info(
        { requestId: event.requestId, eventId: event.eventId, provider: connection.provider, connectionId: connection.connectionId, outcome, state: connection.status },
        'connection event applied',
      );
    },
    /** The connection row after a timer moved it on (a prompt sent, a retry made, an escalation). */
    async persistConnectionState(connection: ConnectionSnapshot): Promise<void> {
      await saveConnectionSnapshot(pool, connection);
    },
    async loadConnection(provider: string, connectionId: string): Promise<ConnectionState | null> {
      return loadConnectionState(pool, provider, connectionId);
    },
  };
}

export type ConnectionActivities = ReturnType<typeof createConnectionActivities>;
