// `npm run bench` (or `npx tsx bench/webhook-ack.ts`): how fast the receiver acknowledges SnapTrade
// webhooks compared with a naive express handler that only inserts the body, and how long an
// acknowledged event takes to reach its connection's state rows. Everything runs on this machine:
// local PostgreSQL, a Temporal dev server started here, the product as deployed (receiver and worker
// as their own processes) and the baseline as its own process; this process only sends.
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { connectionWorkflowId } from '../src/temporal/workflow-ids.ts';
import type { TestDatabase } from '../test/support/database.ts';
import { freePort } from '../test/support/free-port.ts';
import type { Payload } from '../test/support/snaptrade.ts';
import { monotonicMicros, summarizeCpuProfile } from './cpu-profile.ts';
import { historyEventTypes } from './histories.ts';
import { cpuBetween, pidsNamed, snapshotCpu, type CpuSnapshot, type Watched } from './process-cpu.ts';
import { productEnv, startProcess, startProduct, stopProcess, waitForHttp, type Started } from './processes.ts';
import { benchSetup, printMachine, runBench, registerCleanup } from './support.ts';

// `--profile <dir>`: the receiver runs under `node --cpu-prof`, which writes its profile into <dir> as
// it exits; what it did during the product's measured requests is summarised after the figures.
const { values: args } = parseArgs({ options: { profile: { type: 'string' } } });
const profileDir = args.profile ? resolve(args.profile) : undefined;
const profileFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

const CONCURRENCY = 16;
const WARMUP_REQUESTS = 200;
const MEASURED_REQUESTS = 3000;
const CONNECTIONS = 200;
const STATE_SAMPLES = 200;
const STATE_POLL_MS = 5;
const DRAIN_POLL_MS = 50;
const STATE_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;
/** Connections whose histories are counted after the burst. */
const HISTORY_SAMPLE = 20;
const WEBHOOK_PATH = '/webhooks/snaptrade';

/** Connection-scoped and never terminal, so every event lands in a running connection workflow. */
const EVENT_TYPES = [
  'CONNECTION_ADDED',
  'CONNECTION_UPDATED',
  'NEW_ACCOUNT_AVAILABLE',
  'ACCOUNT_TRANSACTIONS_INITIAL_UPDATE',
  'ACCOUNT_TRANSACTIONS_UPDATED',
  'CONNECTION_BROKEN',
  'CONNECTION_FIXED',
  'TRADES_PLACED',
] as const;
const ACCOUNT_SCOPED: ReadonlySet<string> = new Set([
  'NEW_ACCOUNT_AVAILABLE',
  'ACCOUNT_TRANSACTIONS_INITIAL_UPDATE',
  'ACCOUNT_TRANSACTIONS_UPDATED',
  'TRADES_PLACED',
]);

interface BenchConnection {
  userId: string;
  connectionId: string;
  accountId: string;
}

interface BenchEvent {
  eventId: string;
  body: string;
}

interface Reply {
  status: number;
  latencyMs: number;
  /** performance.now() when the last byte of the answer arrived: the moment of the ack. */
  ackedAt: number;
  /** The body of an answer other than 200, which says why. */
  problem?: string;
}

interface LoadResult {
  acks: number;
  failures: Map<string, number>;
  seconds: number;
  latencies: number[];
}

interface Measured extends LoadResult {
  /** CPU seconds each watched process spent during the measured requests, and where that count began. */
  cpu: Map<string, number>;
  cpuFrom: CpuSnapshot;
}

interface Target {
  url: string;
  /** The process that answers: the profiled one under `--profile`. */
  server: Started;
}

interface Product extends Target {
  db: TestDatabase;
  worker: Started;
}

type Window = { from: number; to: number };

interface DrainResult {
  backlogAtEnd: number;
  undispatchedAtEnd: number;
  drainedAfterMs: number | undefined;
}

runBench(main);

