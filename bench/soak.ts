// `npm run bench:soak -- --connections 100000 [--outage 20000] [--concurrency 32]`: the product as
// deployed (receiver and worker as their own processes, from `npm run build`'s output)
// against a dev server that keeps its history in a file. Every connection is ADDED, then hears one
// more event; then a brokerage-wide outage breaks `--outage` of them at once. Reports the time to
// apply everything, the worker's RSS, the dev server's database size, the ack latency, how long the
// outage takes to be fully applied with its hold on, and how many user prompts went out meanwhile.
// `--profile <dir>`: the worker runs under `node --cpu-prof`; each of its threads' CPU during the
// outage (first BROKEN sent → all applied) is summarised per connection. `--worker-env K=V,…`: worker
// settings to try, such as WORKER_WORKFLOW_THREADS=2 or WORKER_MAX_CACHED_WORKFLOWS=5000.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { connectionWorkflowId } from '../src/temporal/workflow-ids.ts';
import { freePort } from '../test/support/free-port.ts';
import { monotonicMicros, summarizeCpuProfile } from './cpu-profile.ts';
import { historyEventTypes } from './histories.ts';
import { productEnv, sampleRss, startProduct, stopProcess, waitForHttp } from './processes.ts';
import { benchSetup, finish, printMachine, runBench, registerCleanup, workDir } from './support.ts';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '100000' },
    outage: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    'reauth-grace': { type: 'string', default: '20s' },
    profile: { type: 'string' },
    'worker-env': { type: 'string', default: '' },
  },
});
const profileDir = args.profile ? resolve(args.profile) : undefined;
const workerEnv = Object.fromEntries(
  args['worker-env']!
    .split(',')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const CONNECTIONS = Number(args.connections);
const OUTAGE = Number(args.outage ?? Math.min(20_000, Math.floor(CONNECTIONS / 5)));
const CONCURRENCY = Number(args.concurrency);
const GRACE_MS = parseSeconds(args['reauth-grace']!) * 1000;
const BROKERAGE = 'soak-brokerage';
const POLL_MS = 250;
const HISTORY_SAMPLE = 200;
let stoppingWorker = false;

interface Load {
  latencies: number[];
  failures: number;
  firstAckAt: number;
  seconds: number;
}

runBench(main);

async function main(): Promise<void> {
  printMachine();
  console.log(`soak: ${CONNECTIONS} connections (ADDED, then one more event), outage on ${OUTAGE}, ${CONCURRENCY} in flight, REAUTH_GRACE ${GRACE_MS / 1000}s, worker settings ${JSON.stringify(workerEnv)}`);
  const work = workDir();
  const dbFile = join(work, 'temporal.db');
  const { server, support } = await benchSetup(dbFile);
  const db = await support.createTestDatabase();
  registerCleanup(() => db.drop());
  const prompts = await startPromptCounter();
  registerCleanup(() => prompts.close());

  const port = await freePort();
  const env = {
    ...productEnv({ databaseUrl: db.url, temporalAddress: server.address, port, logLevel: 'warn' }),
    REAUTH_GRACE: `${GRACE_MS}ms`,
    QUIET_HOURS: 'off',
    NOTIFY_WEBHOOK_URL: prompts.url,
    NOTIFY_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  };
  const worker = startProduct('worker', { ...env, ...workerEnv }, profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {});
  startProduct('receiver', env);
  // Registered after the worker's own cleanup, so it runs before it: that exit is no failure.
  registerCleanup(async () => {
    stoppingWorker = true;
  });
  worker.child.once('exit', (code, signal) => {
    if (!stoppingWorker) {
      console.error(`the worker exited (${signal ?? code}) during the soak`);
      void finish(1);
    }
  });
  await waitForHttp(`http://127.0.0.1:${port}/readyz`);
  const rss = sampleRss(worker.child);
  const poller = new pg.Client({ connectionString: db.url });
  await poller.connect();
  registerCleanup(() => poller.end());

  const ids = Array.from({ length: CONNECTIONS }, (_, i) => ({ userId: `soak-user-${i}`, connectionId: `soak-connection-${i}` }));
  const url = `http://127.0.0.1:${port}/webhooks/snaptrade`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  registerCleanup(async () => agent.destroy());
  const body = (eventType: string, id: (typeof ids)[number], extra: Record<string, unknown> = {}) =>
    support.snapTradePayload(eventType, { userId: id.userId, brokerageAuthorizationId: id.connectionId, eventTimestamp: new Date().toISOString(), ...extra });

  // Phase 1: every connection added, then one more event.
  const started = performance.now();
  const added = await send(agent, url, ids.map((id) => JSON.stringify(body('CONNECTION_ADDED', id, { brokerageId: BROKERAGE }))), 'ADDED');
  const updated = await send(agent, url, ids.map((id) => JSON.stringify(body('CONNECTION_UPDATED', id))), 'UPDATED');
  const acked = performance.now();
  if (added.failures + updated.failures > 0) throw new Error(`${added.failures + updated.failures} deliveries were not acknowledged`);
  await until(async () => (await count(poller, `SELECT count(*) FROM connection_events`)) >= 2 * CONNECTIONS, 'every event applied');
  const appliedAt = performance.now();
  const latencies = [...added.latencies, ...updated.latencies];
  const dbBytes = ['', '-wal', '-shm'].map((suffix) => dbFile + suffix).filter(existsSync).reduce((sum, file) => sum + statSync(file).size, 0);
  console.log();
  console.log(`phase 1: ${2 * CONNECTIONS} events for ${CONNECTIONS} connections`);
  console.log(`  acked in ${((acked - started) / 1000).toFixed(1)} s (${((2 * CONNECTIONS) / ((acked - started) / 1000)).toFixed(0)}/s), ack p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, failures ${added.failures + updated.failures}`);
  console.log(`  all applied ${((appliedAt - started) / 1000).toFixed(1)} s after the first send (${((appliedAt - acked) / 1000).toFixed(1)} s after the last ack)`);
  console.log(`  worker RSS now ${mib(rss.now())} MiB, peak ${mib(rss.peak())} MiB; dev server database ${mib(dbBytes)} MiB; loadavg ${os.loadavg()[0]!.toFixed(2)}`);

  // Phase 2: the brokerage breaks for OUTAGE of them at once.
  const broken = ids.slice(0, OUTAGE);
  const outageFrom = monotonicMicros();
  const breaking = send(agent, url, broken.map((id) => JSON.stringify(body('CONNECTION_BROKEN', id))), 'BROKEN');
  const load = await breaking;
  const firstAck = load.firstAckAt;
  await until(
    async () =>
      (await count(poller, `SELECT count(*) FROM connections WHERE state = 'broken'`)) >= OUTAGE &&
      (await count(poller, `SELECT count(*) FROM prompt_holds WHERE reason = 'outage' AND cleared_at IS NULL AND ends_at > now()`)) > 0,
    'every broken connection applied, with the outage hold on',
  );
  const allBroken = performance.now();
  const outageWindow = { from: outageFrom, to: monotonicMicros() };
  console.log();
  console.log(`phase 2: outage, ${OUTAGE} CONNECTION_BROKEN`);
  console.log(`  acked in ${load.seconds.toFixed(1)} s (${(OUTAGE / load.seconds).toFixed(0)}/s), ack p99 ${percentile(load.latencies, 99).toFixed(1)} ms, failures ${load.failures}`);
  console.log(`  first BROKEN ack → every one broken and the hold on: ${((allBroken - firstAck) / 1000).toFixed(1)} s`);
  // Long enough for every grace period to end: without the hold, every one of them would be prompted now.
  const holdCheckUntil = allBroken + GRACE_MS + 15_000;
  while (performance.now() < holdCheckUntil) await sleep(1000);
  const promptsDuringHold = prompts.count('connection.reauth_required');
  console.log(`  user prompts during the hold (${((holdCheckUntil - firstAck) / 1000).toFixed(0)} s after the first BROKEN ack, grace ${GRACE_MS / 1000} s): ${promptsDuringHold}`);
  console.log(`  worker RSS now ${mib(rss.now())} MiB, peak ${mib(rss.peak())} MiB; loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await printHistories(server.address, broken.slice(0, HISTORY_SAMPLE).map((id) => connectionWorkflowId('snaptrade', id.connectionId)));
  if (profileDir) {
    stoppingWorker = true;
    await stopProcess(worker.child);
    // One profile per thread, named CPU.<date>.<time>.<pid>.<thread>.<n>: 0 is the main thread, the
    // others the workflow threads.
    for (const name of readdirSync(profileDir).filter((file) => file.includes(`.${worker.child.pid}.`))) {
      summarizeCpuProfile(join(profileDir, name), `worker thread ${name.split('.')[4]}, during the outage, per broken connection`, outageWindow, OUTAGE, { components: false });
    }
  }
}

/**
 * What the server recorded for broken connections, every run of each: one history in full, and over
 * a sample, events per connection and workflow tasks timed out (a task that waited longer than the
 * sticky queue's timeout is handed to the normal queue, with the whole history).
 */
async function printHistories(address: string, workflowIds: readonly string[]): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    let events = 0;
    let timedOut = 0;
    for (const [i, workflowId] of workflowIds.entries()) {
      const types = await historyEventTypes(client, workflowId);
      if (i === 0) console.log(`  history of ${workflowId}: ${types.length} events: ${types.join(' ')}`);
      events += types.length;
      timedOut += types.filter((type) => type === 'workflowTaskTimedOut').length;
    }
    console.log(`  over ${workflowIds.length} broken connections: ${(events / workflowIds.length).toFixed(1)} history events each, ${timedOut} workflow tasks timed out`);
  } finally {
    await connection.close();
  }
}

function parseSeconds(value: string): number {
  const match = /^(\d+)s$/.exec(value);
  if (!match) throw new Error(`--reauth-grace takes seconds, like 20s`);
  return Number(match[1]);
}

/** The app backend's notification endpoint: counts what it is told, by type. */
async function startPromptCounter(): Promise<{ url: string; count(type: string): number; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      try {
        const type = String((JSON.parse(text) as { type?: unknown }).type);
        counts.set(type, (counts.get(type) ?? 0) + 1);
      } catch {
        counts.set('unreadable', (counts.get('unreadable') ?? 0) + 1);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`,
    count: (type) => counts.get(type) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function send(agent: http.Agent, url: string, bodies: string[], what: string): Promise<Load> {
  const load: Load = { latencies: [], failures: 0, firstAckAt: Number.NaN, seconds: 0 };
  let next = 0;
  const started = performance.now();
  let reported = started;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const sent = performance.now();
        const status = await post(agent, url, body).catch(() => 0);
        const now = performance.now();
        if (status === 200) {
          load.latencies.push(now - sent);
          if (Number.isNaN(load.firstAckAt)) load.firstAckAt = now;
        } else load.failures += 1;
        if (now - reported > 10_000) {
          reported = now;
          console.log(`  ${what}: ${next}/${bodies.length} sent; loadavg ${os.loadavg()[0]!.toFixed(2)}`);
        }
      }
    }),
  );
  load.seconds = (performance.now() - started) / 1000;
  return load;
}

function post(agent: http.Agent, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const started = performance.now();
  let reported = started;
  while (!(await condition())) {
    if (performance.now() - reported > 10_000) {
      reported = performance.now();
      console.log(`  waiting for ${what}: ${((reported - started) / 1000).toFixed(0)} s; loadavg ${os.loadavg()[0]!.toFixed(2)}`);
    }
    await sleep(POLL_MS);
  }
}

async function count(poller: pg.Client, sql: string): Promise<number> {
  const { rows } = await poller.query<{ count: string }>(sql);
  return Number(rows[0]!.count);
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
