// A V8 CPU profile of this process over one phase of a bench, written as a `.cpuprofile` (open it in
// Chrome DevTools or speedscope) and summarised by where the sampled time went: per area (our own
// folders, each package, Node's internals, GC, idle) and per function.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { root } from './support.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuProfiler {
  /** Stops sampling, writes `path` and prints the summary. */
  stop(path: string, title: string): Promise<void>;
}

export async function startCpuProfile(): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(path, title) {
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
      session.disconnect();
      writeFileSync(path, JSON.stringify(profile));
      printSummary(profile, title, path);
    },
  };
}

/** Where a sample's own (self) time belongs: our folder, a package, Node, or the VM's own states. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] ?? url.slice(5)}`;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const local = relative(root, path).split('/');
  return local.length > 2 ? `${local[0]}/${local[1]}` : local[0]!;
}

function printSummary(profile: Profile, title: string, path: string): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = profile.endTime - profile.startTime;
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id)!;
    const area = areaOf(callFrame.url, callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const name = `${callFrame.functionName || '(anonymous)'} ${area}:${callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  const share = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)}%`;
  const top = (map: Map<string, number>, count: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  console.log();
  console.log(`cpu profile of this process, ${title}: ${(total / 1e6).toFixed(1)} s wall, ${share(busy)} on the CPU (${path})`);
  console.log('  self time by area (share of wall time)');
  for (const [area, micros] of top(areas, 25)) console.log(`    ${share(micros)}  ${area}`);
  console.log('  self time by function');
  for (const [name, micros] of top(functions, 25)) console.log(`    ${share(micros)}  ${name}`);
}
