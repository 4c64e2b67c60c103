// Second half of `npm test` (see test.mjs): one dev server and one workflow bundle for the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startTemporalDevServer } from '../src/embedded/temporal-dev-server.ts';
import { workflowsPath } from '../src/worker.ts';
import { freePort } from '../test/support/free-port.ts';

const root = join(import.meta.dirname, '..');
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : testFiles(join(root, 'test'));
const work = mkdtempSync(join(tmpdir(), 'lifecycle-test-'));

const server = await startTemporalDevServer({ executable: process.env.TEMPORAL_CLI_PATH!, port: await freePort() });
// Bundling takes seconds; every test worker shares this one.
const bundle = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
const bundlePath = join(work, 'workflow-bundle.js');
writeFileSync(bundlePath, bundle.code);

const tests = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEST_WORKFLOW_BUNDLE: bundlePath, TEST_WORK_DIR: work },
  stdio: 'inherit',
});
const code = await new Promise<number>((resolve) => tests.on('exit', (c) => resolve(c ?? 1)));
await server.stop();
rmSync(work, { recursive: true, force: true });
process.exit(code);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

