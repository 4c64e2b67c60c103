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
    const bounded = (part: unknown, max: number) => typeof part === 'string' && part.length > 0 && part.length <= max && !part.includes('\u0000');
    if (!Array.isArray(parsed) || parsed.length !== 2 || !bounded(parsed[0], 32) || !bounded(parsed[1], 256) || attemptId.length > 64) return null;
    return { provider: parsed[0] as string, userId: parsed[1] as string, attemptId };
  } catch {
    return null;
  }
}
