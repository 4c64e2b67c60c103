import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../temporal/search-attributes.ts';

export interface DevServerOptions {
  executable: string;
  port: number;
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The pinned `temporal server start-dev`: a real server with its Web UI, as a child process. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'error',
    // The SDK's own CI settings: SQLite without fsync per write, since this is a dev server.
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    ...singleNodeTuning(),
    ...devServerSearchAttributeFlags(),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
  ];
  // Its own process group: a Ctrl-C or group SIGTERM reaches only our process, which stops the
  // server after the worker has drained instead of from under it. It still dies with us.
  const child = spawn(options.executable, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const killWithUs = () => child.kill('SIGKILL');
  process.once('exit', killWithUs);
  child.once('exit', () => process.off('exit', killWithUs));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    const early = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 250))]);
    if (early !== 'running') throw new Error(`temporal dev server exited with ${early}: ${stderr}`);
    if (await reachable(address)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not answer on ${address}: ${stderr}`);
    }
  }

  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Settings for one dev server on one machine; a production cluster keeps its own (README,
 * "Temporal settings"). The history service's task queues are read at most 20 times a second by
 * default, which puts ~50 ms between a signal and its workflow task and again between an activity
 * being scheduled and polled; one node can afford to look at once. And a task queue is split in 4
 * partitions by default, for many matching hosts: with one, a poller never waits on an empty
 * partition while another holds the task.
 */
function singleNodeTuning(): string[] {
  const values = {
    'history.transferProcessorMaxPollRPS': 1000,
    'history.timerProcessorMaxPollRPS': 1000,
    'history.visibilityProcessorMaxPollRPS': 1000,
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
  };
  return Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

async function reachable(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1_000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}
