import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapShortfall } from '../../src/config/worker-heap.ts';
import { spawnEntry } from '../support/entry-process.ts';
import { waitFor } from '../support/wait.ts';

const MiB = 2 ** 20;
/** What `--max-old-space-size=512` gives (old space plus the young generation). */
const CAPPED_LIMIT = 560 * MiB;

test('the shipped cap holds the default cache; a cache past it is refused with the flag that would fit', () => {
  assert.equal(heapShortfall(1000, CAPPED_LIMIT), null);
  const refusal = heapShortfall(5000, CAPPED_LIMIT);
  assert.ok(refusal);
  assert.match(refusal, /WORKER_MAX_CACHED_WORKFLOWS=5000/);
  const suggested = Number(/--max-old-space-size=(\d+)/.exec(refusal)?.[1]);
  assert.equal(heapShortfall(5000, suggested * MiB), null, 'the suggested flag is enough');
  assert.ok(heapShortfall(5000, (suggested - 1) * MiB), 'and not more than needed');
});

const workerEnv = {
  // Nothing answers there: a worker that passes the check waits for Postgres.
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TASK_QUEUE: 'worker-heap-test',
  LOG_LEVEL: 'info',
};

test('a worker whose heap cannot hold its cache exits at start with a configuration error', async () => {
  const worker = spawnEntry('worker.ts', { ...workerEnv, NODE_OPTIONS: '--max-old-space-size=256', WORKER_MAX_CACHED_WORKFLOWS: '5000' });
  assert.equal(await worker.exited, 2, worker.output());
  assert.match(worker.output(), /WORKER_MAX_CACHED_WORKFLOWS=5000 needs about \d+ MiB of heap/);
});

test('the worker as compose starts it (heap 512 MiB, default cache) gets past the check', async () => {
  const worker = spawnEntry('worker.ts', { ...workerEnv, NODE_OPTIONS: '--max-old-space-size=512' });
  try {
    await waitFor(async () => worker.output().includes('waiting for Postgres'), 'the worker waiting for Postgres');
    assert.ok(worker.running(), worker.output());
  } finally {
    await worker.kill('SIGTERM');
  }
});
