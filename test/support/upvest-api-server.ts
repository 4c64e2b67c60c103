import { createHash, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Upvest's webhooks API as its reference documents it, on loopback: the token endpoint, webhook
 * subscriptions (list with sort / order / offset / limit, get, create, update, delete, test) and
 * the verification keys, with RFC 9457 problems for errors. With `tenantKey` it also checks each
 * request's message signature (draft 15, quoted names) as Upvest's API does.
 */
export interface FakeUpvestOptions {
  clientId: string;
  clientSecret: string;
  jwks: { keys: unknown[] };
  tenantKey?: { keyId: string; publicKey: KeyObject };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

type Webhook = {
  id: string;
  created_at: string;
  updated_at: string;
  title: string;
  url: string;
  type: string[];
  enabled: boolean;
  config: { delay?: string; max_package_size?: number };
};

export interface FakeUpvest {
  url: string;
  requests: RecordedRequest[];
  webhooks: Map<string, Webhook>;
  tokensIssued: string[];
  /** What `GET /auth/verify_keys` serves, changed in place to rotate keys. */
  jwks: { keys: unknown[] };
  /** Authenticated key requests answered. */
  keyFetches: number;
  /** While set, `GET /auth/verify_keys` answers 500. */
  failing: boolean;
  close(): Promise<void>;
}

const SORTS = ['created_at', 'updated_at', 'title', 'url', 'enabled'] as const;

export async function startFakeUpvest(options: FakeUpvestOptions): Promise<FakeUpvest> {
  const requests: RecordedRequest[] = [];
  const webhooks = new Map<string, Webhook>();
  const tokensIssued: string[] = [];
  let clock = Date.parse('2021-07-21T14:10:00Z');
  const state = { jwks: options.jwks, keyFetches: 0, failing: false };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://upvest.local');
    const request = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: raw.toString() };
    requests.push(request);

    if (options.tenantKey && !signatureValid(req, url, raw, options.tenantKey)) return problem(res, 401, 'unauthorized', 'Unauthorized', 'The request signature is invalid.');
    if (req.headers['upvest-client-id'] !== options.clientId) return problem(res, 401, 'unauthorized', 'Unauthorized', 'Unknown client.');

    if (request.method === 'POST' && url.pathname === '/auth/token') {
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
        return problem(res, 401, 'unauthorized', 'Unauthorized', 'Invalid client credentials.');
      }
      const token = randomUUID();
      tokensIssued.push(token);
      return json(res, 200, { access_token: token, token_type: 'bearer', expires_in: 3600, scope: form.get('scope') });
    }

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokensIssued.includes(bearer)) return problem(res, 401, 'unauthorized', 'Unauthorized', 'The caller has not been authenticated.');
    if (req.headers['upvest-api-version'] !== '1') return problem(res, 400, 'bad_request', 'Bad Request', 'Unsupported upvest-api-version.');

    if (request.method === 'GET' && url.pathname === '/auth/verify_keys') {
      if (state.failing) return problem(res, 500, 'internal_server_error', 'Internal Server Error');
      state.keyFetches += 1;
      return json(res, 200, state.jwks);
    }
    if (request.method === 'GET' && url.pathname === '/webhooks') return list(res, url.searchParams, webhooks);
    if (request.method === 'POST' && url.pathname === '/webhooks') {
      const input = JSON.parse(request.body) as Partial<Webhook>;
      if (!input.title || !input.url) return problem(res, 400, 'bad_request', 'Bad Request', 'title and url are required.');
      clock += 60_000;
      const now = new Date(clock).toISOString();
      const webhook: Webhook = { id: randomUUID(), created_at: now, updated_at: now, title: input.title, url: input.url, type: input.type ?? ['ALL'], enabled: false, config: input.config ?? {} };
      webhooks.set(webhook.id, webhook);
      return json(res, 200, webhook);
    }

    const match = /^\/webhooks\/([^/]+)(\/test)?$/.exec(url.pathname);
    const webhook = match ? webhooks.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match) return problem(res, 404, 'not_found', 'Not Found', `No route ${url.pathname}.`);
    if (!webhook) return problem(res, 404, 'not_found', 'Not Found', `Webhook ${decodeURIComponent(match[1]!)} does not exist.`);
    if (match[2] && request.method === 'GET') return res.writeHead(202, { 'upvest-request-id': randomUUID() }).end();
    if (request.method === 'GET') return json(res, 200, webhook);
    if (request.method === 'PATCH') {
      const changes = JSON.parse(request.body) as Partial<Webhook>;
      clock += 60_000;
      Object.assign(webhook, changes, { config: { ...webhook.config, ...changes.config }, updated_at: new Date(clock).toISOString() });
      return json(res, 200, webhook);
    }
    if (request.method === 'DELETE') {
      webhooks.delete(webhook.id);
      return res.writeHead(200, { 'upvest-request-id': randomUUID() }).end();
    }
    return problem(res, 405, 'method_not_allowed', 'Method Not Allowed');
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    requests,
    webhooks,
    tokensIssued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function list(res: ServerResponse, params: URLSearchParams, webhooks: Map<string, Webhook>): void {
  const sort = params.get('sort') ?? 'created_at';
  const order = params.get('order') ?? 'ASC';
  const offset = Number(params.get('offset') ?? 0);
  const limit = Number(params.get('limit') ?? 100);
  if (!(SORTS as readonly string[]).includes(sort) || !['ASC', 'DESC'].includes(order) || !(offset >= 0) || !(limit >= 0 && limit <= 1000)) {
    return problem(res, 400, 'bad_request', 'Bad Request', 'The incoming request had a malformed parameter.');
  }
  const key = sort as (typeof SORTS)[number];
  const sorted = [...webhooks.values()].sort((a, b) => String(a[key]).localeCompare(String(b[key])) * (order === 'DESC' ? -1 : 1));
  const data = sorted.slice(offset, offset + limit);
  json(res, 200, { meta: { offset, limit, count: data.length, total_count: sorted.length, sort, order }, data });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'upvest-request-id': randomUUID() }).end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, type: string, title: string, detail?: string): void {
  const requestId = randomUUID();
  res
    .writeHead(status, { 'content-type': 'application/problem+json', 'upvest-request-id': requestId })
    .end(JSON.stringify({ type, status, title, ...(detail ? { detail } : {}), request_id: requestId }));
}

