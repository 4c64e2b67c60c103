import { loadConnectionState } from '../src/db/connection-store.ts';
import type { Pool } from '../src/db/pool.ts';
import type { ConnectionState } from '../src/domain/connection-state.ts';
import type { PolicyActivities, RunSettings } from './policy-activities.ts';

export interface RunStartActivityDeps {
  pool: Pool;
  runSettings: PolicyActivities['runSettings'];
}

export interface ConnectionRunStart {
  /** What Postgres remembers of the connection, when asked: a run may follow a closed one. */
  stored: ConnectionState | null;
  settings: RunSettings;
}

/** What a connection's run reads once as it starts, in one call so that its history records one marker. */
export function createRunStartActivities({ pool, runSettings }: RunStartActivityDeps) {
  return {
    async startConnectionRun(provider: string, connectionId: string, loadStored: boolean): Promise<ConnectionRunStart> {
      const [stored, settings] = await Promise.all([loadStored ? loadConnectionState(pool, provider, connectionId) : null, runSettings(provider)]);
      return { stored, settings };
    },
  };
}

export type RunStartActivities = ReturnType<typeof createRunStartActivities>;
