// Reads a V8 CPU profile (`node --cpu-prof`) and prints where the sampled time went within a window of
// the run: per area (our own folders, each package, Node's internals, GC, idle) and per function.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { root } from './support.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Microseconds on the monotonic clock V8 stamps its samples with (the one `process.hrtime` reads). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Where a sample's own (self) time belongs: our folder, a package, Node, or the VM's own states. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const local = relative(root, path).split('/');
  return local.length > 2 ? `${local[0]}/${local[1]}` : local[0]!;
}

export function summarizeCpuProfile(path: string, title: string, window: { from: number; to: number }, requests: number): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let at = profile.startTime;
  let wall = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.from || at > window.to) return;
    wall += delta;
    const { callFrame } = byId.get(id)!;
    const area = areaOf(callFrame.url, callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + delta);
    const name = `${callFrame.functionName || '(anonymous)'} ${area}:${callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + delta);
  });
  const busy = wall - (areas.get('(idle)') ?? 0);
  areas.delete('(idle)');
  functions.delete('(idle) (idle):0');
  const share = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)}%`;
  const top = (map: Map<string, number>, count: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  console.log();
  console.log(`cpu profile, ${title} (${path})`);
  console.log(`  ${(wall / 1e6).toFixed(1)} s wall, ${(busy / 1e6).toFixed(1)} s on the CPU (${((100 * busy) / wall).toFixed(0)}%): ${(busy / 1000 / requests).toFixed(2)} ms of CPU per request`);
  console.log('  self time by area (share of the CPU time)');
  for (const [area, micros] of top(areas, 30)) console.log(`    ${share(micros)}  ${area}`);
  console.log('  self time by function');
  for (const [name, micros] of top(functions, 25)) console.log(`    ${share(micros)}  ${name}`);
}
