import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { z } from 'zod';
import { ConfigError, loadConfig, receiverConfigSchema } from '../config/config.ts';
import { adaptersFrom } from '../providers/registry.ts';
import { replayDeadLetter, replayIgnored, type ReplayResult } from '../replay/replay.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { createReceiptLedger } from '../db/receipt-ledger.ts';
import { listNotifications } from '../db/outbox-store.ts';
import { connectionTimeline, journalBacklog, listAlerts, listConnections, listDeadLetters, listIgnored, resolveAlertById } from '../db/ops-queries.ts';
import { listRuns } from '../db/reconciliation-store.ts';
import { reconcilableProviders, triggerReconciliation } from '../temporal/reconcile-schedules.ts';
import { table, type CliIo } from './cli-io.ts';
import { createTemporalClient } from '../temporal/client.ts';
import { userIdAttributeFrom, userWorkflowsQuery } from '../temporal/user-id-attribute.ts';
import { listUserWorkflows } from '../temporal/user-workflows.ts';

export const usage = `usage: npm run ops -- <command>
  connections list [--state broken|degraded|active|connecting|deleted] [--provider P] [--limit N]
  connections show <provider> <connectionId> [--limit N]     the connection's timeline
  dead-letters list [--provider P] [--limit N]
  dead-letters replay <id> [--body FILE] [--force]           through the same adapter and journal, once
  ignored list [--provider P] [--limit N]
  ignored replay <id>                                        once this version orchestrates its type
  journal backlog [--limit N]                                events journaled but not yet signalled
  notifications list [--status pending|sending|sent|failed|cancelled|skipped] [--provider P] [--limit N]
  alerts list [--all]
  alerts resolve <id>
  reconcile runs [--provider P] [--limit N]                 users checked and corrections, latest first
  reconcile now [--provider P]                              through the Schedule (needs TEMPORAL_ADDRESS)
  workflows of-user <provider> <userId>                      the Web UI query for the user's workflows and,
                                                             with TEMPORAL_ADDRESS, the workflows themselves`;

class UsageError extends Error {}
/** The replay was refused or could not be done; nothing changed. */
class ReplayRefused extends Error {}

const opsConfigSchema = z.object({ DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL') });
const temporalConfigSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
});

/** Runs through each provider's Schedule, so they show there beside the scheduled ones. */
async function triggerRuns(io: CliIo, provider: string | undefined): Promise<void> {
  if (provider !== undefined && !(reconcilableProviders as readonly string[]).includes(provider)) {
    throw new UsageError(`--provider takes ${reconcilableProviders.join(' or ')}`);
  }
  const config = loadConfig(temporalConfigSchema, io.env);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const triggered: string[] = [];
    for (const candidate of provider ? [provider] : reconcilableProviders) {
      if (await triggerReconciliation(client, candidate)) triggered.push(candidate);
    }
    if (triggered.length === 0) throw new Error('no reconciliation schedule to trigger: RECONCILE_INTERVAL is off, or the worker has no API client for that provider');
    io.out(`reconciliation started for ${triggered.join(', ')} (after the run in progress, if any); see: reconcile runs`);
  } finally {
    await connection.close();
  }
}
const opsTemporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_ENCRYPTION_KEY: z.string().min(1).optional(),
});

type Command = (pool: Pool, args: string[], io: CliIo) => Promise<void>;

/** Replays need the adapters, so the receiver's whole configuration (run them where the receiver runs). */
function adaptersFor(pool: Pool, io: CliIo) {
  return adaptersFrom(loadConfig(receiverConfigSchema, io.env), { ledger: createReceiptLedger(pool) });
}

function report(io: CliIo, result: ReplayResult): void {
  if (!result.ok) throw new ReplayRefused(result.reason);
  const { fresh, duplicates } = result.journal;
  io.out(`journaled ${fresh.length} event(s)${duplicates > 0 ? `, ${duplicates} already journaled` : ''}; the receiver's sweeper signals them to their workflows`);
}

const listOptions = { provider: { type: 'string' }, limit: { type: 'string', default: '50' } } as const;

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, positionals = 0): Parsed {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length !== positionals) throw new UsageError(`expected ${positionals} argument(s)`);
    return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

function limitOf(value: unknown): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit takes a whole number from 1 to 10000');
  return limit;
}

const notificationStatuses = ['pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped'];

const text = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

