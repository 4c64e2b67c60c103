import { z } from 'zod';
import { snapTradeAppEventSchema } from '../../providers/snaptrade/app-dialect-schemas.ts';
import { snapTradeEventSchema } from '../../providers/snaptrade/schemas.ts';
import { upvestEventSchema, upvestPackageSchema } from '../../providers/upvest/schemas.ts';
import { vezgoHookSchema } from '../../providers/vezgo/schemas.ts';
import { vibeEventSchema } from '../../providers/vibe/schemas.ts';
import { jsonPayloads } from '../codec-routes.ts';
import {
  actionPendingSchema,
  attemptSchema,
  codecPayloadsSchema,
  connectionSchema,
  deleteAnswerSchema,
  healthSchema,
  readinessSchema,
  refreshAnswerSchema,
  remindAnswerSchema,
  userConnectionsSchema,
  userWorkflowsSchema,
  webhookAnswerSchema,
} from './responses.ts';

/** An answer: a body schema, or a problem (application/problem+json). */
export type Answer = { description: string; schema?: z.ZodType; contentType?: string } | { description: string; problem: true };

export interface Operation {
  summary: string;
  description?: string;
  tag: 'webhooks' | 'connections' | 'users' | 'operations';
  responses: Record<number, Answer>;
  /** For routes that validate their body inside an adapter: the adapter's own schemas. */
  requestBody?: { schema: z.ZodType; description?: string };
  /** A request the route accepts: path parameters, query and body. */
  example?: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown };
}

const problem = (description: string): Answer => ({ description, problem: true });
const badRequest = problem('malformed input: which field and why');
const unauthorized = problem('no valid bearer token');
const forbidden = problem('the token lacks the scope');
const notFound = problem('unknown');
const ignored: Answer = { description: 'an event type not orchestrated: journaled, ignored', schema: webhookAnswerSchema };
const webhookAnswers = (ignoredStatus: 200 | 202): Record<number, Answer> => {
  const answers: Record<number, Answer> = {
    200: { description: 'journaled (or a redelivery); acknowledged only after the journal commit', schema: webhookAnswerSchema },
    400: problem('authentic but malformed: kept as a dead letter'),
    401: problem('bad secret or signature'),
    403: problem('source address outside the allowlist'),
    413: problem('over 1 MiB'),
    503: problem('the journal (PostgreSQL) is unavailable: retry (Retry-After)'),
  };
  if (ignoredStatus === 202) answers[202] = ignored;
  return answers;
};
const apiErrors = { 400: badRequest, 401: unauthorized, 403: forbidden };
/** What an action on a connection may answer besides its result and a state refusal. */
const actionAnswers: Record<number, Answer> = {
  202: { description: 'still under way after ACTION_WAIT: the outcome will be at `Location`', schema: actionPendingSchema },
  404: notFound,
  424: problem('the user’s credentials were never registered, so the provider cannot be asked'),
  501: problem('no SDK client is configured for this provider'),
  502: problem('the provider failed the call: `provider` and its HTTP status `providerStatus`'),
};

const snapTradeExample = {
  webhookId: '5f6b2b0e-3c1a-4f5e-9a51-2f0f3e8d6a10',
  clientId: 'YOUR-CLIENT-ID',
  eventTimestamp: '2026-01-15T10:30:00.000Z',
  userId: 'user-123',
  eventType: 'CONNECTION_BROKEN',
  brokerageAuthorizationId: 'c1',
  webhookSecret: '<SNAPTRADE_WEBHOOK_SECRET>',
};

/**
 * Every route the receiver can have, by method and Express path. A route without an entry is left
 * out of the document, and test/integration/openapi.test.ts fails on it.
 */
