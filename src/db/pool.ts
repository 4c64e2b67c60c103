import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

const ignore = () => undefined;

export function createPool(databaseUrl: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // Postgres restarting ends every connection. An idle client reports it to the pool, a checked-out
  // one to itself; neither may take the process down: the query in flight fails with it (503, or
  // an activity retry) and the pool opens a new connection next time.
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  return pool;
}

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A client whose ROLLBACK fails is in no known state: it leaves the pool instead of returning.
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}
