import { parseArgs } from 'node:util';
import { durationMs } from '../config/duration.ts';
import { catalogListing, findEvent, type TriggerProvider } from '../trigger/catalog.ts';
import { MissingSecret } from '../trigger/delivery.ts';
import type { EventTemplate, Subject } from '../trigger/event-template.ts';
import { asJson, describe } from '../trigger/report.ts';
import { loadScenario } from '../trigger/scenario.ts';
import { triggerSecrets } from '../trigger/secrets.ts';
import { send, stateAfter, type TriggerContext } from '../trigger/send.ts';
import type { CliIo } from './cli-io.ts';

const usage = `usage:
  npm run trigger -- <provider> <event> [--user U] [--connection C] [--brokerage B] [--account A]
  npm run trigger -- --scenario FILE [--speed N]
  npm run trigger -- --list

  --to URL        the receiver (default $TRIGGER_URL or http://127.0.0.1:3000)
  --settle D      how long to wait for the worker before showing the state (default 10s)
  --speed N       scenario waits pass N times faster (default 1)
  --json          one JSON line per delivery

Secrets come from the environment (the receiver's variables, UPVEST_WEBHOOK_SIGNING_JWK for
Upvest) or from .data/dev-secrets.json, which \`npm start\` writes.`;

export interface TriggerIo extends CliIo {
  sleep?: (ms: number) => Promise<void>;
}

/** `npm run trigger`: provider webhooks, correctly authenticated, without a provider account. */
export async function runTriggerCli(argv: readonly string[], io: TriggerIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        user: { type: 'string' },
        connection: { type: 'string' },
        brokerage: { type: 'string' },
        account: { type: 'string' },
        to: { type: 'string' },
        settle: { type: 'string', default: '10s' },
        speed: { type: 'string', default: '1' },
        scenario: { type: 'string' },
        list: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help || values.list) {
    io.out(values.help ? usage : catalogListing());
    return 0;
  }

  const settle = durationMs.safeParse(values.settle);
  const speed = Number(values.speed);
  if (!settle.success || !(speed > 0)) {
    io.err(`--settle takes a duration such as 5s, --speed a positive number\n\n${usage}`);
    return 2;
  }

  let secrets;
  try {
    secrets = triggerSecrets(io.env);
  } catch (error) {
    io.err(`cannot read the trigger's secrets: ${(error as Error).message}`);
    return 2;
  }
  const context: TriggerContext = {
    baseUrl: (values.to ?? io.env.TRIGGER_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    secrets,
    fetch: io.fetch ?? fetch,
    settleMs: settle.data,
  };
  const defaults = (provider: TriggerProvider): Subject => ({
    user: 'u1',
    // Vibe's webhooks belong to the one configured account.
    connection: provider === 'vibe' ? (secrets.vibeAccountId ?? 'c1') : 'c1',
    brokerage: 'b1',
    account: 'a1',
  });
  const explicit = Object.fromEntries((['user', 'connection', 'brokerage', 'account'] as const).filter((key) => values[key] !== undefined).map((key) => [key, values[key]!]));
  const print = (text: string) => io.out(text);
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  try {
    if (values.scenario) {
      if (positionals.length > 0) throw new UsageError('--scenario takes no <provider> <event>');
      const scenario = loadScenario(values.scenario, (provider) => ({ ...defaults(provider), ...explicit }));
      if (scenario.description && !values.json) print(scenario.description.trim());
      let failed = false;
      for (const step of scenario.steps) {
        if (step.kind === 'wait') {
          const ms = step.ms / speed;
          if (!values.json) print(`… waiting ${formatMs(step.ms)}${speed === 1 ? '' : ` (${formatMs(ms)} at --speed ${speed})`}${step.note ? `: ${step.note}` : ''}`);
          await sleep(ms);
          continue;
        }
        if (step.note && !values.json) print(`# ${step.note}`);
        failed = !(await deliver(step.provider, step.template, step.subjects, context, values.json, print)) || failed;
      }
      return failed ? 1 : 0;
    }

    const [provider = '', name = '', ...extra] = positionals;
    if (!provider || !name || extra.length > 0) throw new UsageError('name a provider and an event, e.g. snaptrade broken (see --list)');
    const template = findEvent(provider, name);
    if (typeof template === 'string') throw new UsageError(`${template}\n(see npm run trigger -- --list)`);
    const subject = { ...defaults(provider as TriggerProvider), ...explicit };
    return (await deliver(provider as TriggerProvider, template, [subject], context, values.json, print)) ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${usage}`);
      return 2;
    }
    io.err(error instanceof Error ? error.message : String(error));
    return error instanceof MissingSecret ? 2 : 1;
  }
}

class UsageError extends Error {}

/**
 * Sends one delivery per subject, then shows each connection's state: every delivery first, so
 * many connections breaking at once (an outage) arrive together, as they would from the provider.
 */
async function deliver(provider: TriggerProvider, template: EventTemplate, subjects: Subject[], context: TriggerContext, json: boolean, print: (text: string) => void): Promise<boolean> {
  const sent = [];
  for (const subject of subjects) sent.push(await send(provider, template, subject, context));
  const states = await Promise.all(sent.map((one) => stateAfter(one, context)));
  sent.forEach((one, i) => print(json ? asJson(one, states[i]!) : describe(one, states[i]!)));
  return sent.every((one) => one.status >= 200 && one.status < 300);
}

function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${Math.round(ms / 100) / 10}s`;
  return `${Math.round(ms)}ms`;
}
