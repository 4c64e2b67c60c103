// What every bench script shares: the machine it ran on, a dev server started as `npm start` and the
// tests start it, the workflow bundle, and cleanups that run whatever stage a run reached.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startTemporalDevServer, type DevServer } from '../src/embedded/temporal-dev-server.ts';
import { workflowsPath } from '../src/worker.ts';
import { freePort } from '../test/support/free-port.ts';

export const root = join(import.meta.dirname, '..');

export interface Support {
  startStack: typeof import('../test/support/stack.ts').startStack;
  createTestDatabase: typeof import('../test/support/database.ts').createTestDatabase;
  snapTradePayload: typeof import('../test/support/snaptrade.ts').snapTradePayload;
}

// Cleanups run last-registered first.
const cleanups: Array<() => Promise<void>> = [];
let finishing: Promise<never> | undefined;

export function registerCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

// A crash (the Temporal SDK can throw from its own timers) or Ctrl-C must still clean up.
process.once('uncaughtException', (error) => {
  console.error(error);
  void finish(1);
});
process.once('SIGINT', () => void finish(130));

/** Once only, even when a crash arrives while the run is already cleaning up. */
export function finish(code: number): Promise<never> {
  finishing ??= (async () => {
    setTimeout(() => process.exit(code), 60_000).unref();
    while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => console.error('cleanup failed:', error));
    // The Temporal runtime's native threads would otherwise keep the process alive.
    process.exit(code);
  })();
  return finishing;
}

/** Runs a bench's main: exit 0 when it finished, 1 (with the error) when it threw, cleanups run either way. */
export function runBench(main: () => Promise<void>): void {
  void main().then(
    () => finish(0),
    (error: unknown) => {
      console.error(error);
      return finish(1);
    },
  );
}

export function printMachine(): void {
  const cpus = os.cpus();
  console.log('machine');
  console.log(`  cpu      ${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`);
  console.log(`  memory   ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log(`  os       ${os.type()} ${os.release()} (${os.arch()})`);
  console.log(`  node     ${process.version}`);
  console.log(`  loadavg  ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} (at start)`);
  console.log(`  product  ${productRevision()}`);
  console.log('  note     shared, noisy 2-core machine: load generator, receiver, worker, Temporal and');
  console.log('           PostgreSQL all compete for the same cores; compare ratios, not absolutes');
  console.log();
}

/** Others edit the product while it is measured; the figures belong to this revision. */
function productRevision(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'src', 'workflows', 'activities', 'test', 'bench').split('\n').filter(Boolean).length;
    const head = git('rev-parse', '--short', 'HEAD');
    return changed === 0 ? `${head} (clean)` : `${head} + ${changed} uncommitted files`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function temporalCli(): string {
  // The script prints the CLI's path on stdout and builds it only when missing.
  return execFileSync('bash', [join(root, 'scripts', 'install-temporal.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** A dev server with the product's own flags (src/embedded/temporal-dev-server.ts), in memory or in `dbFilename`. */
export async function startDevServer(dbFilename?: string): Promise<DevServer> {
  const server = await startTemporalDevServer({ executable: temporalCli(), port: await freePort(), ...(dbFilename ? { dbFilename } : {}) });
  registerCleanup(() => server.stop());
  // Whatever happens to the cleanups, the dev server must not outlive this process.
  process.once('exit', () => server.process.kill('SIGKILL'));
  return server;
}

export function workDir(): string {
  const work = mkdtempSync(join(os.tmpdir(), 'lifecycle-bench-'));
  registerCleanup(async () => rmSync(work, { recursive: true, force: true }));
  return work;
}

export async function writeWorkflowBundle(work: string): Promise<string> {
  const quiet = () => undefined;
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error, log: quiet } });
  const path = join(work, 'workflow-bundle.js');
  writeFileSync(path, bundle.code);
  return path;
}

/** Dev server, bundle, and the test support (imported only now: it reads TEMPORAL_ADDRESS and friends). */
export async function benchSetup(dbFilename?: string): Promise<{ server: DevServer; support: Support; bundlePath: string }> {
  const server = await startDevServer(dbFilename);
  const bundlePath = await writeWorkflowBundle(workDir());
  process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  const [{ startStack }, { createTestDatabase }, { snapTradePayload }] = await Promise.all([
    import('../test/support/stack.ts'),
    import('../test/support/database.ts'),
    import('../test/support/snaptrade.ts'),
  ]);
  return { server, support: { startStack, createTestDatabase, snapTradePayload }, bundlePath };
}
