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
    if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string' && part.length > 0)) return null;
    return { provider: parsed[0] as string, userId: parsed[1] as string, attemptId };
  } catch {
    return null;
  }
}
