import type { QuietHours } from '../config/lifecycle-config.ts';
import type { Pool } from '../db/pool.ts';
import { loadContact } from '../db/user-profile-store.ts';
import { maintenanceHoldEnd } from './maintenance.ts';
import type { OutageDetector } from './outage-detector.ts';
import { quietHoursEnd } from './quiet-hours.ts';

export interface PromptTarget {
  provider: string;
  brokerageId: string | null;
  userId: string | null;
}

/**
 * Whether a prompt to the user may go out now and, if not, until when to wait: a provider
 * maintenance window, a detected outage of the brokerage, or the user's quiet hours.
 */
export function createPromptGate(deps: { pool: Pool; outages: OutageDetector; quietHours: QuietHours }) {
  async function deferUntil(target: PromptTarget, now: number): Promise<number | null> {
    const maintenance = await maintenanceHoldEnd(deps.pool, target.provider, target.brokerageId, now);
    if (maintenance) return maintenance;
    const outage = await deps.outages.evaluate(target.provider, target.brokerageId ?? '*', now);
    if (outage.heldUntil) return outage.heldUntil;
    const contact = target.userId ? await loadContact(deps.pool, target.provider, target.userId) : null;
    return quietHoursEnd(now, deps.quietHours, contact?.timeZone ?? null);
  }

  return { deferUntil };
}

export type PromptGateService = ReturnType<typeof createPromptGate>;
