import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { liveRoutes, openApiDocument, operationKey } from '../../src/http/openapi/document.ts';
import { operations, type Operation } from '../../src/http/openapi/operations.ts';
import { referenceApp } from '../../src/http/openapi/reference-app.ts';
import { signDelivery } from '../../src/providers/upvest/webhook-signer.ts';
import { vibeSignature } from '../../src/providers/vibe/verify.ts';
import { newUpvestKey } from '../support/upvest.ts';
import { API_TOKEN, startStack, type Stack } from '../support/stack.ts';
import { TEST_SECRET } from '../support/snaptrade.ts';

const root = join(import.meta.dirname, '..', '..');
const committed = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };

/** Express's own view of an app's routes, from its router stack. */
const routesOf = (app: Express) => liveRoutes(app).map(operationKey);

const documented = (document: { paths: Record<string, Record<string, unknown>> }) =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));

async function validate(document: unknown): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(document as Parameters<Validator['validate']>[0]);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(validator.version, '3.1');
}

describe('the OpenAPI document', () => {
  test('openapi.json is what `npm run openapi` generates from the routes now (no drift)', async () => {
    const reference = referenceApp();
    try {
      assert.deepEqual(openApiDocument(reference.app), committed, 'run npm run openapi and commit openapi.json');
    } finally {
      await reference.close();
    }
  });

  test('is a valid OpenAPI 3.1 document', () => validate(committed));

  test('describes every route Express serves when every optional route is on', async () => {
    const reference = referenceApp();
    try {
      const missing = routesOf(reference.app).filter((route) => !documented(committed).includes(route));
      assert.deepEqual(missing, [], 'add these to src/http/openapi/operations.ts');
      assert.ok(routesOf(reference.app).length >= 20, 'the walk sees the routers');
    } finally {
      await reference.close();
    }
  });

  test('covers every route under /connections and /users, each webhook route’s answers, and the problem shape', () => {
    const routes = documented(committed);
    for (const prefix of ['/connections/', '/users/', '/webhooks/']) assert.ok(routes.some((route) => route.split(' ')[1]!.startsWith(prefix)), prefix);
    const problem = (committed as unknown as { components: { schemas: { Problem: { properties: Record<string, unknown>; required: string[] } } } }).components.schemas.Problem;
    assert.deepEqual(problem.required.sort(), ['status', 'title', 'type']);
    for (const [path, methods] of Object.entries(committed.paths)) {
      if (!path.startsWith('/webhooks/')) continue;
      const responses = (methods.post as { responses: Record<string, { content?: Record<string, unknown> }> }).responses;
      for (const status of ['200', '400', '401', '413', '503']) assert.ok(responses[status], `${path} documents ${status}`);
      assert.ok(responses['401']!.content!['application/problem+json'], `${path}: errors are problem+json`);
    }
  });
});

