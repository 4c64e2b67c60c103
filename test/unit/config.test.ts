import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, receiverConfigSchema } from '../../src/config/config.ts';

const valid = {
  PORT: '3000',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/app',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TASK_QUEUE: 'connections',
  SNAPTRADE_WEBHOOK_SECRET: 'old-secret, new-secret',
  API_TOKEN: 'an-api-token-of-some-length',
};

test('a valid environment parses, with secret lists and production defaults', () => {
  const config = loadConfig(receiverConfigSchema, valid);
  assert.deepEqual(config.SNAPTRADE_WEBHOOK_SECRET, ['old-secret', 'new-secret']);
  assert.equal(config.SWEEP_INTERVAL, 5_000);
  assert.equal(config.PORT, 3000);
});

test('durations take units', () => {
  assert.equal(loadConfig(receiverConfigSchema, { ...valid, SWEEP_GRACE: '2m' }).SWEEP_GRACE, 120_000);
});

test('a missing or bad value stops start-up with a message naming the variable', () => {
  const { DATABASE_URL: _missing, ...withoutDatabase } = valid;
  assert.throws(() => loadConfig(receiverConfigSchema, withoutDatabase), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /DATABASE_URL: is required/);
    return true;
  });
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, PORT: 'eighty' }), /PORT/);
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, SNAPTRADE_WEBHOOK_SECRET: ' , ' }), /SNAPTRADE_WEBHOOK_SECRET/);
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, SWEEP_INTERVAL: 'soon' }), /SWEEP_INTERVAL/);
});
