import { z } from 'zod';

/**
 * What the routes answer, as the document shows it. (Requests are described by the schemas the
 * routes validate with; answers by these, which the tests check real answers against.)
 */
export const problemSchema = z
  .object({
    type: z.string().describe('about:blank'),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    requestId: z.string().optional().describe('also in the logs and, for webhooks, the journal'),
  })
  .describe('RFC 9457 problem details (application/problem+json).');

const instant = z.string().describe('ISO 8601 instant');

export const connectionSummarySchema = z
  .object({
    provider: z.string(),
    connectionId: z.string(),
    userId: z.string().nullable(),
    brokerageId: z.string().nullable(),
    state: z.enum(['connecting', 'active', 'degraded', 'broken', 'deleted']),
    stateSince: instant.nullable(),
    lastEventAt: instant.nullable(),
    reauth: z
      .object({ episode: z.int(), promptsSent: z.int(), nextPromptAt: instant.nullable(), exhausted: z.boolean() })
      .nullable()
      .describe('while broken: how far the re-authentication prompts have gone'),
  });

export const connectionSchema = connectionSummarySchema
  .extend({
    accounts: z.array(z.object({ accountId: z.string(), lastActivityAt: instant })),
    events: z.array(
      z.object({
        eventId: z.string(),
        type: z.string(),
        occurredAt: instant,
        outcome: z.string().describe('applied, stale, duplicate, after_deletion …'),
        accountId: z.string().nullable(),
        detail: z.unknown(),
      }),
    ),
  })
  .describe('The connection, its current accounts and its latest 50 events.');

export const userConnectionsSchema = z.object({ connections: z.array(connectionSummarySchema) });

export const attemptSchema = z
  .object({
    attemptId: z.string(),
    provider: z.string(),
    userId: z.string(),
    brokerageId: z.string().nullable(),
    status: z.enum(['pending', 'succeeded', 'failed', 'abandoned']),
    connectionId: z.string().nullable(),
    code: z.string().nullable().describe("the provider's failure code"),
    startedAt: instant,
    deadline: instant,
    resolvedAt: instant.nullable(),
  });

export const webhookAnswerSchema = z
  .union([
    z.object({ received: z.literal(true), events: z.int(), duplicates: z.int(), deadLettered: z.int() }),
    z.object({ received: z.literal(true), duplicate: z.literal(true) }),
    z.object({ received: z.literal(true), ignored: z.literal(true) }),
  ])
  .describe('Journaled events; a redelivery; a type not orchestrated (journaled).');

export const userWorkflowsSchema = z.object({
  workflows: z.array(z.object({ workflowId: z.string(), status: z.string(), connectionState: z.string().nullable() })),
});

export const refreshAnswerSchema = z.object({ requested: z.boolean() });
export const remindAnswerSchema = z.object({ attempt: z.int() });
export const deleteAnswerSchema = z.object({ status: z.literal('deleted'), removedAtProvider: z.boolean() });
/** An action still under way after ACTION_WAIT: `location` (also the Location header) is where its outcome appears. */
export const actionPendingSchema = z.object({ status: z.literal('pending'), actionId: z.string(), location: z.string(), detail: z.string() });
export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({ status: z.enum(['ready', 'unavailable']), postgres: z.string(), temporal: z.string() });
export const codecPayloadsSchema = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })) });
