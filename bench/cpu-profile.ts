// Reads a V8 CPU profile (`node --cpu-prof`) and prints where the sampled time went within a window of
// the run: per area (our own folders, each package, Node's internals, GC, idle) and per function.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { root } from './support.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface Profile {
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
  // The product runs from dist/ (npm run build): its folders are named as in the source tree.
  const local = relative(root, path).replace(/^dist\//, '').split('/');
  return local.length > 2 ? `${local[0]}/${local[1]}` : local[0]!;
}

/** Areas grouped by what they do for a webhook; the first match wins, the rest is "other". */
const COMPONENTS: ReadonlyArray<[string, RegExp]> = [
  ['HTTP server, express, body reading, socket writes', /express|router|_http_|raw-body|body-parser|type-is|content-type|on-finished|finalhandler|etag|forwarded|proxy-addr|src\/http|\(native\) writev|node:net|stream_base|streams\/|node:events|iconv|statuses|depd|fresh|^send$|accepts|negotiator|media-typer|http-errors|mime|setprototypeof|parseurl|^qs$|unpipe|vary|cookie/],
  ['Temporal dispatch (gRPC)', /grpc|http2|temporalio|protobuf|src\/temporal|^long$/],
  ['journal (pg)', /^pg|src\/db/],
  ['verify, parse, normalise (adapter, zod, HMAC)', /src\/providers|zod|crypto|src\/domain|src\/security|luxon/],
  ['logging (pino, redaction)', /pino|redact|writeString|sonic|node:fs/],
  ['garbage collector', /garbage/],
];

function componentOf(area: string): string {
  return COMPONENTS.find(([, pattern]) => pattern.test(area))?.[0] ?? 'other (Node internals, microtasks, module loading)';
}

export function readCpuProfile(path: string): Profile {
  return JSON.parse(readFileSync(path, 'utf8')) as Profile;
}

/** Each sample taken within `window`, with the time it stands for (µs). */
function forEachSample(profile: Profile, window: { from: number; to: number }, visit: (node: ProfileNode, micros: number) => void): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= window.from && at <= window.to) visit(byId.get(id)!, delta);
  });
}

/** Microseconds the thread was not idle within `window` (a blocking native call counts as busy). */
export function busyMicros(profile: Profile, window: { from: number; to: number }): number {
  let busy = 0;
  forEachSample(profile, window, (node, micros) => {
    if (node.callFrame.functionName !== '(idle)') busy += micros;
  });
  return busy;
}

/** `components`: group by what the areas do for a webhook (the receiver's view); off for threads that serve no request. */
export function summarizeCpuProfile(path: string, title: string, window: { from: number; to: number }, requests: number, { components: byComponent = true } = {}): void {
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let wall = 0;
  forEachSample(readCpuProfile(path), window, ({ callFrame }, delta) => {
    wall += delta;
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
  if (byComponent) {
    const components = new Map<string, number>();
    for (const [area, micros] of areas) components.set(componentOf(area), (components.get(componentOf(area)) ?? 0) + micros);
    console.log('  by component: CPU per request (share)');
    for (const [component, micros] of top(components, COMPONENTS.length + 1)) console.log(`    ${(micros / 1000 / requests).toFixed(3)} ms (${share(micros).trim()})  ${component}`);
  }
  console.log('  self time by area (share of the CPU time)');
  for (const [area, micros] of top(areas, 30)) console.log(`    ${share(micros)}  ${area}`);
  console.log('  self time by function');
  for (const [name, micros] of top(functions, 25)) console.log(`    ${share(micros)}  ${name}`);
}