const commands: Record<string, Command> = {
  async 'connections list'(pool, args, io) {
    const { values } = parse(args, { ...listOptions, state: { type: 'string' } });
    const rows = await listConnections(pool, { state: text(values.state), provider: text(values.provider), limit: limitOf(values.limit) });
    io.out(table(rows, ['provider', 'connection_id', 'state', 'state_since', 'user_id', 'brokerage_id', 'reauth_exhausted']));
  },
  async 'connections show'(pool, args, io) {
    const { values, positionals } = parse(args, { limit: listOptions.limit }, 2);
    const rows = await connectionTimeline(pool, positionals[0]!, positionals[1]!, limitOf(values.limit));
    io.out(table(rows, ['occurred_at', 'event_type', 'outcome', 'account_id', 'event_id']));
  },
  async 'dead-letters list'(pool, args, io) {
    const { values } = parse(args, listOptions);
    io.out(table(await listDeadLetters(pool, text(values.provider), limitOf(values.limit)), ['id', 'provider', 'received_at', 'replayed_at', 'reason']));
  },
  async 'dead-letters replay'(pool, args, io) {
    const { values, positionals } = parse(args, { body: { type: 'string' }, force: { type: 'boolean', default: false } }, 1);
    const body = typeof values.body === 'string' ? (JSON.parse(readFileSync(values.body, 'utf8')) as unknown) : undefined;
    report(io, await replayDeadLetter(pool, adaptersFor(pool, io), positionals[0]!, { body, force: values.force === true }));
  },
  async 'ignored replay'(pool, args, io) {
    const { positionals } = parse(args, {}, 1);
    report(io, await replayIgnored(pool, adaptersFor(pool, io), positionals[0]!));
  },
  async 'ignored list'(pool, args, io) {
    const { values } = parse(args, listOptions);
    io.out(table(await listIgnored(pool, text(values.provider), limitOf(values.limit)), ['id', 'provider', 'event_type', 'received_at', 'event_id']));
  },
  async 'journal backlog'(pool, args, io) {
    const { values } = parse(args, { limit: listOptions.limit });
    const { summary, rows } = await journalBacklog(pool, limitOf(values.limit));
    io.out(`${summary.pending} pending, ${summary.failing} with failed attempts, oldest received ${summary.oldest?.toISOString() ?? '-'}; ${summary.parked} parked by workflows across continue-as-new`);
    if (rows.length > 0) io.out(table(rows, ['id', 'provider', 'event_type', 'workflow_id', 'received_at', 'dispatch_attempts', 'last_error']));
  },
  async 'notifications list'(pool, args, io) {
    const { values } = parse(args, { ...listOptions, status: { type: 'string' } });
    const status = text(values.status);
    if (status !== undefined && !notificationStatuses.includes(status)) throw new UsageError(`--status takes one of ${notificationStatuses.join(', ')}`);
    const rows = await listNotifications(pool, { status, provider: text(values.provider), limit: limitOf(values.limit) });
    io.out(table(rows, ['notification_id', 'channel', 'type', 'provider', 'connection_id', 'status', 'attempts', 'created_at', 'next_attempt_at', 'last_error']));
  },
  async 'alerts list'(pool, args, io) {
    const { values } = parse(args, { all: { type: 'boolean', default: false } });
    io.out(table(await listAlerts(pool, values.all === true), ['id', 'kind', 'scope', 'status', 'occurrences', 'opened_at', 'message']));
  },
  async 'reconcile runs'(pool, args, io) {
    const { values } = parse(args, listOptions);
    const rows = await listRuns(pool, text(values.provider), limitOf(values.limit));
    io.out(table(rows, ['id', 'provider', 'status', 'started_at', 'finished_at', 'users_checked', 'users_failed', 'corrections']));
  },
  async 'reconcile now'(_pool, args, io) {
    const { values } = parse(args, { provider: { type: 'string' } });
    await triggerRuns(io, text(values.provider));
  },
  async 'alerts resolve'(pool, args, io) {
    const { positionals } = parse(args, {}, 1);
    if (!(await resolveAlertById(pool, positionals[0]!))) throw new UsageError(`no open alert ${positionals[0]}`);
    io.out(`resolved alert ${positionals[0]}`);
  },  async 'workflows of-user'(_pool, args, io) {
    const { positionals } = parse(args, {}, 2);
    const [provider, userId] = positionals as [string, string];
    const env = loadConfig(opsTemporalSchema, io.env);
    // The UserId search attribute holds a keyed hash when payloads are encrypted: the query names the hashes.
    const userIdAttribute = userIdAttributeFrom(env.TEMPORAL_ENCRYPTION_KEY);
    io.out(userWorkflowsQuery(provider, userIdAttribute.candidatesOf(userId)));
    if (!env.TEMPORAL_ADDRESS) return;
    const temporal = createTemporalClient({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, encryptionKey: env.TEMPORAL_ENCRYPTION_KEY });
    try {
      io.out(table(await listUserWorkflows(temporal.client, userIdAttribute, provider, userId), ['workflowId', 'status', 'connectionState']));
    } finally {
      await temporal.connection.close();
    }
  },

};

/** Exit codes: 0 done, 1 failed, 2 bad usage or configuration. */
export async function runOpsCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [noun, verb, ...rest] = argv;
  const command = commands[`${noun} ${verb}`];
  if (!command) {
    io.err(usage);
    return 2;
  }
  let pool: Pool | undefined;
  try {
    const config = loadConfig(opsConfigSchema, io.env);
    pool = createPool(config.DATABASE_URL, 2);
    await command(pool, rest, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    io.err(error instanceof ReplayRefused ? `not replayed: ${error.message}` : error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await pool?.end();
  }
}
