import { z } from 'zod';

/**
 * Vibe Trading's webhook payloads as its webhook guide documents them: `{ event, timestamp, data }`.
 * Fields we act on are required; the other documented fields are typed but optional, so a payload
 * that leaves out a figure is still recorded rather than refused.
 */
const id = z.string().min(1).max(256);
const label = z.string().min(1).max(64);
const timestamp = z.string().min(1).max(64);
const figure = z.number().optional();

const orderData = z.object({
  orderId: id,
  status: label,
  clientOrderId: z.string().max(256).optional(),
  symbol: label.optional(),
  side: label.optional(),
  type: label.optional(),
  quantity: figure,
  price: figure,
  filledQuantity: figure,
  averagePrice: figure,
  reason: z.string().max(256).optional(),
  createdAt: timestamp.optional(),
  updatedAt: timestamp.optional(),
  cancelledAt: timestamp.optional(),
});

const positionData = z.object({
  symbol: label,
  side: label.optional(),
  quantity: figure,
  averagePrice: figure,
  closePrice: figure,
  markPrice: figure,
  unrealizedPnl: figure,
  unrealizedPnlPercent: figure,
  realizedPnl: figure,
  marginUsed: figure,
  marginRatio: figure,
  createdAt: timestamp.optional(),
  updatedAt: timestamp.optional(),
  closedAt: timestamp.optional(),
});

const balanceData = z.object({
  asset: label,
  available: figure,
  locked: figure,
  total: figure,
  change: figure,
  reason: z.string().max(256).optional(),
});

const transferData = z.object({
  transactionId: id,
  asset: label,
  status: label.optional(),
  amount: figure,
  method: label.optional(),
  receivedAt: timestamp.optional(),
  processedAt: timestamp.optional(),
});

const maintenanceData = z.object({
  startTime: timestamp,
  endTime: timestamp,
  description: z.string().optional(),
  affectedServices: z.array(z.string()).optional(),
});

const alertData = z.object({
  level: label,
  title: z.string().min(1),
  message: z.string(),
  affectedSymbols: z.array(z.string()).optional(),
  recommendation: z.string().optional(),
});

const envelope = <E extends string, D extends z.ZodType>(event: E, data: D) => z.object({ event: z.literal(event), timestamp, data });

export const vibeEventSchema = z.discriminatedUnion('event', [
  envelope('order.created', orderData),
  envelope('order.updated', orderData),
  envelope('order.cancelled', orderData),
  envelope('position.opened', positionData),
  envelope('position.updated', positionData),
  envelope('position.closed', positionData),
  envelope('account.balance_updated', balanceData),
  envelope('account.deposit_received', transferData),
  envelope('account.withdrawal_processed', transferData),
  envelope('system.maintenance', maintenanceData),
  envelope('system.alert', alertData),
]);

export type VibeEvent = z.infer<typeof vibeEventSchema>;

export const vibeEventNames: ReadonlySet<string> = new Set(vibeEventSchema.options.map((option) => option.shape.event.value));