/** Draft-15 verification, written from the draft rather than with the product's code. */
function signatureValid(req: IncomingMessage, url: URL, body: Buffer, tenant: { keyId: string; publicKey: KeyObject }): boolean {
  const input = /^sig1=(\(([^)]*)\)(.*))$/.exec(String(req.headers['signature-input'] ?? ''));
  const signature = /^sig1=:([^:]+):$/.exec(String(req.headers['signature'] ?? ''));
  if (!input || !signature || !input[3]!.includes(`keyid="${tenant.keyId}"`)) return false;
  const created = Number(/;created=(\d+)/.exec(input[3]!)?.[1]);
  if (!(Math.abs(Date.now() / 1000 - created) <= 5)) return false;
  const names = [...input[2]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  if (body.length > 0) {
    const digest = `sha-512=:${createHash('sha512').update(body).digest('base64')}:`;
    if (!names.includes('content-digest') || req.headers['content-digest'] !== digest) return false;
  }
  const value = (name: string) =>
    name === '@method' ? req.method : name === '@path' ? url.pathname : name === '@query' ? url.search : (req.headers[name] as string | undefined);
  if (names.some((name) => value(name) === undefined)) return false;
  const base = [...names.map((name) => `"${name}": ${value(name)}`), `"@signature-params": ${input[1]}`].join('\n');
  return verify('sha512', Buffer.from(base), { key: tenant.publicKey, dsaEncoding: 'der' }, Buffer.from(signature[1]!, 'base64'));
}
