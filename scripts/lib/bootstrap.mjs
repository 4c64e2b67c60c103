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

/**
 * The Web UI test drives Debian's Chromium (no browser download works here). As root, install it
 * when missing; otherwise say how, and that test is skipped.
 */
export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return true;
  if (process.getuid?.() !== 0 || spawnSync('which', ['apt-get']).status !== 0) {
    console.error(`no Chromium at ${path}: install Debian's chromium package (or set CHROMIUM_PATH) to run the Web UI test`);
    return false;
  }
  console.error('installing Chromium from Debian packages for the Web UI test');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }) : update;
  return install.status === 0 && existsSync(path);
}
