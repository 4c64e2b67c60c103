// `--profile <dir>` for a bench made of phases (bench/apply.ts): the bench runs again as a child under
// `node --cpu-prof`, which writes one profile per thread into <dir> when it exits, the workers'
// workflow threads included; the child writes its phases' windows there too. Then each thread's CPU
// per event of each phase is printed, and where the busiest threads spent it.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { busyMicros, readCpuProfile, summarizeCpuProfile } from './cpu-profile.ts';

export const PHASES_FILE = 'phases.json';

export interface PhaseWindow {
  from: number;
  to: number;
}

interface ProfiledPhase {
  name: string;
  events: number;
  window: PhaseWindow;
}

/** Threads below this share of a phase's wall time are listed, not summarised. */
const SUMMARISED_BUSY_SHARE = 0.2;

/** Without `--profile`: undefined. With it: rerun under the profiler, or (the rerun) write the phases to `dir`. */
export function profiledRun(): { dir: string; rerun: boolean } | undefined {
  const { values } = parseArgs({ options: { profile: { type: 'string' } } });
  if (!values.profile) return undefined;
  return { dir: resolve(values.profile), rerun: !process.execArgv.some((flag) => flag.startsWith('--cpu-prof')) };
}

export function rerunProfiled(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.once('SIGINT', () => child.kill('SIGINT'));
  child.once('exit', (code) => {
    if (code === 0) summarize(dir, child.pid!);
    process.exit(code ?? 1);
  });
}

function summarize(dir: string, pid: number): void {
  const phases = JSON.parse(readFileSync(join(dir, PHASES_FILE), 'utf8')) as ProfiledPhase[];
  // One profile per thread, named CPU.<date>.<time>.<pid>.<thread>.<n>: 0 is the main thread.
  const threads = readdirSync(dir)
    .filter((name) => name.includes(`.${pid}.`) && name.endsWith('.cpuprofile'))
    .map((name) => ({ name, thread: name.split('.')[4]!, profile: readCpuProfile(join(dir, name)) }));
  console.log();
  console.log('busy time per event (ms) of each JavaScript thread of the bench, sampled by its profile: idle left out, blocking native calls in (thread 0 is the main one)');
  const cell = (text: string) => text.padStart(8);
  console.log(`${'thread'.padEnd(8)} ${phases.map((phase) => cell(phase.name.slice(0, 2).trim())).join(' ')}`);
  const busiest: Array<{ name: string; thread: string; phase: ProfiledPhase; share: number }> = [];
  for (const { name, thread, profile } of threads) {
    const cells = phases.map((phase) => {
      const busy = busyMicros(profile, phase.window);
      const share = busy / (phase.window.to - phase.window.from);
      if (share >= SUMMARISED_BUSY_SHARE) busiest.push({ name, thread, phase, share });
      return cell((busy / 1000 / phase.events).toFixed(2));
    });
    console.log(`${thread.padEnd(8)} ${cells.join(' ')}`);
  }
  for (const { name, thread, phase, share } of busiest) {
    const title = `thread ${thread} in phase ${phase.name} (busy ${(100 * share).toFixed(0)}% of it), per event`;
    summarizeCpuProfile(join(dir, name), title, phase.window, phase.events, { components: false });
  }
}
