import { snapTradeEvents } from './catalog/snaptrade.ts';
import { upvestEvents } from './catalog/upvest.ts';
import { vezgoEvents } from './catalog/vezgo.ts';
import { vibeEvents } from './catalog/vibe.ts';
import type { EventTemplate } from './event-template.ts';

export const triggerProviders = ['snaptrade', 'vezgo', 'upvest', 'vibe'] as const;
export type TriggerProvider = (typeof triggerProviders)[number];

export const catalog: Readonly<Record<TriggerProvider, readonly EventTemplate[]>> = {
  snaptrade: snapTradeEvents,
  vezgo: vezgoEvents,
  upvest: upvestEvents,
  vibe: vibeEvents,
};

export function isTriggerProvider(name: string): name is TriggerProvider {
  return (triggerProviders as readonly string[]).includes(name);
}

/** The template of `provider name`, or an error message that says what exists. */
export function findEvent(provider: string, name: string): EventTemplate | string {
  if (!isTriggerProvider(provider)) return `unknown provider ${provider}: one of ${triggerProviders.join(', ')}`;
  const template = catalog[provider].find((candidate) => candidate.name === name);
  return template ?? `unknown ${provider} event ${name}: one of ${catalog[provider].map((t) => t.name).join(', ')}`;
}

/** `--list`: every event by provider, with what the provider calls it and what it does. */
export function catalogListing(): string {
  return triggerProviders
    .map((provider) => {
      const rows = catalog[provider];
      const width = Math.max(...rows.map((t) => t.name.length));
      const typeWidth = Math.max(...rows.map((t) => t.providerType.length));
      return [provider, ...rows.map((t) => `  ${t.name.padEnd(width)}  ${t.providerType.padEnd(typeWidth)}  ${t.effect}`)].join('\n');
    })
    .join('\n\n');
}
