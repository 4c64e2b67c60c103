/**
 * What Postgres cannot hold, whoever sent it: U+0000 (refused in text and jsonb), lone UTF-16
 * surrogates (jsonb refuses their `\ud83d` escapes; text would get them silently replaced) and
 * JSON nested deeper than the server's parser stack. An authentic delivery must always be
 * storable, so these are replaced, never refused.
 */
const REPLACEMENT = '\ufffd';

/** Deeper than any real payload, well inside Postgres' (about 10,000) and V8's stack. */
export const MAX_JSON_DEPTH = 1000;
export const TOO_DEEP = `[nested deeper than ${MAX_JSON_DEPTH} levels; not kept]`;

/** U+0000, and a high surrogate with no low one after it or a low one with no high one before it. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableText(value: string): string {
  return value.replace(UNSTORABLE, REPLACEMENT);
}

/** A copy of a JSON value with every string and key storable and nesting bounded. */
export function storable<T>(value: T): T {
  return storableAt(value, 0) as T;
}

export function toJsonb(value: unknown): string {
  return JSON.stringify(storable(value));
}

function storableAt(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => storableAt(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storableAt(item, depth + 1)]));
}
