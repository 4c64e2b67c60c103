import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

/**
 * The layering rules of .dependency-cruiser.cjs: a pure domain, workflows that import only it and
 * the Temporal workflow API, nothing below importing workflows, no cycle, production code on
 * production dependencies only.
 */
test('dependencies point one way, with no cycle', () => {
  const packageDir = join(root, 'node_modules', 'dependency-cruiser');
  const { bin } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const cli = join(packageDir, bin.depcruise!);
  const run = spawnSync(process.execPath, [cli, 'src', 'workflows', 'activities', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root, encoding: 'utf8' });
  const report = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, report);
  const cruised = /(\d+) modules, \d+ dependencies cruised/.exec(report);
  assert.ok(cruised && Number(cruised[1]) > 100, `the whole code base was cruised: ${report}`);
});
