// Shared by `npm start` and `npm test`: what a fresh clone needs before any TypeScript runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function ensureDependencies() {
  if (existsSync(join(root, 'node_modules', '.package-lock.json'))) return;
  console.error('installing npm dependencies (first run only)');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Path of the pinned temporal CLI, built on first use; undefined when it cannot be built here. */
export function ensureTemporalCli() {
  const result = spawnSync('bash', [join(root, 'scripts', 'install-temporal.sh')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status === 0) return result.stdout.trim();
  if (result.status === 3) return undefined;
  process.exit(result.status ?? 1);
}
