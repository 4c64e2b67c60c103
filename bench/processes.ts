// The product as deployed, for the benches: receiver and worker as their own processes, run from
// `npm run build`'s output as the Dockerfile runs them (plain node, the prebuilt workflow bundle, no
// TypeScript loader or its source maps in the measured process), and what watches them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_SECRET } from '../test/support/snaptrade.ts';
import { registerCleanup, root } from './support.ts';

export interface Started {
  child: ChildProcess;
  /** Its log lines (JSON, one per line), when asked to keep them. */
  lines: string[];
}

export interface StartOptions {
  /** Extra Node flags, such as `--cpu-prof`. */
  nodeFlags?: string[];
  /** Keep what it logs on stdout, to be read after the run. */
  keepLogs?: boolean;
}

export interface ProductSettings {
  databaseUrl: string;
  temporalAddress: string;
  port: number;
  logLevel: string;
}

/** What receiver and worker both read: one database, one dev server, a task queue of their own, SnapTrade's test secret. */
export function productEnv(settings: ProductSettings): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    LOG_LEVEL: settings.logLevel,
    PORT: String(settings.port),
    HOST: '127.0.0.1',
    SNAPTRADE_WEBHOOK_SECRET: TEST_SECRET,
    API_TOKEN: 'bench-api-token-0123456789',
  };
}

let built = false;

/** How docker-compose.yml starts the worker (its heap capped; README, "Worker memory"). */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=512'];

/** Receiver or worker from dist/ (built once per bench run, so it is the code of this checkout). */
export function startProduct(entry: 'receiver' | 'worker', env: NodeJS.ProcessEnv, options: StartOptions = {}): Started {
  if (!built) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  const flags = [...(entry === 'worker' ? WORKER_NODE_FLAGS : []), ...(options.nodeFlags ?? [])];
  return startProcess(`dist/src/entry/${entry}.js`, env, { ...options, nodeFlags: flags });
}

/** `script` is a path under the project root (TypeScript runs through tsx); the child dies with this process. */
export function startProcess(script: string, env: NodeJS.ProcessEnv, options: StartOptions = {}): Started {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...loader, join(root, script)], {
    cwd: root,
    env,
    stdio: ['ignore', options.keepLogs ? 'pipe' : 'ignore', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    lines.push(...complete);
  });
  registerCleanup(() => stopProcess(child));
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, lines };
}

/** SIGTERM, as an orchestrator stops it, so it drains and exits (and writes a `--cpu-prof` profile). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
  child.kill('SIGKILL');
}

export async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(url).then((res) => res.ok, () => false);
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`${url} never answered`);
}

/** The child's resident memory, sampled every second, with its peak. */
export function sampleRss(child: ChildProcess): { now(): number; peak(): number } {
  let peak = 0;
  let last = 0;
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      last = match ? Number(match[1]) * 1024 : last;
      peak = Math.max(peak, last);
    } catch {
      // The process has exited.
    }
  };
  const timer = setInterval(read, 1000);
  registerCleanup(async () => clearInterval(timer));
  return {
    now: () => (read(), last),
    peak: () => peak,
  };
}
