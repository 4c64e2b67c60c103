#!/usr/bin/env node
// `npm start`: install what is missing, then run the whole stack in one process (src/entry/dev.ts).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureDependencies, ensureTemporalCli, root } from './lib/bootstrap.mjs';

ensureDependencies();
const env = { ...process.env };
if (!env.TEMPORAL_ADDRESS) {
  const cli = ensureTemporalCli();
  if (cli) env.TEMPORAL_CLI_PATH = cli;
}
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'entry', 'dev.ts')], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
