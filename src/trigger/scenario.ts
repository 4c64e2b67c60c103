import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { durationMs } from '../config/duration.ts';
import { findEvent, type TriggerProvider } from './catalog.ts';
import type { EventTemplate, Subject } from './event-template.ts';

const field = z.string().min(1).max(256);
const subjectFields = { user: field.optional(), connection: field.optional(), brokerage: field.optional(), account: field.optional() };

const stepSchema = z.union([
  z.object({ wait: z.union([z.number().int().min(0), durationMs]), note: z.string().optional() }).strict(),
  z
    .object({
      /** `<provider> <event>`, as on the command line. */
      send: z.string().regex(/^\S+\s+\S+$/, '"<provider> <event>", e.g. "snaptrade broken"'),
      ...subjectFields,
      /** Sends it this many times, `{i}` in the fields counting 1…count: many connections at once. */
      count: z.number().int().min(1).max(1000).default(1),
      note: z.string().optional(),
    })
    .strict(),
]);

export const scenarioSchema = z
  .object({
    description: z.string().optional(),
    /** Fields every step gets unless it says otherwise. */
    defaults: z.object(subjectFields).strict().optional(),
    steps: z.array(stepSchema).min(1),
  })
  .strict();

export type ScenarioStep =
  | { kind: 'wait'; ms: number; note?: string | undefined }
  | { kind: 'send'; provider: TriggerProvider; template: EventTemplate; subjects: Subject[]; note?: string | undefined };

export interface Scenario {
  description?: string | undefined;
  steps: ScenarioStep[];
}

/** Reads and checks a scenario file; every event name is resolved up front, so a typo fails before anything is sent. */
export function loadScenario(file: string, fallback: (provider: TriggerProvider) => Subject): Scenario {
  const parsed = scenarioSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  const { defaults = {}, description, steps } = parsed.data;
  return {
    description,
    steps: steps.map((step, index): ScenarioStep => {
      if ('wait' in step) return { kind: 'wait', ms: step.wait, note: step.note };
      const [provider = '', name = ''] = step.send.trim().split(/\s+/);
      const template = findEvent(provider, name);
      if (typeof template === 'string') throw new Error(`${file}: steps.${index}: ${template}`);
      const base = { ...fallback(provider as TriggerProvider), ...definedOnly(defaults), ...definedOnly(step) };
      const subjects = Array.from({ length: step.count }, (_, i) => numbered(base, i + 1));
      return { kind: 'send', provider: provider as TriggerProvider, template, subjects, note: step.note };
    }),
  };
}

function definedOnly(fields: Partial<Record<keyof Subject, string | undefined>>): Partial<Subject> {
  const keys: (keyof Subject)[] = ['user', 'connection', 'brokerage', 'account'];
  return Object.fromEntries(keys.filter((key) => fields[key] !== undefined).map((key) => [key, fields[key]]));
}

function numbered(subject: Subject, i: number): Subject {
  const fill = (value: string) => value.replaceAll('{i}', String(i));
  return { user: fill(subject.user), connection: fill(subject.connection), brokerage: fill(subject.brokerage), account: fill(subject.account) };
}
