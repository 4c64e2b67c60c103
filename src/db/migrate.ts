import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

const migrationsDir = fileURLToPath(new URL('./migrations', import.meta.url));

/** Versioned SQL migrations, applied under node-pg-migrate's advisory lock so concurrent starts are safe. */
export async function migrate(databaseUrl: string, log: (message: string) => void = () => undefined): Promise<void> {
  // Our own client, so a Postgres restart mid-migration fails this call instead of emitting an unhandled 'error'.
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await runner({
      dbClient: client,
      dir: migrationsDir,
      direction: 'up',
      migrationsTable: 'schema_migrations',
      log,
      advisoryLockMode: 'wait',
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
