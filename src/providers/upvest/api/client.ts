import { randomUUID } from 'node:crypto';
import { jwksSchema, type Jwks } from '../jwks.ts';
import { createTokenSource } from './oauth.ts';
import { apiErrorFrom } from './problem.ts';
import type { RequestSigner } from './request-signer.ts';
import {
  webhookListSchema,
  webhookSchema,
  type ListQuery,
  type Webhook,
  type WebhookCreate,
  type WebhookList,
  type WebhookUpdate,
} from './schemas.ts';

export interface UpvestApiOptions {
  /** e.g. https://sandbox.upvest.co */
  baseUrl: string;
  /** Defaults to <baseUrl>/auth/token. */
  tokenUrl?: string | undefined;
  clientId: string;
  clientSecret: string;
  apiVersion?: string;
  signer?: RequestSigner | undefined;
  /** What the token asks for; by default what managing subscriptions needs. */
  scopes?: readonly string[];
  fetch?: typeof fetch;
}

export const WEBHOOK_SCOPES = ['webhooks:read', 'webhooks:admin'] as const;
/** The receiver only reads the verification keys. */
export const KEY_READER_SCOPES = ['webhooks:read'] as const;

export interface TestResult {
  status: number;
  /** What Upvest reports of the test delivery, when it answers with one. */
  body: unknown;
}

/** Upvest's webhooks API: subscriptions and the keys their deliveries are signed with. */
export function createUpvestApi(options: UpvestApiOptions) {
  const fetchImpl = options.fetch ?? fetch;
  const apiVersion = options.apiVersion ?? '1';
  const base = options.baseUrl.replace(/\/+$/, '');
  const token = createTokenSource({
    tokenUrl: new URL(options.tokenUrl ?? `${base}/auth/token`),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scopes: options.scopes ?? WEBHOOK_SCOPES,
    apiVersion,
    signer: options.signer,
    fetch: fetchImpl,
  });

  async function call(method: string, path: string, request: { query?: ListQuery; json?: unknown } = {}): Promise<Response> {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const body = request.json === undefined ? undefined : Buffer.from(JSON.stringify(request.json));
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${await token.get()}`,
      'upvest-client-id': options.clientId,
      'upvest-api-version': apiVersion,
      ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
    };
    const signed = options.signer?.({ method, url, headers, ...(body ? { body } : {}) }) ?? {};
    const response = await fetchImpl(url, { method, headers: { ...headers, ...signed }, ...(body ? { body } : {}) });
    // A token Upvest no longer honours (revoked, rotated) is dropped, so the next call fetches a new one.
    if (response.status === 401) token.invalidate();
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  const webhookPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

  return {
    async listWebhooks(query: ListQuery = {}): Promise<WebhookList> {
      return webhookListSchema.parse(await (await call('GET', '/webhooks', { query })).json());
    },
    async getWebhook(id: string): Promise<Webhook> {
      return webhookSchema.parse(await (await call('GET', webhookPath(id))).json());
    },
    async createWebhook(input: WebhookCreate): Promise<Webhook> {
      return webhookSchema.parse(await (await call('POST', '/webhooks', { json: input })).json());
    },
    async updateWebhook(id: string, changes: WebhookUpdate): Promise<Webhook> {
      return webhookSchema.parse(await (await call('PATCH', webhookPath(id), { json: changes })).json());
    },
    async deleteWebhook(id: string): Promise<void> {
      await (await call('DELETE', webhookPath(id))).arrayBuffer();
    },
    /** Upvest sends a test delivery to the subscription's URL; it may answer with that delivery's outcome or just 202. */
    async testWebhook(id: string): Promise<TestResult> {
      const response = await call('GET', `${webhookPath(id)}/test`);
      const text = await response.text();
      return { status: response.status, body: parseIfJson(text) };
    },
    async verifyKeys(): Promise<Jwks> {
      return jwksSchema.parse(await (await call('GET', '/auth/verify_keys')).json());
    },
  };
}

export type UpvestApi = ReturnType<typeof createUpvestApi>;

function parseIfJson(text: string): unknown {
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
