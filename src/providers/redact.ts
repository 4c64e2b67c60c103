/**
 * Secrets are stripped at the door: whatever of a request is kept (journal, dead letters, logs)
 * passes through here first. Known secret fields are dropped wherever they sit, and any configured
 * secret that still appears verbatim (in a field of another name, or in a body that is not JSON)
 * is replaced.
 */
export const REDACTED = '[redacted]';

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out;
}

export function stripSecretFields(value: unknown, fields: ReadonlySet<string>, secrets: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => stripSecretFields(item, fields, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // Keys are text a sender chooses as freely as values: a secret used as a key is scrubbed too.
      if (!fields.has(key)) out[redactText(key, secrets)] = stripSecretFields(inner, fields, secrets);
    }
    return out;
  }
  if (typeof value === 'string') return redactText(value, secrets);
  return value;
}