async function main(): Promise<void> {
  printMachine();
  const { server, support } = await benchSetup();

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  registerCleanup(async () => agent.destroy());
  const connections = makeConnections(CONNECTIONS);
  const nextEvent = eventSource(support.snapTradePayload, connections);

  // Baseline before and after the product: on a shared machine the background load drifts, and two
  // baseline runs show how much. The second waits until the product's backlog has drained.
  const baseline = await startBaseline(support.createTestDatabase);
  const postgres: Watched = { name: 'Postgres (all backends)', pids: () => pidsNamed('postgres') };
  const load: Watched = { name: 'load generator (this bench)', pids: () => [process.pid] };
  const baselineWatched = [{ name: 'baseline handler', pids: () => [baseline.server.child.pid!] }, postgres, load];
  const baselineWindow = { from: 0, to: 0 };
  const baselineBefore = await measure('baseline', agent, baseline.url, nextEvent, baselineWatched, baselineWindow);

  const product = await launchProduct(server.address, support.createTestDatabase);
  const productWatched = [
    { name: 'receiver', pids: () => [product.server.child.pid!] },
    { name: 'worker', pids: () => [product.worker.child.pid!] },
    { name: 'Temporal dev server', pids: () => [server.process.pid!] },
    postgres,
    load,
  ];
  const poller = new pg.Client({ connectionString: product.db.url });
  await poller.connect();
  registerCleanup(() => poller.end());
  const window = { from: 0, to: 0 };
  const productResult = await measure('product', agent, product.url, nextEvent, productWatched, window);
  const drain = await waitForDrain(poller);
  const untilDrained = cpuBetween(productResult.cpuFrom, snapshotCpu(productWatched));
  const signalling = await countSignalling(server.address, poller, connections.slice(0, HISTORY_SAMPLE));
  const stateLatencies = await sampleAckToState(agent, product.url, poller, nextEvent);
  const baselineAfter = await measure('baseline again', agent, baseline.url, nextEvent, baselineWatched);

  printResults({ baselineBefore, product: productResult, baselineAfter }, stateLatencies, drain, signalling);
  printCpuBudget(baselineBefore, productResult, untilDrained, drain);
  reportProductLogProblems(product.server.lines);
  if (profileDir) {
    await summarizeProfile(baseline.server, 'baseline, during its first measured requests', baselineWindow);
    await summarizeProfile(product.server, "receiver, during the product's measured requests", window);
  }
}

/** Stops the process, so that it writes its profile, and summarises what it did within `window`. */
async function summarizeProfile(target: Started, title: string, window: Window): Promise<void> {
  await stopProcess(target.child);
  // One profile per thread, named CPU.<date>.<time>.<pid>.<thread>.<n>: the main thread is 0.
  const main = readdirSync(profileDir!).find((name) => name.includes(`.${target.child.pid}.0.`));
  if (!main) throw new Error(`no profile of ${title} in ${profileDir}`);
  summarizeCpuProfile(join(profileDir!, main), title, window, MEASURED_REQUESTS);
}

/**
 * Receiver and worker as the Dockerfile runs them (from dist/), with their deployed defaults
 * (info logs, a 5 s sweeper with a 10 s grace), on a fresh migrated database.
 */
async function launchProduct(temporalAddress: string, createTestDatabase: () => Promise<TestDatabase>): Promise<Product> {
  const db = await createTestDatabase();
  registerCleanup(() => db.drop());
  const port = await freePort();
  const env = productEnv({ databaseUrl: db.url, temporalAddress, port, logLevel: 'info' });
  const worker = startProduct('worker', env);
  const server = startProduct('receiver', env, { keepLogs: true, nodeFlags: profileFlags });
  const url = `http://127.0.0.1:${port}`;
  // Ready, not only alive: until its database is, the receiver answers webhooks 503.
  await waitForHttp(`${url}/readyz`);
  return { url, db, server, worker };
}


