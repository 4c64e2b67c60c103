import type { Pool } from '../db/pool.ts';
import type { AlertLevel } from '../domain/alert-level.ts';
import type { Logger } from '../logger.ts';
import { closeAlert, openAlert } from './alert-store.ts';

export interface Alerter {
  /** `level` defaults to error: what we raise ourselves needs someone to act. */
  raise(kind: string, scope: string, message: string, level?: AlertLevel): Promise<void>;
  resolve(kind: string, scope: string): Promise<void>;
}

const marks: Record<AlertLevel, string> = { info: ':information_source:', warning: ':warning:', error: ':rotating_light:', critical: ':rotating_light:' };

/**
 * One open alert per (kind, scope): ops hear of it when it opens and when it resolves, and repeats
 * in between only bump its count. The chat post is best-effort; the table is the record.
 */
export function createAlerter(deps: { pool: Pool; opsWebhookUrl: string | undefined; logger: Logger }): Alerter {
  async function post(text: string): Promise<void> {
    if (!deps.opsWebhookUrl) return;
    try {
      const res = await fetch(deps.opsWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`ops webhook answered ${res.status}`);
    } catch (error) {
      deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'ops alert post failed');
    }
  }
  return {
    async raise(kind, scope, message, level = 'error') {
      if (await openAlert(deps.pool, kind, scope, message, level)) await post(`${marks[level]} ${kind} (${scope}): ${message}`);
    },
    async resolve(kind, scope) {
      if (await closeAlert(deps.pool, kind, scope)) await post(`:white_check_mark: resolved ${kind} (${scope})`);
    },
  };
}
