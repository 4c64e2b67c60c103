import type { ActivityDeps } from '../activities/index.ts';
import { createAlerter } from './alerts/alerter.ts';
import type { WorkerConfig } from './config/config.ts';
import type { Pool } from './db/pool.ts';
import { loadCredential, loadLoginName } from './db/user-profile-store.ts';
import { createOutageDetector } from './holds/outage-detector.ts';
import { createPromptGate } from './holds/prompt-gate.ts';
import type { Logger } from './logger.ts';
import { createEmailChannel } from './notifications/email-channel.ts';
import { createNotifier } from './notifications/notifier.ts';
import { createWebhookChannel } from './notifications/webhook-channel.ts';
import type { ProviderActions } from './providers/provider-actions.ts';
import { createSnapTradeActions } from './providers/snaptrade/actions.ts';
import { createVezgoActions } from './providers/vezgo/actions.ts';
import { createCredentialCipher } from './security/credential-cipher.ts';

/** Wires the worker's configuration into the activities' dependencies. */
export function createActivityDeps(config: WorkerConfig, pool: Pool, logger: Logger): ActivityDeps {
  const alerter = createAlerter({ pool, opsWebhookUrl: config.OPS_ALERT_WEBHOOK_URL, logger });
  const outages = createOutageDetector({
    pool,
    alerter,
    policy: { threshold: config.OUTAGE_THRESHOLD, windowMs: config.OUTAGE_WINDOW, maxHoldMs: config.OUTAGE_MAX_HOLD },
  });
  const cipher = config.CREDENTIALS_KEY ? createCredentialCipher(config.CREDENTIALS_KEY) : undefined;

  const providers: Record<string, ProviderActions> = {};
  if (config.SNAPTRADE_CLIENT_ID && config.SNAPTRADE_CONSUMER_KEY) {
    providers.snaptrade = createSnapTradeActions({
      clientId: config.SNAPTRADE_CLIENT_ID,
      consumerKey: config.SNAPTRADE_CONSUMER_KEY,
      basePath: config.SNAPTRADE_API_URL,
      userSecret: async (userId) => (cipher ? loadCredential(pool, cipher, 'snaptrade', userId) : null),
    });
  }
  if (config.VEZGO_CLIENT_ID && config.VEZGO_CLIENT_SECRET) {
    providers.vezgo = createVezgoActions({
      clientId: config.VEZGO_CLIENT_ID,
      secret: config.VEZGO_CLIENT_SECRET,
      baseURL: config.VEZGO_API_URL,
      loginName: (userId) => loadLoginName(pool, 'vezgo', userId),
    });
  }

  const notifier = createNotifier({
    pool,
    sendWebhook: config.NOTIFY_WEBHOOK_URL && config.NOTIFY_WEBHOOK_SECRET ? createWebhookChannel(config.NOTIFY_WEBHOOK_URL, config.NOTIFY_WEBHOOK_SECRET) : undefined,
    sendEmail: config.SMTP_URL ? createEmailChannel(config.SMTP_URL, config.NOTIFY_EMAIL_FROM) : undefined,
    reconnectUrl: async (request) => {
      const actions = providers[request.provider];
      if (!actions) return null;
      try {
        return await actions.reconnectUrl(request);
      } catch (error) {
        // A prompt without a link still tells the user to reconnect; it must not wait on the provider.
        logger.warn({ provider: request.provider, err: error instanceof Error ? error.message : String(error) }, 'no reconnect link');
        return null;
      }
    },
  });

  return {
    pool,
    logger,
    alerter,
    outages,
    notifier,
    providers,
    promptGate: createPromptGate({ pool, outages, quietHours: config.QUIET_HOURS }),
    policy: {
      reauthGraceMs: config.REAUTH_GRACE,
      reminderCadenceMs: config.REAUTH_REMINDER_CADENCE,
      maxReminders: config.REAUTH_MAX_REMINDERS,
      syncRetryInitialMs: config.SYNC_RETRY_INITIAL,
      syncRetryMaxMs: config.SYNC_RETRY_MAX,
      degradedEscalateAfterMs: config.DEGRADED_ESCALATE_AFTER,
    },
  };
}