/** What a first implementation would do (bench/naive-receiver.ts), on its own fresh database. */
async function startBaseline(createTestDatabase: () => Promise<TestDatabase>): Promise<Target> {
  const db = await createTestDatabase();
  registerCleanup(() => db.drop());
  const port = await freePort();
  const server = startProcess('bench/naive-receiver.ts', { ...process.env, DATABASE_URL: db.url, PORT: String(port) }, { nodeFlags: profileFlags });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`);
  return { url, server };
}

// ---------------------------------------------------------------------------------------------
// Events

function makeConnections(count: number): BenchConnection[] {
  return Array.from({ length: count }, (_, i) => ({
    userId: `bench-user-${i}`,
    connectionId: `bench-connection-${i}`,
    accountId: `bench-account-${i}`,
  }));
}

/**
 * Round-robin over connections; the type index also advances once per round, so each connection
 * sees every type and consecutive requests differ in type. Every call is a new webhookId, so
 * nothing is deduplicated.
 */
function eventSource(snapTradePayload: (eventType: string, overrides?: Payload) => Payload, connections: readonly BenchConnection[]): () => BenchEvent {
  let sent = 0;
  return () => {
    const connection = connections[sent % connections.length]!;
    const eventType = EVENT_TYPES[(sent + Math.floor(sent / connections.length)) % EVENT_TYPES.length]!;
    sent += 1;
    const payload = snapTradePayload(eventType, {
      userId: connection.userId,
      brokerageAuthorizationId: connection.connectionId,
      eventTimestamp: new Date().toISOString(),
      ...(ACCOUNT_SCOPED.has(eventType) ? { accountId: connection.accountId } : {}),
    });
    return { eventId: `${eventType}:${String(payload.webhookId)}`, body: JSON.stringify(payload) };
  };
}

// ---------------------------------------------------------------------------------------------
// Load

function post(agent: http.Agent, url: string, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('error', reject);
        response.on('end', () => {
          const ackedAt = performance.now();
          resolve({ status: response.statusCode ?? 0, latencyMs: ackedAt - started, ackedAt, ...(response.statusCode === 200 ? {} : { problem: problemTitle(text) }) });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function problemTitle(text: string): string {
  try {
    return String((JSON.parse(text) as { title?: unknown }).title);
  } catch {
    return text.slice(0, 100);
  }
}

/** CONCURRENCY lanes, each sending its next body as soon as its previous one is answered. */
async function runLoad(agent: http.Agent, url: string, bodies: readonly string[]): Promise<LoadResult> {
  const result: LoadResult = { acks: 0, failures: new Map(), seconds: 0, latencies: [] };
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const outcome = await post(agent, url, body).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (typeof outcome !== 'string' && outcome.status === 200) {
        result.acks += 1;
        result.latencies.push(outcome.latencyMs);
      } else {
        const key = typeof outcome === 'string' ? outcome : `HTTP ${outcome.status} ${outcome.problem ?? ''}`;
        result.failures.set(key, (result.failures.get(key) ?? 0) + 1);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** `window`, when given, is set to when the measured requests ran (on the clock of CPU profiles). */
async function measure(name: string, agent: http.Agent, baseUrl: string, nextEvent: () => BenchEvent, watched: readonly Watched[], window?: Window): Promise<Measured> {
  const url = `${baseUrl}${WEBHOOK_PATH}`;
  // Bodies are built up front so that building them is not part of what is timed.
  const bodies = (count: number) => Array.from({ length: count }, () => nextEvent().body);
  console.log(`${name}: warm-up ${WARMUP_REQUESTS}, then ${MEASURED_REQUESTS} requests at ${CONCURRENCY} in flight`);
  const warmup = await runLoad(agent, url, bodies(WARMUP_REQUESTS));
  if (warmup.acks !== WARMUP_REQUESTS) throw new Error(`${name} warm-up failed: ${describeFailures(warmup.failures)}`);
  const measured = bodies(MEASURED_REQUESTS);
  const from = monotonicMicros();
  const cpuFrom = snapshotCpu(watched);
  const result = await runLoad(agent, url, measured);
  const cpu = cpuBetween(cpuFrom, snapshotCpu(watched));
  if (window) Object.assign(window, { from, to: monotonicMicros() });
  if (result.failures.size > 0) console.log(`  ${name} failures: ${describeFailures(result.failures)}`);
  return { ...result, cpu, cpuFrom };
}

function describeFailures(failures: ReadonlyMap<string, number>): string {
  return [...failures].map(([reason, count]) => `${count} × ${reason}`).join(', ') || 'none';
}

// ---------------------------------------------------------------------------------------------
// From ack to state

async function countBacklog(poller: pg.Client): Promise<{ backlog: number; undispatched: number }> {
  const { rows } = await poller.query<{ journaled: string; applied: string; undispatched: string }>(
    `SELECT (SELECT count(*) FROM webhook_journal WHERE status <> 'ignored') AS journaled,
            (SELECT count(*) FROM connection_events) AS applied,
            (SELECT count(*) FROM webhook_journal WHERE status = 'pending') AS undispatched`,
  );
  const row = rows[0]!;
  return { backlog: Number(row.journaled) - Number(row.applied), undispatched: Number(row.undispatched) };
}

/** Every event sent is connection-scoped, so each journal row should end as one connection_events row. */
async function waitForDrain(poller: pg.Client): Promise<DrainResult> {
  const started = performance.now();
  const atEnd = await countBacklog(poller);
  console.log(`product: load done; ${atEnd.backlog} journaled events not yet applied, ${atEnd.undispatched} not yet signalled`);
  for (let backlog = atEnd.backlog; backlog > 0; backlog = (await countBacklog(poller)).backlog) {
    if (performance.now() - started > DRAIN_TIMEOUT_MS) {
      console.log(`  still ${backlog} events unapplied after ${DRAIN_TIMEOUT_MS / 1000} s; giving up on the drain`);
      return { backlogAtEnd: atEnd.backlog, undispatchedAtEnd: atEnd.undispatched, drainedAfterMs: undefined };
    }
    await sleep(DRAIN_POLL_MS);
  }
  return { backlogAtEnd: atEnd.backlog, undispatchedAtEnd: atEnd.undispatched, drainedAfterMs: performance.now() - started };
}

interface Signalling {
  events: number;
  signals: number;
  workflowTasks: number;
}

/** What the dispatcher cost the server: signals and workflow tasks per event applied, in a sample of connections. */
async function countSignalling(temporalAddress: string, poller: pg.Client, sample: readonly BenchConnection[]): Promise<Signalling> {
  const client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
  try {
    const counted: Signalling = { events: 0, signals: 0, workflowTasks: 0 };
    for (const connection of sample) {
      const types = await historyEventTypes(client, connectionWorkflowId('snaptrade', connection.connectionId));
      counted.signals += types.filter((type) => type === 'workflowExecutionSignaled').length;
      counted.workflowTasks += types.filter((type) => type === 'workflowTaskCompleted').length;
      const { rows } = await poller.query<{ count: string }>(`SELECT count(*) FROM connection_events WHERE provider = 'snaptrade' AND connection_id = $1`, [connection.connectionId]);
      counted.events += Number(rows[0]!.count);
    }
    return counted;
  } finally {
    await client.connection.close();
  }
}

async function waitForStateRow(poller: pg.Client, eventId: string): Promise<boolean> {
  const deadline = performance.now() + STATE_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const { rowCount } = await poller.query(`SELECT 1 FROM connection_events WHERE provider = 'snaptrade' AND event_id = $1`, [eventId]);
    if (rowCount) return true;
    await sleep(STATE_POLL_MS);
  }
  return false;
}

/** One event at a time on an otherwise idle product, so each figure is one event's own path. */
async function sampleAckToState(agent: http.Agent, baseUrl: string, poller: pg.Client, nextEvent: () => BenchEvent): Promise<number[]> {
  console.log(`product: ${STATE_SAMPLES} single events, ack → connection_events row`);
  const latencies: number[] = [];
  for (let i = 0; i < STATE_SAMPLES; i++) {
    const event = nextEvent();
    const reply = await post(agent, `${baseUrl}${WEBHOOK_PATH}`, event.body);
    if (reply.status !== 200) throw new Error(`sample ${event.eventId} answered HTTP ${reply.status}`);
    if (!(await waitForStateRow(poller, event.eventId))) throw new Error(`no connection_events row for ${event.eventId} after ${STATE_TIMEOUT_MS} ms`);
    latencies.push(performance.now() - reply.ackedAt);
  }
  return latencies;
}

// ---------------------------------------------------------------------------------------------
// Report

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

function figures(result: LoadResult): Figures {
  return { perSecond: result.acks / result.seconds, p50: percentile(result.latencies, 50), p99: percentile(result.latencies, 99) };
}

/** Both baseline runs as one sample, for the ratios. */
function pooled(a: LoadResult, b: LoadResult): LoadResult {
  const failures = new Map(a.failures);
  for (const [reason, count] of b.failures) failures.set(reason, (failures.get(reason) ?? 0) + count);
  return { acks: a.acks + b.acks, failures, seconds: a.seconds + b.seconds, latencies: [...a.latencies, ...b.latencies] };
}

function row(cells: readonly string[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(28) : cell.padStart(9))).join(' ');
}

function loadRow(name: string, result: LoadResult): string {
  const f = figures(result);
  const failed = [...result.failures.values()].reduce((sum, count) => sum + count, 0);
  return row([name, String(result.acks), String(failed), f.perSecond.toFixed(0), f.p50.toFixed(2), f.p99.toFixed(2)]);
}

interface LoadResults {
  baselineBefore: LoadResult;
  product: LoadResult;
  baselineAfter: LoadResult;
}

function printResults(results: LoadResults, stateLatencies: readonly number[], drain: DrainResult, signalling: Signalling): void {
  const baseline = pooled(results.baselineBefore, results.baselineAfter);
  const base = figures(baseline);
  const product = figures(results.product);
  const times = (value: number) => `${value.toFixed(2)}×`;
  const ms = (value: number) => value.toFixed(2);
  console.log();
  console.log(`POST ${WEBHOOK_PATH}: ${MEASURED_REQUESTS} requests per run after ${WARMUP_REQUESTS} warm-up, ${CONCURRENCY} in flight, ${CONNECTIONS} connections`);
  console.log(row(['target', 'acks', 'failed', 'acks/s', 'p50 ms', 'p99 ms']));
  console.log(loadRow('baseline, before product', results.baselineBefore));
  console.log(loadRow('product (receiver)', results.product));
  console.log(loadRow('baseline, after product', results.baselineAfter));
  console.log(loadRow('baseline, both runs pooled', baseline));
  console.log(row(['product / baseline pooled', '', '', times(product.perSecond / base.perSecond), times(product.p50 / base.p50), times(product.p99 / base.p99)]));
  console.log();
  console.log(`ack → connection_events row, ${stateLatencies.length} events one at a time (polled every ${STATE_POLL_MS} ms)`);
  console.log(`  p50 ${ms(percentile(stateLatencies, 50))} ms   p99 ${ms(percentile(stateLatencies, 99))} ms   max ${ms(Math.max(...stateLatencies))} ms`);
  const drained = drain.drainedAfterMs === undefined ? 'not within the timeout' : `${(drain.drainedAfterMs / 1000).toFixed(1)} s`;
  console.log(`after the product's load phase: ${drain.backlogAtEnd} events journaled but not yet applied (${drain.undispatchedAtEnd} not yet signalled); all applied ${drained} later`);
  const perEvent = (count: number) => (count / signalling.events).toFixed(2);
  console.log(`per applied event, in ${HISTORY_SAMPLE} connections' histories: ${perEvent(signalling.signals)} signals, ${perEvent(signalling.workflowTasks)} workflow tasks (${signalling.events} events)`);
  console.log(`loadavg at end: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
}

/**
 * CPU milliseconds each process spent per acknowledged webhook, and how many of the machine's cores
 * the whole stack kept busy: what bounds the ack rate when every process shares the same cores.
 */
function printCpuBudget(baseline: Measured, product: Measured, untilDrained: Map<string, number>, drain: DrainResult): void {
  const perAck = (seconds: number, acks: number) => ((seconds * 1000) / acks).toFixed(2);
  const total = (cpu: Map<string, number>) => [...cpu.values()].reduce((sum, seconds) => sum + seconds, 0);
  const drainedSeconds = product.seconds + (drain.drainedAfterMs ?? Number.NaN) / 1000;
  console.log();
  console.log(`CPU per acknowledged webhook (ms), from /proc; ${os.cpus().length} cores`);
  console.log(row(['process', 'baseline', 'product', 'to drain']));
  console.log(row(['', 'measured', 'measured', 'all applied']));
  const names = new Set([...baseline.cpu.keys(), ...product.cpu.keys()]);
  const cell = (cpu: Map<string, number>, name: string, acks: number) => (cpu.has(name) ? perAck(cpu.get(name)!, acks) : '');
  for (const name of names) {
    console.log(row([name, cell(baseline.cpu, name, baseline.acks), cell(product.cpu, name, product.acks), cell(untilDrained, name, product.acks)]));
  }
  console.log(row(['all of them', perAck(total(baseline.cpu), baseline.acks), perAck(total(product.cpu), product.acks), perAck(total(untilDrained), product.acks)]));
  console.log(row(['cores kept busy', (total(baseline.cpu) / baseline.seconds).toFixed(2), (total(product.cpu) / product.seconds).toFixed(2), (total(untilDrained) / drainedSeconds).toFixed(2)]));
}

/** The product's own warnings (dispatch failures, sweeps) explain odd figures, so they are surfaced. */
function reportProductLogProblems(logs: readonly string[]): void {
  const levels = new Map<string, number>();
  for (const line of logs) {
    const parsed = parseLogLine(line);
    if (parsed && parsed.level >= 40) levels.set(parsed.msg, (levels.get(parsed.msg) ?? 0) + 1);
  }
  const sweeps = logs.filter((line) => line.includes('sweeper dispatched')).length;
  console.log(`product warnings/errors: ${describeFailures(levels)}; sweeper runs that found work: ${sweeps}`);
}

function parseLogLine(line: string): { level: number; msg: string } | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const { level, msg } = value as { level?: unknown; msg?: unknown };
    return typeof level === 'number' ? { level, msg: typeof msg === 'string' ? msg : '' } : undefined;
  } catch {
    return undefined;
  }
}
