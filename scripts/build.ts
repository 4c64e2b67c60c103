// Second half of `npm run build` (tsc emits dist/ first): what tsc does not emit. The SQL
// migrations go beside the compiled migrate.js, and the workflows are bundled once, so a worker
// started from dist/ runs no bundler.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../src/worker.ts';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

cpSync(join(root, 'src', 'db', 'migrations'), join(dist, 'src', 'db', 'migrations'), { recursive: true });
const quiet = () => undefined;
const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error, log: quiet } });
writeFileSync(join(dist, 'workflow-bundle.js'), code);
console.log(`dist/ built: compiled entry points in dist/src/entry/, workflow bundle ${(code.length / 1024).toFixed(0)} KiB`);
