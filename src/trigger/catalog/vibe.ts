import { randomUUID } from 'node:crypto';
import type { EventTemplate, Subject } from '../event-template.ts';

type Data = (subject: Subject, now: Date) => Record<string, unknown>;

const order = (status: string): Data => (_s, now) => ({ orderId: randomUUID(), symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 0.1, status, updatedAt: now.toISOString() });
const position: Data = (_s, now) => ({ symbol: 'BTC/USD', side: 'long', quantity: 0.1, averagePrice: 49850.25, updatedAt: now.toISOString() });
const transfer = (status: string): Data => () => ({ transactionId: randomUUID(), asset: 'USD', amount: 1000, status });
const minutes = (now: Date, n: number) => new Date(now.getTime() + n * 60_000).toISOString();

function event(name: string, effect: string, data: Data): EventTemplate {
  return {
    name: name.replace(/[._]/g, '-'),
    providerType: name,
    effect,
    // Vibe's webhooks are one account's, so the connection is the configured account.
    build: (subject, now) => ({ body: { event: name, timestamp: now.toISOString(), data: data(subject, now) }, connectionId: subject.connection }),
  };
}

/** Vibe's events: activity on the account, system notices, and the types it journals without acting. */
export const vibeEvents: readonly EventTemplate[] = [
  event('order.created', 'account activity', order('pending')),
  event('order.updated', 'account activity', order('filled')),
  event('order.cancelled', 'account activity', order('cancelled')),
  event('position.opened', 'account activity', position),
  event('position.updated', 'account activity', position),
  event('position.closed', 'account activity', position),
  event('account.balance_updated', 'account activity', () => ({ asset: 'USD', available: 1000, locked: 0, total: 1000, change: 100 })),
  event('account.deposit_received', 'account activity', transfer('completed')),
  event('account.withdrawal_processed', 'account activity', transfer('processed')),
  event('system.maintenance', 'maintenance window from now for 30 minutes: prompts held, ops notice', (_s, now) => ({
    startTime: now.toISOString(),
    endTime: minutes(now, 30),
    description: 'Scheduled maintenance (npm run trigger)',
  })),
  event('system.alert', 'ops alert at level warning', () => ({ level: 'warning', title: 'Dev alert', message: 'Raised by npm run trigger' })),
  event('signal.generated', 'journaled, not orchestrated (200)', () => ({ signalId: randomUUID(), symbol: 'BTC/USD', action: 'buy', confidence: 0.8 })),
  event('test', 'Vibe’s test event: journaled, not orchestrated (200)', () => ({ message: 'This is a test webhook' })),
];
