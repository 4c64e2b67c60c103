import {
  loadConnectionState,
  saveBreakage,
  saveConnectionBatch,
  saveConnectionEvent,
  saveConnectionSnapshot,
  type ConnectionBatchRecord,
  type ConnectionEventRecord,
} from '../src/db/connection-store.ts';
import type { Pool } from '../src/db/pool.ts';
import { saveUserEvent, type UserEventRecord } from '../src/db/user-store.ts';
import { deferEvents, takeDeferred, type BacklogBatch } from '../src/db/workflow-backlog.ts';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import type { ConnectionRef } from '../src/domain/connection-ref.ts';
import type { ConnectionSnapshot, ConnectionState } from '../src/domain/connection-state.ts';
import type { OutageDetector } from '../src/holds/outage-detector.ts';
import type { Logger } from '../src/logger.ts';

export interface PersistenceActivityDeps {
  pool: Pool;
  logger: Logger;
  outages: OutageDetector;
}

/** What the workflows keep in Postgres: connections, their timelines and accounts, users, breakages. */
export function createPersistenceActivities({ pool, logger, outages }: PersistenceActivityDeps) {
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
    /**
     * Everything one pass of the lifecycle over queued events left to store, in one transaction;
     * then the outage window of the brokerage is looked at once for the breakages it recorded.
     */
    async persistConnectionBatch(record: ConnectionBatchRecord): Promise<void> {
      await saveConnectionBatch(pool, record);
      const { connection, events, breakages } = record;
      if (breakages.length > 0) await outages.evaluate(connection.provider, connection.brokerageId ?? '*', Date.now());
      for (const { event, outcome } of events) {
        logger.info(
          { requestId: event.requestId, eventId: event.eventId, provider: connection.provider, connectionId: connection.connectionId, outcome, state: connection.status },
          'connection event applied',
        );
      }
    },
    /** The connection row after a timer moved it on (a prompt sent, a retry made, an escalation). */
    async persistConnectionState(connection: ConnectionSnapshot): Promise<void> {
      await saveConnectionSnapshot(pool, connection);
    },
    async loadConnection(provider: string, connectionId: string): Promise<ConnectionState | null> {
      return loadConnectionState(pool, provider, connectionId);
    },
    /** The provider user's registration and one connection attempt with its result code. */
    async persistUserEvent(record: UserEventRecord): Promise<void> {
      await saveUserEvent(pool, record);
    },
    /** Parks events a workflow had queued when it continued as new (see workflows/backlog.ts). */
    async deferEvents(workflowId: string, events: ConnectionEvent[]): Promise<void> {
      await deferEvents(pool, workflowId, events);
    },
    /** The next batch of parked events, the same one again when retried with the same takeId. */
    async takeDeferredEvents(workflowId: string, takeId: string, limit: number, maxBytes: number): Promise<BacklogBatch> {
      return takeDeferred(pool, workflowId, takeId, limit, maxBytes);
    },
    /** Counts the breakage towards its brokerage, and opens an outage hold when there are too many. */
    async recordBreakage(ref: ConnectionRef, episode: number): Promise<void> {
      await saveBreakage(pool, ref, episode);
      await outages.evaluate(ref.provider, ref.brokerageId ?? '*', Date.now());
    },
  };
}

export type PersistenceActivities = ReturnType<typeof createPersistenceActivities>;
