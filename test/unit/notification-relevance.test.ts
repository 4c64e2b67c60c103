import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationIntent } from '../../src/domain/connection-state.ts';
import { mootReason, type StoredConnection } from '../../src/domain/notification-relevance.ts';

const reauth = (episode: number) => ({ episode, since: 0, promptsSent: 1, nextPromptAt: null, exhausted: false });
const degraded = (episode: number) => ({ episode, since: 0, syncAttempts: 0, nextSyncAt: 0, escalated: false });
const prompt: NotificationIntent = { kind: 'reauth_reminder', episode: 2, attempt: 2 };

test('a prompt is due only while its own broken episode lasts', () => {
  const broken: StoredConnection = { status: 'broken', reauth: reauth(2), degraded: null };
  assert.equal(mootReason(prompt, broken), null);
  assert.equal(mootReason({ ...prompt, kind: 'reauth_exhausted' }, broken), null);
  assert.match(mootReason(prompt, { status: 'active', reauth: null, degraded: null }) ?? '', /over \(active now\)/);
  assert.match(mootReason(prompt, { status: 'broken', reauth: reauth(3), degraded: null }) ?? '', /over/);
});

test('a degraded notice is due only while its episode lasts; restored until the connection breaks again', () => {
  const intent: NotificationIntent = { kind: 'degraded', episode: 1, attempt: 1 };
  assert.equal(mootReason(intent, { status: 'degraded', reauth: null, degraded: degraded(1) }), null);
  assert.notEqual(mootReason(intent, { status: 'broken', reauth: reauth(1), degraded: null }), null);
  const restored: NotificationIntent = { kind: 'restored', episode: 1, attempt: 1 };
  assert.equal(mootReason(restored, { status: 'degraded', reauth: null, degraded: degraded(1) }), null);
  assert.match(mootReason(restored, { status: 'broken', reauth: reauth(2), degraded: null }) ?? '', /broke again/);
});

test('nothing is due about a deleted connection; an unknown one gets what was sent', () => {
  for (const kind of ['reauth_required', 'reauth_reminder', 'reauth_exhausted', 'degraded', 'restored'] as const) {
    assert.equal(mootReason({ kind, episode: 1, attempt: 1 }, { status: 'deleted', reauth: null, degraded: null }), 'the connection was deleted');
  }
  assert.equal(mootReason(prompt, null), null);
});
