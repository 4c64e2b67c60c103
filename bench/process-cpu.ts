// CPU time each process of the stack spent over a stretch of a bench, read from /proc (Linux), so the
// ack path's cost can be put beside the two cores it shares with the dev server, the worker and Postgres.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat's times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

export interface Watched {
  name: string;
  /** The pids that count as this process now (Postgres: every backend that exists at the moment). */
  pids: () => number[];
}

/** CPU seconds (user + system) per pid, for each watched process. */
export type CpuSnapshot = Map<string, Map<number, number>>;

function cpuSeconds(pid: number): number | undefined {
  try {
    // The command name, field 2, is in parentheses and may hold spaces: count fields after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Every process of this machine whose command name is `comm` (each Postgres backend is one). */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

export function snapshotCpu(watched: readonly Watched[]): CpuSnapshot {
  return new Map(
    watched.map(({ name, pids }) => [
      name,
      new Map(pids().flatMap((pid) => {
        const seconds = cpuSeconds(pid);
        return seconds === undefined ? [] : [[pid, seconds] as const];
      })),
    ]),
  );
}

/**
 * CPU seconds each watched process spent between two snapshots. A pid born in between counts from
 * zero; one that exited in between is lost (the stack's processes and pooled backends live on).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [name, pids] of after) {
    let seconds = 0;
    for (const [pid, now] of pids) seconds += now - (before.get(name)?.get(pid) ?? 0);
    spent.set(name, seconds);
  }
  return spent;
}
