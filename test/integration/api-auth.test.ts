import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startRecordingServer, type RecordingServer } from '../support/recording-server.ts';
import { startStack, type Stack } from '../support/stack.ts';

const ISSUER = 'https://auth.example.test/';
const AUDIENCE = 'connection-lifecycle';

describe('API authentication with JWTs', () => {
  let stack: Stack;
  let issuer: RecordingServer;
  let sign: (claims: Record<string, unknown>, audience?: string) => Promise<string>;
  let signWith: (alg: 'ES256' | 'ES384', configure: (jwt: SignJWT) => SignJWT) => Promise<string>;

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    // The issuer also publishes a key of an algorithm the receiver does not pin.
    const es384 = await generateKeyPair('ES384');
    const jwk384 = { ...(await exportJWK(es384.publicKey)), kid: 'k384', alg: 'ES384', use: 'sig' };
    issuer = await startRecordingServer(() => ({ status: 200, body: { keys: [jwk, jwk384] } }));
    signWith = (alg, configure) =>
      configure(new SignJWT({ scope: 'connections:read' }).setProtectedHeader({ alg, kid: alg === 'ES256' ? 'k1' : 'k384' }).setIssuer(ISSUER).setAudience(AUDIENCE)).sign(
        alg === 'ES256' ? privateKey : es384.privateKey,
      );
    sign = (claims, audience = AUDIENCE) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    stack = await startStack({ env: { API_JWKS_URL: `${issuer.url}/.well-known/jwks.json`, API_JWT_ISSUER: ISSUER, API_JWT_AUDIENCE: AUDIENCE } });
  });
  after(async () => {
    await stack.stop();
    await issuer.close();
  });

  const putContact = (token: string) =>
    fetch(`${stack.receiver.url}/users/snaptrade/u1/contact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'u1@example.com' }),
    });

  test('a JWT with the wrong audience is 401', async () => {
    const res = await stack.get('/connections/snaptrade/x', { authorization: `Bearer ${await sign({ scope: 'connections:read' }, 'someone-else')}` });
    assert.equal(res.status, 401);
    assert.equal(res.body.status, 401);
  });

  test('a JWT without connections:write is 403 on a write, and reads with connections:read', async () => {
    const reader = await sign({ scope: 'connections:read' });
    const write = await putContact(reader);
    assert.equal(write.status, 403);
    assert.equal(((await write.json()) as { title: string }).title, 'Forbidden');
    const read = await stack.get('/connections/snaptrade/unknown', { authorization: `Bearer ${reader}` });
    assert.equal(read.status, 404, 'authorized, and the connection is unknown');
  });

  test('a JWT with connections:write (as an scp list) may write', async () => {
    const res = await putContact(await sign({ scp: ['connections:write'] }));
    assert.equal(res.status, 204);
  });

  const read = async (token: string) => (await stack.get('/connections/snaptrade/unknown', { authorization: `Bearer ${token}` })).status;

  test('a JWT without exp is 401: it would never expire', async () => {
    assert.equal(await read(await signWith('ES256', (jwt) => jwt.setIssuedAt())), 401);
    assert.equal(await read(await signWith('ES256', (jwt) => jwt.setIssuedAt().setExpirationTime('5m'))), 404, 'the same token with exp is accepted');
  });

  test('only the pinned algorithms (default RS256, ES256, EdDSA) are accepted, whatever keys the issuer publishes', async () => {
    assert.equal(await read(await signWith('ES384', (jwt) => jwt.setExpirationTime('5m'))), 401);
  });

  test('a small clock skew is tolerated (default 30 s), an expired token is not', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(await read(await signWith('ES256', (jwt) => jwt.setExpirationTime(now - 10))), 404, 'expired 10 s ago: the issuer’s clock may be ahead');
    assert.equal(await read(await signWith('ES256', (jwt) => jwt.setExpirationTime('5m').setNotBefore(now + 10))), 404, 'valid from 10 s ahead');
    assert.equal(await read(await signWith('ES256', (jwt) => jwt.setExpirationTime(now - 120))), 401, 'expired 2 min ago');
  });

  test('a token signed by another key is 401', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'connections:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(privateKey);
    assert.equal((await stack.get('/connections/snaptrade/x', { authorization: `Bearer ${forged}` })).status, 401);
  });
});
