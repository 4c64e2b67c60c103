import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own (initdb into a temporary directory, its own port), so a
 * test may stop and start it: the machine's shared server on 5432 is never touched.
 */
export interface PrivatePostgres {
  port: number;
  /** postgres://… for a database of this cluster. */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (set PG_BIN_DIR)');
  return join('/usr/lib/postgresql', versions[0]!, 'bin');
}

/** initdb refuses root; as root the cluster belongs to the `postgres` account. */
async function owner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/** Initialises a cluster and starts it, or leaves it stopped (`running: false`) for start-up tests. */
export async function createPrivatePostgres(options: { running?: boolean } = {}): Promise<PrivatePostgres> {
  const bin = binDir();
  const as = await owner();
  const dir = mkdtempSync(join(tmpdir(), 'private-pg-'));
  if (as) chownSync(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, ...args], { ...as, timeout: 60_000 });

  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...as, timeout: 120_000 });
  // fsync off: an immediate stop kills processes, not the machine, so committed data still reaches the files.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await pgCtl('-o', serverOptions, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start');
  };
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  if (options.running !== false) await start();
  return {
    port,
    url,
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    async stop(mode = 'immediate') {
      await pgCtl('-m', mode, '-w', 'stop');
    },
    start,
    async destroy() {
      await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
