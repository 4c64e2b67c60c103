import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** A production main (`src/entry/<name>`) as its own process, its output kept for failure messages. */
export interface EntryProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** The last output, stdout and stderr interleaved. */
  output(): string;
  running(): boolean;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function spawnEntry(entry: 'receiver.ts' | 'worker.ts', env: NodeJS.ProcessEnv): EntryProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'entry', entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
