import type { TriggerProvider } from './catalog.ts';
import { deliveryOf } from './delivery.ts';
import type { EventTemplate, Subject } from './event-template.ts';
import type { TriggerSecrets } from './secrets.ts';
import type { ConnectionRecord, readUserConnections } from '../db/connection-reads.ts';

export interface TriggerContext {
  /** The receiver, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  secrets: TriggerSecrets;
  fetch: typeof fetch;
  /** How long to wait for the worker to apply an accepted event before showing the state as it is. */
  settleMs: number;
  now?: () => Date;
}

export interface Sent {
  provider: TriggerProvider;
  event: string;
  providerType: string;
  url: string;
  authentication: string;
  status: number;
  answer: unknown;
  subject: Subject;
  connectionId: string | undefined;
  /** Event ids the connection's timeline held before, to tell when ours has been applied. */
  before: ReadonlySet<string>;
}

/** What the receiver's read API answers: the read model's own shapes, as JSON. */
export type StateRead =
  | { kind: 'connection'; connection: ConnectionRecord }
  | { kind: 'user'; connections: UserConnections }
  | { kind: 'unknown' }
  | { kind: 'unreadable'; reason: string };

type UserConnections = Awaited<ReturnType<typeof readUserConnections>>;

/** Posts `template` as its provider would, remembering what the connection looked like before. */
export async function send(provider: TriggerProvider, template: EventTemplate, subject: Subject, context: TriggerContext): Promise<Sent> {
  const { body, connectionId } = template.build(subject, (context.now ?? (() => new Date()))());
  const delivery = deliveryOf(provider, template, body, context.secrets);
  const before = connectionId ? await readConnection(provider, connectionId, context) : undefined;
  const url = `${context.baseUrl}${delivery.path}`;
  const res = await context.fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body }).catch((error: unknown) => {
    throw new Error(`cannot reach the receiver at ${context.baseUrl} (is \`npm start\` running? --to names another): ${(error as Error).message}`);
  });
  const text = await res.text();
  return {
    provider,
    event: template.name,
    providerType: template.providerType,
    url,
    authentication: delivery.authentication,
    status: res.status,
    answer: parseOr(text),
    subject,
    connectionId,
    before: new Set(before?.kind === 'connection' ? before.connection.events.map((e) => e.eventId) : []),
  };
}

/** The state after: once the worker has recorded the new event, or as it is when `settleMs` runs out. */
export async function stateAfter(sent: Sent, context: TriggerContext): Promise<StateRead> {
  if (!sent.connectionId) return readUser(sent.provider, sent.subject.user, context);
  // Only a delivery that journaled events changes anything worth waiting for.
  const journaled = sent.status === 200 && Number((sent.answer as { events?: unknown } | null)?.events ?? 0) > 0;
  const deadline = Date.now() + (journaled ? context.settleMs : 0);
  for (;;) {
    const read = await readConnection(sent.provider, sent.connectionId, context);
    const applied = read.kind === 'connection' && read.connection.events.some((event) => !sent.before.has(event.eventId));
    if (applied || read.kind === 'unreadable' || Date.now() >= deadline) return read;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function readConnection(provider: string, connectionId: string, context: TriggerContext): Promise<StateRead> {
  const read = await apiGet(`/connections/${encodeURIComponent(provider)}/${encodeURIComponent(connectionId)}`, context);
  if (read.kind !== 'ok') return read;
  return { kind: 'connection', connection: read.body as ConnectionRecord };
}

async function readUser(provider: string, userId: string, context: TriggerContext): Promise<StateRead> {
  const read = await apiGet(`/users/${encodeURIComponent(provider)}/${encodeURIComponent(userId)}/connections`, context);
  if (read.kind !== 'ok') return read;
  return { kind: 'user', connections: (read.body as { connections: UserConnections }).connections };
}

async function apiGet(path: string, context: TriggerContext): Promise<{ kind: 'ok'; body: unknown } | { kind: 'unknown' } | { kind: 'unreadable'; reason: string }> {
  if (!context.secrets.apiToken) return { kind: 'unreadable', reason: 'set API_TOKEN to read the state' };
  try {
    const res = await context.fetch(`${context.baseUrl}${path}`, { headers: { authorization: `Bearer ${context.secrets.apiToken}` } });
    if (res.status === 404) return { kind: 'unknown' };
    if (!res.ok) return { kind: 'unreadable', reason: `GET ${path} answered ${res.status}` };
    return { kind: 'ok', body: await res.json() };
  } catch (error) {
    return { kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  }
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