export const operations: Record<string, Operation> = {
  'POST /webhooks/snaptrade': {
    tag: 'webhooks',
    summary: 'SnapTrade webhook (its 13 reference event types, or the app dialect)',
    description:
      'Reference payloads authenticate with the body `webhookSecret` or, with SNAPTRADE_CONSUMER_KEY, the `Signature` header (base64 HMAC-SHA256 of the sorted compact JSON); the app dialect with `x-snaptrade-signature` (HMAC-SHA256 of the raw body).',
    requestBody: { schema: z.union([snapTradeEventSchema.and(z.object({ webhookSecret: z.string().optional() })), snapTradeAppEventSchema]) },
    responses: webhookAnswers(202),
    example: { body: snapTradeExample },
  },
  'POST /webhooks/vezgo': {
    tag: 'webhooks',
    summary: 'Vezgo hook (SyncAccount, SyncError)',
    description: 'From Vezgo’s documented addresses (VEZGO_ALLOWED_IPS) with `x-client-id` equal to VEZGO_CLIENT_ID.',
    requestBody: { schema: vezgoHookSchema },
    responses: webhookAnswers(202),
    example: { body: { hook: 'SyncError', user: { id: 'user-123', loginName: 'user@example.com' }, account: { id: 'c1', provider: 'coinbase' }, error: 'LoginFailedError' } },
  },
  'POST /webhooks/upvest': {
    tag: 'webhooks',
    summary: 'Upvest webhook package',
    description: 'HTTP message signature (ECDSA P-521, draft 6) over components including the body `digest`, checked against Upvest’s keys.',
    requestBody: { schema: upvestPackageSchema.extend({ payload: z.array(upvestEventSchema) }) },
    responses: webhookAnswers(200),
    example: {
      body: {
        payload: [
          { id: '9b0e8f0c-6a43-4d8e-9b43-5a8f0e6f2c11', created_at: '2026-01-15T10:30:00.000Z', type: 'USER.ACTIVATED', object: { id: 'user-123', status: 'ACTIVE' }, webhook_id: 'a8eb3540-5a84-40f9-b2bb-7f99f282fc5a' },
        ],
      },
    },
  },
  'POST /webhooks/vibe': {
    tag: 'webhooks',
    summary: 'Vibe Trading webhook',
    description: '`X-Webhook-Signature`: hex HMAC-SHA256 of the raw body under VIBE_WEBHOOK_SECRET.',
    requestBody: { schema: vibeEventSchema },
    responses: webhookAnswers(200),
    example: { body: { event: 'order.created', timestamp: '2026-01-15T10:30:00Z', data: { orderId: 'order-1', status: 'pending', symbol: 'BTC/USD' } } },
  },
  'POST /connections/attempts': {
    tag: 'connections',
    summary: 'Start (or join) the user’s connection attempt',
    description: 'Answers at once; the provider’s webhooks settle the attempt. `Location` names it.',
    responses: { 202: { description: 'the attempt', schema: attemptSchema }, ...apiErrors },
    example: { body: { provider: 'snaptrade', userId: 'user-123', brokerage: 'ROBINHOOD' } },
  },
  'GET /connections/attempts/:attemptId': {
    tag: 'connections',
    summary: 'An attempt’s outcome; `wait` long-polls (at most 60 s) while it is pending',
    responses: { 200: { description: 'the attempt', schema: attemptSchema }, ...apiErrors, 404: notFound },
    example: { params: { attemptId: 'not-an-attempt' }, query: { wait: '1s' } },
  },
  'POST /connections/:provider/:connectionId/refresh': {
    tag: 'connections',
    summary: 'Ask the provider to sync the connection now',
    responses: { 200: { description: 'requested', schema: refreshAnswerSchema }, ...apiErrors, ...actionAnswers, 409: problem('not connected') },
    example: { params: { provider: 'snaptrade', connectionId: 'c1' } },
  },
  'POST /connections/:provider/:connectionId/remind': {
    tag: 'connections',
    summary: 'Send the re-authentication prompt now',
    responses: { 200: { description: 'sent', schema: remindAnswerSchema }, ...apiErrors, 202: actionAnswers[202]!, 404: notFound, 409: problem('not broken') },
    example: { params: { provider: 'snaptrade', connectionId: 'c1' } },
  },
  'DELETE /connections/:provider/:connectionId': {
    tag: 'connections',
    summary: 'Remove the connection at the provider, then mark it deleted',
    responses: { 200: { description: 'deleted', schema: deleteAnswerSchema }, ...apiErrors, ...actionAnswers, 409: problem('already deleted') },
    example: { params: { provider: 'snaptrade', connectionId: 'c1' } },
  },
  'GET /connections/:provider/:connectionId/actions/:actionId': {
    tag: 'connections',
    summary: 'The outcome of an action answered 202; `wait` long-polls (at most 60 s)',
    description: 'Answered like the action itself: its result, or the problem it ended with; 202 again while it is under way.',
    responses: {
      200: { description: 'the action’s result', schema: z.union([refreshAnswerSchema, remindAnswerSchema, deleteAnswerSchema]) },
      ...apiErrors,
      ...actionAnswers,
      404: problem('no such action on this connection'),
      409: problem('the state refused it when it ran'),
    },
    example: { params: { provider: 'snaptrade', connectionId: 'c1', actionId: 'not-an-action' }, query: { wait: '1s' } },
  },
  'GET /connections/:provider/:connectionId': {
    tag: 'connections',
    summary: 'The connection’s state, accounts and latest events',
    responses: { 200: { description: 'the connection', schema: connectionSchema }, ...apiErrors, 404: notFound },
    example: { params: { provider: 'snaptrade', connectionId: 'c1' } },
  },
  'GET /users/:provider/:userId/connections': {
    tag: 'users',
    summary: 'The user’s connections',
    responses: { 200: { description: 'the connections', schema: userConnectionsSchema }, ...apiErrors },
    example: { params: { provider: 'snaptrade', userId: 'user-123' } },
  },
  'GET /users/:provider/:userId/workflows': {
    tag: 'users',
    summary: 'The user’s workflows in Temporal',
    description: 'Found by the UserId search attribute, a keyed hash of the id when payloads are encrypted: name the user by the id you know.',
    responses: { 200: { description: 'the workflows', schema: userWorkflowsSchema }, ...apiErrors },
    example: { params: { provider: 'snaptrade', userId: 'user-123' } },
  },
  'PUT /users/:provider/:userId/contact': {
    tag: 'users',
    summary: 'Where the user’s prompts go (email) and whose evenings are quiet (time zone)',
    responses: { 204: { description: 'saved' }, ...apiErrors },
    example: { params: { provider: 'snaptrade', userId: 'user-123' }, body: { email: 'user@example.com', timeZone: 'Europe/Paris' } },
  },
  'PUT /users/snaptrade/:userId/credentials': {
    tag: 'users',
    summary: 'The user’s SnapTrade user secret, stored encrypted (CREDENTIALS_KEY)',
    responses: { 204: { description: 'saved' }, ...apiErrors, 503: problem('CREDENTIALS_KEY is not set') },
    example: { params: { userId: 'user-123' }, body: { userSecret: 'the-user-secret' } },
  },
  'POST /codec/decode': {
    tag: 'operations',
    summary: 'Temporal codec server: decrypt payloads for the Web UI (ops:admin)',
    requestBody: { schema: jsonPayloads },
    responses: { 200: { description: 'decoded payloads', schema: codecPayloadsSchema }, ...apiErrors },
    example: { body: { payloads: [] } },
  },
  'OPTIONS /codec/decode': { tag: 'operations', summary: 'CORS preflight of the Web UI', responses: { 204: { description: 'allowed' } } },
  'POST /codec/encode': {
    tag: 'operations',
    summary: 'Temporal codec server: encrypt payloads (ops:admin)',
    requestBody: { schema: jsonPayloads },
    responses: { 200: { description: 'encoded payloads', schema: codecPayloadsSchema }, ...apiErrors },
    example: { body: { payloads: [] } },
  },
  'OPTIONS /codec/encode': { tag: 'operations', summary: 'CORS preflight of the Web UI', responses: { 204: { description: 'allowed' } } },
  'POST /codec/:token/decode': {
    tag: 'operations',
    summary: 'The codec at a secret URL (TEMPORAL_CODEC_URL_TOKEN), for a Web UI that cannot send a bearer token',
    requestBody: { schema: jsonPayloads },
    responses: { 200: { description: 'decoded payloads', schema: codecPayloadsSchema }, 400: badRequest, 401: problem('not the configured token') },
    example: { params: { token: 'example-codec-url-token-0123456789abcdef' }, body: { payloads: [] } },
  },
  'OPTIONS /codec/:token/decode': { tag: 'operations', summary: 'CORS preflight of the Web UI', responses: { 204: { description: 'allowed' } } },
  'POST /codec/:token/encode': {
    tag: 'operations',
    summary: 'The codec at a secret URL (TEMPORAL_CODEC_URL_TOKEN): encrypt payloads',
    requestBody: { schema: jsonPayloads },
    responses: { 200: { description: 'encoded payloads', schema: codecPayloadsSchema }, 400: badRequest, 401: problem('not the configured token') },
    example: { params: { token: 'example-codec-url-token-0123456789abcdef' }, body: { payloads: [] } },
  },
  'OPTIONS /codec/:token/encode': { tag: 'operations', summary: 'CORS preflight of the Web UI', responses: { 204: { description: 'allowed' } } },
  'GET /metrics': {
    tag: 'operations',
    summary: 'Prometheus metrics',
    description: 'With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` is answered.',
    responses: { 200: { description: 'text exposition format', schema: z.string(), contentType: 'text/plain' }, 401: problem('METRICS_TOKEN is set and not presented') },
  },
  'GET /healthz': { tag: 'operations', summary: 'The process is alive', responses: { 200: { description: 'alive', schema: healthSchema } } },
  'GET /readyz': {
    tag: 'operations',
    summary: 'PostgreSQL and Temporal both answer',
    responses: { 200: { description: 'ready', schema: readinessSchema }, 503: { description: 'not ready', schema: readinessSchema } },
  },
  'GET /openapi.json': { tag: 'operations', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } } },
};
