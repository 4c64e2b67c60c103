import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { userIdAttributeFrom } from '../../src/temporal/user-id-attribute.ts';

const key = () => randomBytes(32).toString('base64');

test('without encryption the UserId search attribute is the plain id', () => {
  const attribute = userIdAttributeFrom(undefined);
  assert.equal(attribute.valueOf('ada@example.com'), 'ada@example.com');
  assert.deepEqual(attribute.candidatesOf('ada@example.com'), ['ada@example.com']);
});

test('with encryption it is a keyed hash: stable, different per key, found under every key of a rotation', () => {
  const [k1, k2] = [key(), key()];
  const before = userIdAttributeFrom(`a:${k1}`);
  const rotated = userIdAttributeFrom(`b:${k2},a:${k1}`);
  const value = before.valueOf('ada@example.com');
  assert.match(value, /^hmac-sha256:[A-Za-z0-9_-]{43}$/);
  assert.equal(before.valueOf('ada@example.com'), value, 'stable');
  assert.notEqual(before.valueOf('bob@example.com'), value);
  assert.notEqual(rotated.valueOf('ada@example.com'), value, 'the first key hashes');
  assert.ok(rotated.candidatesOf('ada@example.com').includes(value), 'a lookup still finds what the old key published');
  assert.notEqual(userIdAttributeFrom(`a:${key()}`).valueOf('ada@example.com'), value, 'another key, another hash: not guessable without it');
});
