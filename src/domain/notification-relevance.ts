import type { ConnectionSnapshot, NotificationIntent } from './connection-state.ts';

export type StoredConnection = Pick<ConnectionSnapshot, 'status' | 'reauth' | 'degraded'>;

/**
 * Why a notification not yet delivered should no longer go out, or null while the connection still
 * needs it. A prompt (and the exhaustion notice) is about one broken episode, the degraded notice
 * about one degraded episode: once the connection left that episode (fixed, synced, broken anew) it
 * would only confuse. "Restored" stays true until the connection breaks again. Nothing is worth
 * saying about a deleted connection.
 */
export function mootReason(intent: NotificationIntent, connection: StoredConnection | null): string | null {
  if (!connection) return null;
  if (connection.status === 'deleted') return 'the connection was deleted';
  switch (intent.kind) {
    case 'reauth_required':
    case 'reauth_reminder':
    case 'reauth_exhausted':
      return connection.status === 'broken' && connection.reauth?.episode === intent.episode ? null : `the broken episode it was about is over (${connection.status} now)`;
    case 'degraded':
      return connection.status === 'degraded' && connection.degraded?.episode === intent.episode ? null : `the degraded episode it was about is over (${connection.status} now)`;
    case 'restored':
      return connection.status === 'broken' ? 'the connection broke again' : null;
  }
}
