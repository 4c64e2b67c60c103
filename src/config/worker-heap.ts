/**
 * Heap one cached connection workflow holds: ~130 KiB measured (bench/RESULTS.md, "Third pass"),
 * with a margin.
 */
const HEAP_PER_CACHED_WORKFLOW = 160 * 1024;
/**
 * An allowance, not a measurement, for what the workflow thread holds besides its cache: the
 * bundle, the SDK's runtime, activations in flight.
 */
const HEAP_BASE = 128 * 1024 * 1024;

const mib = (bytes: number) => Math.ceil(bytes / 2 ** 20);

/**
 * Why a worker whose heap limit cannot hold its workflow cache must not start, or null when it can.
 * Past the limit V8 aborts the process, and the cache fills when it hurts most: during an outage.
 */
export function heapShortfall(cachedWorkflows: number, heapLimitBytes: number): string | null {
  const needed = HEAP_BASE + cachedWorkflows * HEAP_PER_CACHED_WORKFLOW;
  if (needed <= heapLimitBytes) return null;
  return (
    `WORKER_MAX_CACHED_WORKFLOWS=${cachedWorkflows} needs about ${mib(needed)} MiB of heap and this worker's limit is ${mib(heapLimitBytes)} MiB: ` +
    `start it with node --max-old-space-size=${mib(needed)} or more (README, "Worker memory"), or cache fewer workflows`
  );
}
