import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { loadConfig, receiverConfigSchema } from '../../config/config.ts';
import { createPool } from '../../db/pool.ts';
import { createLogger } from '../../logger.ts';
import { newUpvestKey } from '../../providers/upvest/webhook-signer.ts';
import { receiverApp } from '../../receiver.ts';

const aesKey = () => `reference:${randomBytes(32).toString('base64')}`;

/**
 * The receiver with every optional route on (each provider, the codec, stored credentials): the
 * whole contract, as `npm run openapi` writes it to openapi.json. Nothing here connects: the pool
 * and the Temporal connection are lazy, and no request is ever served.
 */
export function referenceApp(): { app: Express; close(): Promise<void> } {
  const config = loadConfig(receiverConfigSchema, {
    PORT: '0',
    DATABASE_URL: 'postgres://reference@127.0.0.1:1/reference',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'reference',
    SNAPTRADE_WEBHOOK_SECRET: 'reference',
    API_TOKEN: 'reference-api-token-0123456789',
    VEZGO_CLIENT_ID: 'reference',
    VIBE_WEBHOOK_SECRET: 'reference',
    VIBE_ACCOUNT_ID: 'reference',
    UPVEST_WEBHOOK_JWKS: JSON.stringify({ keys: [newUpvestKey().jwk] }),
    TEMPORAL_ENCRYPTION_KEY: aesKey(),
    TEMPORAL_CODEC_URL_TOKEN: randomBytes(32).toString('base64url'),
    CREDENTIALS_KEY: aesKey(),
    LOG_LEVEL: 'silent',
  });
  const pool = createPool(config.DATABASE_URL);
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const app = receiverApp(config, {
    pool,
    metricsPool: pool,
    client: new Client({ connection }),
    logger: createLogger('silent'),
    dispatcher: { dispatchNow: () => undefined },
  });
  return { app, close: async () => Promise.all([pool.end(), connection.close()]).then(() => undefined) };
}
