/**
 * Postgres refuses U+0000 in text and jsonb. A client can send it, and what a client sends must
 * never turn into a 500, so it is replaced before anything is stored.
 */
export function toJsonb(value: unknown): string {
  return JSON.stringify(withoutNul(value));
}

export function textWithoutNul(value: string): string {
  return value.replaceAll('\u0000', '\ufffd');
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return textWithoutNul(value);
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [textWithoutNul(k), withoutNul(v)]));
  }
  return value;
}
