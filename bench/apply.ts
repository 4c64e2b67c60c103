// `npm run bench:apply`: how fast the product's workflows apply events, against the ceiling of the
// same dev server in the same run: signalWithStart to a workflow that only counts its signals.
// Both get the same events with the same signalWithStart calls, 32 in flight; the product's are
// those its dispatcher makes (connection workflow, its input, its signal), so what differs is only
// what the workflows do with them. Run against an older revision, the same script measures "before".
// Each phase also reports the CPU every process spent on it (from /proc). `--profile <dir>`: the bench
// reruns itself under `node --cpu-prof` and then summarises each of its threads' CPU per phase, the
// workflow threads of both workers included (bench/phase-profile.ts).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import type { ConnectionEvent } from '../src/domain/connection-event.ts';
import { workflowIdFor } from '../src/temporal/workflow-ids.ts';
import { providerKey, userIdKey } from '../workflows/search-attributes.ts';
import { monotonicMicros } from './cpu-profile.ts';
import { historyEventTypes } from './histories.ts';
import { PHASES_FILE, profiledRun, rerunProfiled, type PhaseWindow } from './phase-profile.ts';
import { cpuBetween, pidsNamed, snapshotCpu, type Watched } from './process-cpu.ts';
import { counterWorkflow } from './workflows/counter.ts';
import { benchSetup, printMachine, runBench, registerCleanup } from './support.ts';

const IN_FLIGHT = 32;
const BURST_EVENTS = 3000;
const BURST_CONNECTIONS = 200;
const NEW_CONNECTIONS = 3000;
const POLL_MS = 20;
const TIMEOUT_MS = 10 * 60_000;

/** Connection-scoped and never terminal, rotating as in the ack bench. */
const TYPES = ['connection.added', 'connection.updated', 'account.added', 'account.transactions_updated', 'connection.broken', 'connection.fixed', 'account.trades_placed'] as const;

interface Phase {
  name: string;
  events: number;
  seconds: number;
  /** What the server stored for these events, per event, from a sample of the workflows' histories. */
  cost?: HistoryCost;
  /** CPU seconds per process from the first send until applied (history counting excluded). */
  cpu: Map<string, number>;
  window: PhaseWindow;
}

interface HistoryCost {
  historyEvents: number;
  workflowTasks: number;
  activityTasks: number;
  markers: number;
}

const HISTORY_SAMPLE = 20;

const profiling = profiledRun();
if (profiling === undefined) runBench(main);
else if (profiling.rerun) rerunProfiled(profiling.dir);
else runBench(() => main(profiling.dir));

