import { z } from 'zod';
import { alertLevels } from './alert-level.ts';

/**
 * What a provider-wide notice carries in its event's `detail`: the adapter writes it, the notice's
 * activities read it back, and both go through these schemas.
 */
const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'a canonical instant');

export const maintenanceNoticeSchema = z.object({
  providerEventType: z.string().min(1).max(64),
  startsAt: instant,
  endsAt: instant,
  description: z.string().max(1000).nullable(),
});

export const alertNoticeSchema = z.object({
  providerEventType: z.string().min(1).max(64),
  level: z.enum(alertLevels),
  title: z.string().min(1).max(200),
  message: z.string().max(2000),
});

export type MaintenanceNotice = z.infer<typeof maintenanceNoticeSchema>;
export type AlertNotice = z.infer<typeof alertNoticeSchema>;
