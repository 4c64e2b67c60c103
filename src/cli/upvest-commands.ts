import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { CliIo } from './cli-io.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { upvestCliConfigSchema, type UpvestCliConfig } from '../config/upvest-config.ts';
import type { UpvestApi } from '../providers/upvest/api/client.ts';
import { upvestApiFrom } from '../providers/upvest/api/from-config.ts';
import { describeProblem, UpvestApiError } from '../providers/upvest/api/problem.ts';
import { listQuerySchema, webhookCreateSchema, webhookUpdateSchema, type Webhook } from '../providers/upvest/api/schemas.ts';
import { keysById, usableJwks } from '../providers/upvest/jwks.ts';


export const usage = `usage: npm run upvest -- webhooks <command>
  list [--sort created_at|updated_at|title|url|enabled] [--order ASC|DESC] [--offset N] [--limit N] [--json]
  get <id>
  create --title TITLE --url URL [--type USER,ACCOUNT,...] [--delay 5s] [--max-package-size BYTES]
  update <id> [--title TITLE] [--url URL] [--type ...] [--enabled true|false] [--delay 5s] [--max-package-size BYTES]
  delete <id>
  test <id>
  keys [--out FILE]   writes the JWKS the receiver verifies with (default: the UPVEST_WEBHOOK_JWKS file)`;

class UsageError extends Error {}

type Command = (api: UpvestApi, args: string[], io: CliIo, config: UpvestCliConfig) => Promise<void>;

const subscriptionOptions = {
  title: { type: 'string' },
  url: { type: 'string' },
  type: { type: 'string' },
  delay: { type: 'string' },
  'max-package-size': { type: 'string' },
} as const;

const commands: Record<string, Command> = {
  async list(api, args, io) {
    const { values } = parse(args, {
      sort: { type: 'string' },
      order: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    const list = await api.listWebhooks(valid(listQuerySchema, { sort: values.sort, order: values.order?.toUpperCase(), offset: values.offset, limit: values.limit }));
    if (values.json) return io.out(JSON.stringify(list, null, 2));
    for (const webhook of list.data) io.out(summary(webhook));
    const { meta } = list;
    const sorted = meta.sort ? `, sorted by ${meta.sort} ${meta.order ?? ''}`.trimEnd() : '';
    io.out(`${meta.count} of ${meta.total_count} (offset ${meta.offset}, limit ${meta.limit}${sorted})`);
  },
  async get(api, args, io) {
    io.out(JSON.stringify(await api.getWebhook(idOf(args)), null, 2));
  },
  async create(api, args, io) {
    const { values } = parse(args, subscriptionOptions);
    const created = await api.createWebhook(valid(webhookCreateSchema, subscriptionFields(values)));
    io.out(JSON.stringify(created, null, 2));
  },
  async update(api, args, io) {
    const { values, positionals } = parse(args, { ...subscriptionOptions, enabled: { type: 'string' } }, true);
    const enabled = values.enabled === undefined ? undefined : values.enabled === 'true' ? true : values.enabled === 'false' ? false : values.enabled;
    const changes = valid(webhookUpdateSchema, { ...subscriptionFields(values), ...(enabled === undefined ? {} : { enabled }) });
    if (Object.keys(changes).length === 0) throw new UsageError('update needs at least one change');
    io.out(JSON.stringify(await api.updateWebhook(idOf(positionals), changes), null, 2));
  },
  async delete(api, args, io) {
    const id = idOf(args);
    await api.deleteWebhook(id);
    io.out(`deleted ${id}`);
  },
  async test(api, args, io) {
    const id = idOf(args);
    const result = await api.testWebhook(id);
    io.out(`test delivery requested for ${id} (Upvest answered ${result.status})`);
    if (result.body !== undefined) io.out(JSON.stringify(result.body, null, 2));
  },
  async keys(api, args, io, config) {
    const { values } = parse(args, { out: { type: 'string' } });
    const fromEnv = config.UPVEST_WEBHOOK_JWKS?.trim().startsWith('{') ? undefined : config.UPVEST_WEBHOOK_JWKS;
    const path = values.out ?? fromEnv;
    if (!path) throw new UsageError('keys needs --out FILE (or UPVEST_WEBHOOK_JWKS set to a file path)');
    const jwks = await api.verifyKeys();
    const usable = usableJwks(jwks);
    if (usable.length === 0) throw new Error('Upvest published no EC P-521 keys; nothing written');
    // Importing every key refuses a set the receiver could not load, before anything is written.
    keysById(jwks);
    // Written beside and renamed into place, so a receiver reading it never sees half a file.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(jwks, null, 2)}\n`);
    renameSync(temporary, path);
    io.out(`wrote ${usable.length} verification key(s) to ${path}: ${usable.map((key) => key.kid).join(', ')}`);
  },
};

/** `upvest webhooks …`; returns the exit code (2: the command or configuration was wrong). */
export async function runUpvestCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [group, name, ...args] = argv;
    const command = name ? commands[name] : undefined;
    if (group !== 'webhooks' || !command) throw new UsageError(group === 'webhooks' && name ? `unknown command: ${name}` : 'nothing to do');
    const config = loadConfig(upvestCliConfigSchema, io.env);
    await command(apiFrom(config, io), args, io, config);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) io.err(`${error.message}\n\n${usage}`);
    else if (error instanceof ConfigError) io.err(error.message);
    else if (error instanceof UpvestApiError) io.err(describeProblem(error));
    else if (error instanceof z.ZodError) io.err(`Upvest answered something this command does not understand: ${z.prettifyError(error)}`);
    else io.err(`upvest: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
  }
}

function apiFrom(config: UpvestCliConfig, io: CliIo): UpvestApi {
  return upvestApiFrom(config, io.fetch ? { fetch: io.fetch } : {});
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse<O extends OptionSpec>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function idOf(args: readonly string[]): string {
  const [id, ...extra] = args;
  if (!id || id.startsWith('-') || extra.length > 0) throw new UsageError('expected exactly one webhook id');
  return id;
}

function subscriptionFields(values: Partial<Record<keyof typeof subscriptionOptions, string | boolean>>) {
  const text = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);
  const maxSize = text(values['max-package-size']);
  const config = {
    ...(values.delay !== undefined ? { delay: text(values.delay) } : {}),
    ...(maxSize !== undefined ? { max_package_size: Number(maxSize) } : {}),
  };
  return {
    ...(values.title !== undefined ? { title: text(values.title) } : {}),
    ...(values.url !== undefined ? { url: text(values.url) } : {}),
    ...(values.type !== undefined ? { type: text(values.type)?.split(',').map((item) => item.trim().toUpperCase()) } : {}),
    ...(Object.keys(config).length > 0 ? { config } : {}),
  };
}

function valid<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('\n'));
  return parsed.data;
}

function summary(webhook: Webhook): string {
  const limits = [webhook.config.delay && `delay ${webhook.config.delay}`, webhook.config.max_package_size && `max ${webhook.config.max_package_size} B`].filter(Boolean);
  return [webhook.id, webhook.enabled ? 'enabled ' : 'disabled', webhook.title, webhook.url, webhook.type.join(','), limits.join(', ')].join('  ').trimEnd();
}
