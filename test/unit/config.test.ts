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

test('TRUST_PROXY takes a hop count or the proxies’ addresses, never a bare true', () => {
  const trust = (value: string) => loadConfig(receiverConfigSchema, { ...valid, TRUST_PROXY: value }).TRUST_PROXY;
  assert.equal(loadConfig(receiverConfigSchema, valid).TRUST_PROXY, false);
  assert.equal(trust('false'), false);
  assert.equal(trust('1'), 1);
  assert.equal(trust('2'), 2);
  assert.deepEqual(trust('10.0.0.0/8, loopback,fd00::1'), ['10.0.0.0/8', 'loopback', 'fd00::1']);
  for (const bad of ['true', 'TRUE', 'yes', '10.0.0.300', '10.0.0.0/33', 'proxy.internal', '-1', '1.5']) {
    assert.throws(() => trust(bad), (error: Error) => {
      assert.ok(error instanceof ConfigError, bad);
      assert.match(error.message, /TRUST_PROXY: /);
      return true;
    }, bad);
  }
  assert.throws(() => trust('true'), /X-Forwarded-For/, 'a bare true says why it is refused');
});

test('source allowlists refuse what is not an address or CIDR range', () => {
  for (const variable of ['VIBE_ALLOWED_IPS', 'VEZGO_ALLOWED_IPS']) {
    const parse = (value: string) => loadConfig(receiverConfigSchema, { ...valid, [variable]: value })[variable as 'VIBE_ALLOWED_IPS'];
    assert.deepEqual(parse('203.0.113.0/24, 2001:db8::/32,192.0.2.7'), ['203.0.113.0/24', '2001:db8::/32', '192.0.2.7']);
    for (const bad of ['203.0.113.0/33', 'vibe.example', '2001:db8::/129', '203.0.113.0/', '1.2.3.4/x']) {
      assert.throws(() => parse(bad), new RegExp(`${variable}: .*${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`), `${variable}=${bad}`);
    }
  }
});

test('SnapTrade signature settings: a required signature needs the consumer key; the app dialect may have its own secret', () => {
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, SNAPTRADE_REQUIRE_SIGNATURE: 'true' }), /SNAPTRADE_REQUIRE_SIGNATURE: needs SNAPTRADE_CONSUMER_KEY/);
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, SNAPTRADE_REQUIRE_SIGNATURE: 'yes' }), /SNAPTRADE_REQUIRE_SIGNATURE/);
  const config = loadConfig(receiverConfigSchema, { ...valid, SNAPTRADE_CONSUMER_KEY: 'ck', SNAPTRADE_MAX_EVENT_AGE: '300s', SNAPTRADE_APP_SIGNING_SECRET: 'a,b' });
  assert.deepEqual([config.SNAPTRADE_REQUIRE_SIGNATURE, config.SNAPTRADE_MAX_EVENT_AGE, config.SNAPTRADE_APP_SIGNING_SECRET], [undefined, 300_000, ['a', 'b']]);
  assert.equal(loadConfig(receiverConfigSchema, valid).SNAPTRADE_MAX_EVENT_AGE, undefined, 'no freshness rule by default');
});

test('JWT settings: pinned asymmetric algorithms, a small clock tolerance, a JWKS fetched over https unless on loopback', () => {
  const jwt = { API_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json', API_JWT_ISSUER: 'https://auth.example.com/', API_JWT_AUDIENCE: 'lifecycle' };
  const config = loadConfig(receiverConfigSchema, { ...valid, ...jwt });
  assert.deepEqual([config.API_JWT_ALGORITHMS, config.API_JWT_CLOCK_TOLERANCE], [['RS256', 'ES256', 'EdDSA'], 30_000]);
  assert.deepEqual(loadConfig(receiverConfigSchema, { ...valid, ...jwt, API_JWT_ALGORITHMS: 'ES384, PS256' }).API_JWT_ALGORITHMS, ['ES384', 'PS256']);
  for (const bad of ['HS256', 'none', 'ES256,RS1']) {
    assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, ...jwt, API_JWT_ALGORITHMS: bad }), /API_JWT_ALGORITHMS: /, bad);
  }
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, ...jwt, API_JWT_CLOCK_TOLERANCE: '1h' }), /API_JWT_CLOCK_TOLERANCE: /);

  for (const local of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks']) {
    assert.equal(loadConfig(receiverConfigSchema, { ...valid, ...jwt, API_JWKS_URL: local }).API_JWKS_URL, local);
  }
  for (const plain of ['http://auth.example.com/jwks', 'http://10.0.0.5/jwks', 'ftp://auth.example.com/jwks']) {
    assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, ...jwt, API_JWKS_URL: plain }), /API_JWKS_URL: .*https/, plain);
  }
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, API_JWKS_URL: jwt.API_JWKS_URL }), /API_JWT_ISSUER: .*API_JWKS_URL/, 'half a JWT setup is refused, not ignored');
});