describe('the document against the running receiver', () => {
  let stack: Stack;
  const upvestKey = newUpvestKey();
  const vibeSecret = 'openapi-vibe-secret';

  before(async () => {
    stack = await startStack({
      env: {
        VEZGO_CLIENT_ID: 'openapi-vezgo',
        VEZGO_ALLOWED_IPS: '127.0.0.1,::1',
        VIBE_WEBHOOK_SECRET: vibeSecret,
        VIBE_ACCOUNT_ID: 'openapi-vibe',
        UPVEST_WEBHOOK_JWKS: JSON.stringify({ keys: [upvestKey.jwk] }),
        TEMPORAL_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
        CREDENTIALS_KEY: `c1:${randomBytes(32).toString('base64')}`,
        // The codec's secret URL, as the documented example names it.
        TEMPORAL_CODEC_URL_TOKEN: 'example-codec-url-token-0123456789abcdef',
      },
    });
  });
  after(() => stack.stop());

  test('GET /openapi.json is valid and describes every route this receiver serves', async () => {
    const res = await fetch(`${stack.receiver.url}/openapi.json`);
    assert.equal(res.status, 200);
    const served = (await res.json()) as typeof committed;
    await validate(served);
    assert.deepEqual(documented(served).sort(), documented(committed).sort(), 'with every option on, the served document is the committed one');
  });

  /** The example as the provider would send it: its secret or signature added. */
  function webhookHeaders(path: string, body: string): Record<string, string> {
    switch (path) {
      case '/webhooks/snaptrade':
        return {};
      case '/webhooks/vezgo':
        return { 'x-client-id': 'openapi-vezgo' };
      case '/webhooks/upvest':
        return signDelivery(body, upvestKey, { path });
      case '/webhooks/vibe':
        return { 'x-webhook-signature': vibeSignature(body, vibeSecret) };
      default:
        throw new Error(`no signer for ${path}`);
    }
  }

  test('every example request is accepted by its route, and its answer is one the document lists, in the documented shape', async () => {
    // Webhooks first: they create the connection the other examples act on.
    const ordered = Object.entries(operations)
      .filter((entry): entry is [string, Operation & { example: NonNullable<Operation['example']> }] => entry[1].example !== undefined)
      .sort(([a], [b]) => Number(!a.includes('/webhooks/')) - Number(!b.includes('/webhooks/')) || Number(a.startsWith('DELETE')) - Number(b.startsWith('DELETE')));
    assert.ok(ordered.length >= 15);
    for (const [key, operation] of ordered) {
      const [method, template] = key.split(' ') as [string, string];
      const { params = {}, query = {}, body } = operation.example;
      const path = template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
      const search = new URLSearchParams(query).toString();
      let text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (template.startsWith('/webhooks/')) {
        if (template === '/webhooks/snaptrade') text = JSON.stringify({ ...(body as object), webhookSecret: TEST_SECRET });
        Object.assign(headers, webhookHeaders(template, text!));
      } else {
        headers.authorization = `Bearer ${API_TOKEN}`;
      }
      const res = await fetch(`${stack.receiver.url}${path}${search ? `?${search}` : ''}`, { method, headers, ...(text === undefined ? {} : { body: text }) });
      const answer = await res.text();
      assert.notEqual(res.status, 400, `${key}: the example is rejected: ${answer}`);
      const documentedAnswer = operation.responses[res.status];
      assert.ok(documentedAnswer, `${key} answered ${res.status}, which the document does not list: ${answer}`);
      if ('schema' in documentedAnswer && documentedAnswer.schema && res.headers.get('content-type')?.startsWith('application/json')) {
        const parsed = documentedAnswer.schema.safeParse(JSON.parse(answer));
        assert.ok(parsed.success, `${key} ${res.status}: ${answer} is not the documented shape: ${parsed.error?.message}`);
      }
    }
  });

  test('what the document marks required, the route requires: each API example without one required field is a 400', async () => {
    let checked = 0;
    for (const [path, methods] of Object.entries(committed.paths)) {
      if (path.startsWith('/webhooks/') || path.startsWith('/codec/')) continue;
      for (const [method, described] of Object.entries(methods) as [string, { requestBody?: { content: Record<string, { schema: { required?: string[] }; example?: Record<string, unknown> }> }; parameters?: { name: string; in: string; example?: string }[] }][]) {
        const json = described.requestBody?.content['application/json'];
        if (!json?.example) continue;
        const target = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(described.parameters!.find((p) => p.name === name)!.example!));
        for (const field of json.schema.required ?? []) {
          const body: Record<string, unknown> = { ...json.example };
          delete body[field];
          const res: Response = await fetch(`${stack.receiver.url}${target}`, {
            method: method.toUpperCase(),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
            body: JSON.stringify(body),
          });
          assert.equal(res.status, 400, `${method.toUpperCase()} ${path} without ${field}`);
          checked += 1;
        }
      }
    }
    assert.ok(checked >= 3, `required body fields checked: ${checked}`);
  });
});
