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
  return ensureDebianTool(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', 'chromium', 'the Web UI test', 'CHROMIUM_PATH') !== undefined;
}

/**
 * `promtool test rules` runs the alert rules' unit tests; Debian's `prometheus` package ships it.
 * Path of promtool, installed as root when missing; undefined (those tests skip) otherwise.
 */
export function ensurePromtool() {
  const onPath = spawnSync('which', ['promtool'], { encoding: 'utf8' });
  if (!process.env.PROMTOOL_PATH && onPath.status === 0) return onPath.stdout.trim();
  // Only promtool is wanted, not the server's recommended exporters.
  return ensureDebianTool(process.env.PROMTOOL_PATH ?? '/usr/bin/promtool', 'prometheus', 'the alert rule tests', 'PROMTOOL_PATH', ['--no-install-recommends']);
}

/** `path` when it exists, after installing Debian's `pkg` as root when it does not (and the archive has it). */
function ensureDebianTool(path, pkg, purpose, variable, installFlags = []) {
  if (existsSync(path)) return path;
  if (process.getuid?.() !== 0 || spawnSync('which', ['apt-get']).status !== 0) {
    console.error(`no ${path}: install Debian's ${pkg} package (or set ${variable}) to run ${purpose}`);
    return undefined;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const candidate = () => /Candidate:\s*(?!\(none\))\S+/.test(spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8', env }).stdout ?? '');
  if (!candidate() && spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status !== 0) return undefined;
  if (!candidate()) {
    console.error(`Debian's archive has no ${pkg} package here: ${purpose} cannot run`);
    return undefined;
  }
  console.error(`installing Debian's ${pkg} for ${purpose}`);
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...installFlags, pkg], { stdio: 'inherit', env });
  return install.status === 0 && existsSync(path) ? path : undefined;
}