async function main(profileDir?: string): Promise<void> {
  printMachine();
  const { server, support } = await benchSetup();
  const watched: Watched[] = [
    { name: 'Temporal dev server', pids: () => [server.process.pid!] },
    { name: 'this bench: both workers, the client', pids: () => [process.pid] },
    { name: 'Postgres (all backends)', pids: () => pidsNamed('postgres') },
  ];
  const connection = await NativeConnection.connect({ address: server.address });
  registerCleanup(() => connection.close());
  const client = new Client({ connection: Connection.lazy({ address: server.address }) });
  registerCleanup(() => client.connection.close());

  const counterQueue = `bench-counter-${randomUUID()}`;
  const counter = await Worker.create({ connection, taskQueue: counterQueue, workflowsPath: new URL('./workflows/counter.ts', import.meta.url).pathname });
  const counterRun = counter.run();
  registerCleanup(async () => {
    counter.shutdown();
    await counterRun;
  });

  const stack = await support.startStack({ env: { LOG_LEVEL: 'info', SWEEP_INTERVAL: '5s', SWEEP_GRACE: '60s' } });
  registerCleanup(() => stack.stop());
  const poller = new pg.Client({ connectionString: stack.db.url });
  await poller.connect();
  registerCleanup(() => poller.end());

  const phases: Phase[] = [];
  const burst = () => burstEvents(BURST_EVENTS, BURST_CONNECTIONS);
  const ceiling = ceilingSender(client, counterQueue, watched);
  phases.push(await ceiling('A  ceiling: counting workflow, 3000 signals over 200 ids', burst()));
  const product = productSender(client, stack.config.TEMPORAL_TASK_QUEUE, poller, watched);
  phases.push(await product('P  product: its workflows, same 3000 over 200', burst()));
  phases.push(await ceiling('A\' ceiling again', burst()));
  const starts = () => burstEvents(NEW_CONNECTIONS, NEW_CONNECTIONS, 'connection.added');
  phases.push(await ceiling('S  ceiling: 3000 trivial workflows started (one signal each)', starts()));
  phases.push(await product('N  product: first events (ADDED) of 3000 new connections', starts()));
  phases.push(await ceiling('S\' ceiling again', starts()));

  const rate = (phase: Phase) => phase.events / phase.seconds;
  console.log();
  console.log(`${'phase'.padEnd(62)} ${'events'.padStart(7)} ${'seconds'.padStart(8)} ${'events/s'.padStart(9)}   per event: history events, workflow tasks, activity tasks, markers`);
  for (const phase of phases) {
    const cost = phase.cost ? [phase.cost.historyEvents, phase.cost.workflowTasks, phase.cost.activityTasks, phase.cost.markers].map((n) => n.toFixed(2)).join(', ') : '';
    console.log(`${phase.name.padEnd(62)} ${String(phase.events).padStart(7)} ${phase.seconds.toFixed(2).padStart(8)} ${rate(phase).toFixed(0).padStart(9)}   ${cost}`);
  }
  const pooledRate = (a: Phase, b: Phase) => (a.events + b.events) / (a.seconds + b.seconds);
  console.log(`apply:          product / ceiling pooled = ${(rate(phases[1]!) / pooledRate(phases[0]!, phases[2]!)).toFixed(2)}×`);
  console.log(`new connections: product / trivial starts pooled = ${(rate(phases[4]!) / pooledRate(phases[3]!, phases[5]!)).toFixed(2)}×`);
  printCpu(phases, watched);
  console.log(`loadavg at end: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  if (profileDir) writeFileSync(join(profileDir, PHASES_FILE), JSON.stringify(phases.map(({ name, events, window }) => ({ name, events, window }))));
}

function printCpu(phases: readonly Phase[], watched: readonly Watched[]): void {
  console.log();
  console.log(`CPU per event (ms), from /proc, first send until applied; ${os.cpus().length} cores`);
  const cell = (text: string) => text.padStart(8);
  console.log(`${'process'.padEnd(40)} ${phases.map((phase) => cell(phase.name.slice(0, 2).trim())).join(' ')}`);
  const perEvent = (phase: Phase, seconds: number) => cell(((1000 * seconds) / phase.events).toFixed(2));
  for (const { name } of watched) console.log(`${name.padEnd(40)} ${phases.map((phase) => perEvent(phase, phase.cpu.get(name) ?? 0)).join(' ')}`);
  const total = (phase: Phase) => [...phase.cpu.values()].reduce((sum, seconds) => sum + seconds, 0);
  console.log(`${'all of them'.padEnd(40)} ${phases.map((phase) => perEvent(phase, total(phase))).join(' ')}`);
  console.log(`${'cores kept busy'.padEnd(40)} ${phases.map((phase) => cell((total(phase) / phase.seconds).toFixed(2))).join(' ')}`);
}

/** Runs `send`, then reports it with the CPU every watched process spent and its window on the profiles' clock. */
async function measured(name: string, events: number, watched: readonly Watched[], send: () => Promise<void>, cost: () => Promise<HistoryCost>): Promise<Phase> {
  const cpuFrom = snapshotCpu(watched);
  const from = monotonicMicros();
  const started = performance.now();
  await send();
  const seconds = (performance.now() - started) / 1000;
  const window = { from, to: monotonicMicros() };
  const cpu = cpuBetween(cpuFrom, snapshotCpu(watched));
  return report({ name, events, seconds, cpu, window, cost: await cost() });
}

function burstEvents(count: number, connections: number, only?: ConnectionEvent['type']): ConnectionEvent[] {
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, i) => {
    const c = i % connections;
    const type = only ?? TYPES[(i + Math.floor(i / connections)) % TYPES.length]!;
    const occurredAt = new Date(Date.now() + i).toISOString().replace('Z', '000Z');
    return {
      provider: 'snaptrade',
      eventId: `${type}:${run}:${i}`,
      type,
      occurredAt,
      userId: `bench-user-${run}-${c}`,
      connectionId: `bench-connection-${run}-${c}`,
      brokerageId: 'bench-brokerage',
      ...(type.startsWith('account.') ? { accountId: `bench-account-${run}-${c}` } : {}),
      detail: {},
    };
  });
}

/** Sends with `IN_FLIGHT` lanes, each sending its next as soon as the previous one is answered. */
async function lanes<T>(items: readonly T[], send: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) await send(items[next++]!);
    }),
  );
}

function ceilingSender(client: Client, taskQueue: string, watched: readonly Watched[]) {
  return (name: string, events: ConnectionEvent[]): Promise<Phase> => {
    const expected = new Map<string, number>();
    for (const event of events) expected.set(event.connectionId!, (expected.get(event.connectionId!) ?? 0) + 1);
    const send = async () => {
      await lanes(events, (event) =>
        client.workflow.signalWithStart(counterWorkflow, {
          workflowId: `counter:${event.connectionId}`,
          taskQueue,
          args: [expected.get(event.connectionId!)!],
          signal: 'connectionEvent',
          signalArgs: [event],
        }),
      );
      // Each result is a long poll: a few at a time, or the dev server refuses them (namespace poller limit).
      await lanes([...expected.keys()], (id) => client.workflow.getHandle(`counter:${id}`).result());
    };
    return measured(name, events.length, watched, send, () => historyCost(client, events, (event) => `counter:${event.connectionId}`));
  };
}

function productSender(client: Client, taskQueue: string, poller: pg.Client, watched: readonly Watched[]) {
  return async (name: string, events: ConnectionEvent[]): Promise<Phase> => {
    const before = await applied(poller);
    const send = async () => {
      const deadline = performance.now() + TIMEOUT_MS;
      await lanes(events, (event) =>
        client.workflow.signalWithStart('connectionWorkflow', {
          workflowId: workflowIdFor(event),
          taskQueue,
          args: [{ provider: event.provider, connectionId: event.connectionId!, maxEventsPerRun: 500, startedPatched: true }],
          signal: 'connectionEvents',
          signalArgs: [[event]],
          typedSearchAttributes: [
            { key: providerKey, value: event.provider },
            { key: userIdKey, value: event.userId },
          ],
        }),
      );
      for (;;) {
        if ((await applied(poller)) - before >= events.length) break;
        if (performance.now() > deadline) throw new Error(`${name}: not applied within ${TIMEOUT_MS / 1000} s`);
        await sleep(POLL_MS);
      }
    };
    return measured(name, events.length, watched, send, () => historyCost(client, events, workflowIdFor));
  };
}

/**
 * Counted, not timed, so it does not depend on the machine's load: what the server wrote to the
 * histories of a sample of the workflows (every run, continue-as-new included), per event they got.
 */
async function historyCost(client: Client, events: readonly ConnectionEvent[], idOf: (event: ConnectionEvent) => string): Promise<HistoryCost> {
  const perWorkflow = new Map<string, number>();
  for (const event of events) perWorkflow.set(idOf(event), (perWorkflow.get(idOf(event)) ?? 0) + 1);
  const sample = [...perWorkflow.keys()].slice(0, HISTORY_SAMPLE);
  const cost: HistoryCost = { historyEvents: 0, workflowTasks: 0, activityTasks: 0, markers: 0 };
  let sampled = 0;
  for (const workflowId of sample) {
    sampled += perWorkflow.get(workflowId)!;
    const types = await historyEventTypes(client, workflowId);
    cost.historyEvents += types.length;
    cost.workflowTasks += types.filter((type) => type === 'workflowTaskCompleted').length;
    cost.activityTasks += types.filter((type) => type === 'activityTaskScheduled').length;
    cost.markers += types.filter((type) => type === 'markerRecorded').length;
  }
  return { historyEvents: cost.historyEvents / sampled, workflowTasks: cost.workflowTasks / sampled, activityTasks: cost.activityTasks / sampled, markers: cost.markers / sampled };
}

async function applied(poller: pg.Client): Promise<number> {
  const { rows } = await poller.query<{ n: string }>(`SELECT count(*) AS n FROM connection_events`);
  return Number(rows[0]!.n);
}

function report(phase: Phase): Phase {
  console.log(`${phase.name}: ${phase.events} in ${phase.seconds.toFixed(2)} s (${(phase.events / phase.seconds).toFixed(0)}/s); loadavg ${os.loadavg()[0]!.toFixed(2)}`);
  return phase;
}
