import { z } from 'zod';
import { identifier } from '../domain/connection-event.ts';

const ownerSchema = z.tuple([identifier(32), identifier(256)]);

/**
 * A public attempt id names the user workflow that holds the attempt, so it can be looked up from
 * the id alone: base64url of [provider, userId], a dot, the workflow's own attempt id.
 */
export function encodeAttemptId(provider: string, userId: string, attemptId: string): string {
  return `${Buffer.from(JSON.stringify([provider, userId])).toString('base64url')}.${attemptId}`;
}

export function decodeAttemptId(id: string): { provider: string; userId: string; attemptId: string } | null {
  const [owner, attemptId, ...rest] = id.split('.');
  if (!owner || !attemptId || rest.length > 0) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(owner, 'base64url').toString('utf8'));
    // Bounded like the ids they came from, so a forged id never becomes a workflow id Temporal refuses.
    const owned = ownerSchema.safeParse(parsed);
    if (!owned.success || !/^[\w-]{1,64}$/.test(attemptId)) return null;
    return { provider: owned.data[0], userId: owned.data[1], attemptId };
  } catch {
    return null;
  }
}