test('with the consumer key the clear-text SNAPTRADE_WEBHOOK_SECRET can be retired; without it, it is required', () => {
  const { SNAPTRADE_WEBHOOK_SECRET: _retired, ...withoutSecret } = valid;
  assert.throws(() => loadConfig(receiverConfigSchema, withoutSecret), /SNAPTRADE_WEBHOOK_SECRET: is required unless SNAPTRADE_CONSUMER_KEY/);
  assert.throws(() => loadConfig(receiverConfigSchema, { ...withoutSecret, SNAPTRADE_CONSUMER_KEY: 'ck', SNAPTRADE_REQUIRE_SIGNATURE: 'false' }), /SNAPTRADE_WEBHOOK_SECRET/);
  assert.equal(loadConfig(receiverConfigSchema, { ...withoutSecret, SNAPTRADE_CONSUMER_KEY: 'ck' }).SNAPTRADE_WEBHOOK_SECRET, undefined);
});

test('metrics: a snapshot every 15 s by default, and an optional scrape token', () => {
  const config = loadConfig(receiverConfigSchema, valid);
  assert.equal(config.METRICS_REFRESH, 15_000);
  assert.equal(config.METRICS_TOKEN, undefined);
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, METRICS_TOKEN: 'short' }), /METRICS_TOKEN/);
});

test('Upvest keys come from its authenticated API: a bare JWKS URL is refused with what to set instead', () => {
  assert.throws(
    () => loadConfig(receiverConfigSchema, { ...valid, UPVEST_WEBHOOK_JWKS_URL: 'https://sandbox.upvest.co/auth/verify_keys' }),
    /UPVEST_WEBHOOK_JWKS_URL: .*UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET/,
  );
  const config = loadConfig(receiverConfigSchema, { ...valid, UPVEST_BASE_URL: 'https://sandbox.upvest.co', UPVEST_CLIENT_ID: 'id', UPVEST_CLIENT_SECRET: 'secret' });
  assert.equal(config.UPVEST_BASE_URL, 'https://sandbox.upvest.co');
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, UPVEST_BASE_URL: 'https://sandbox.upvest.co' }), /UPVEST_CLIENT_ID/);
  assert.throws(
    () => loadConfig(receiverConfigSchema, { ...valid, UPVEST_BASE_URL: 'https://sandbox.upvest.co', UPVEST_CLIENT_ID: 'id', UPVEST_CLIENT_SECRET: 's', UPVEST_SIGNING_KEY_ID: 'k' }),
    /UPVEST_SIGNING_KEY and UPVEST_SIGNING_KEY_ID go together/,
  );
});

test('the codec URL token is long and URL-safe, or absent', () => {
  assert.equal(loadConfig(receiverConfigSchema, valid).TEMPORAL_CODEC_URL_TOKEN, undefined);
  const token = 'a'.repeat(32);
  assert.equal(loadConfig(receiverConfigSchema, { ...valid, TEMPORAL_CODEC_URL_TOKEN: token }).TEMPORAL_CODEC_URL_TOKEN, token);
  for (const bad of ['short', `${'a'.repeat(32)}/x`]) assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, TEMPORAL_CODEC_URL_TOKEN: bad }), /TEMPORAL_CODEC_URL_TOKEN/);
});

test('a notification or alert URL with user:password@ stops start-up without the password in the message', () => {
  for (const variable of ['NOTIFY_WEBHOOK_URL', 'OPS_ALERT_WEBHOOK_URL'] as const) {
    assert.throws(
      () => loadConfig(receiverConfigSchema, { ...valid, [variable]: 'https://app:hunter2-password@backend.example/hooks' }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`${variable}: no user:password@`));
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
    assert.equal(loadConfig(receiverConfigSchema, { ...valid, [variable]: 'https://backend.example/hooks' })[variable], 'https://backend.example/hooks');
  }
});

test('a workflow task waits 10 minutes for its worker by default, and at least a second', () => {
  assert.equal(loadConfig(receiverConfigSchema, valid).WORKER_STICKY_QUEUE_TIMEOUT, 600_000);
  assert.equal(loadConfig(receiverConfigSchema, { ...valid, WORKER_STICKY_QUEUE_TIMEOUT: '2s' }).WORKER_STICKY_QUEUE_TIMEOUT, 2_000);
  assert.throws(() => loadConfig(receiverConfigSchema, { ...valid, WORKER_STICKY_QUEUE_TIMEOUT: '500ms' }), /WORKER_STICKY_QUEUE_TIMEOUT: at least 1s/);
});
