#!/usr/bin/env node
// `npm test`: one real Temporal dev server and this machine's PostgreSQL for the whole run; every
// test file makes its own database and task queue. Extra arguments select test files.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureChromium, ensureDependencies, ensurePromtool, ensureTemporalCli, root } from './lib/bootstrap.mjs';

ensureDependencies();
const cli = ensureTemporalCli();
if (!cli) {
  console.error('the tests need the pinned temporal CLI, and it cannot be built here (no Go toolchain)');
  process.exit(1);
}

if (!ensureChromium() && process.env.CI) {
  console.error('CI runs every test, the Web UI one included: Chromium is required');
  process.exit(1);
}

const promtool = ensurePromtool();
if (!promtool && process.env.CI) {
  console.error('CI runs every test, the alert rules ones included: promtool (Debian\'s prometheus package) is required');
  process.exit(1);
}

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (!postgresAnswers(databaseUrl)) {
  console.error(`PostgreSQL does not answer at ${databaseUrl}; start it (see README) or set TEST_DATABASE_URL`);
  process.exit(1);
}

// The rest runs as TypeScript, so it starts the dev server with the product's own code.
const runner = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'run-tests.ts'), ...process.argv.slice(2)], {
  cwd: root,
  env: { ...process.env, TEST_DATABASE_URL: databaseUrl, TEMPORAL_CLI_PATH: cli, ...(promtool ? { PROMTOOL_PATH: promtool } : {}) },
  stdio: 'inherit',
});
runner.on('exit', (code) => process.exit(code ?? 1));

function postgresAnswers(url) {
  const probe = spawnSync(process.execPath, ['-e', `
    const pg = require('pg');
    const c = new pg.Client({ connectionString: ${JSON.stringify(url)}, connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));
  `], { cwd: root });
  return probe.status === 0;
}
