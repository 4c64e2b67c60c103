/**
 * A webhook body as JSON, nesting cut at MAX_DEPTH. JSON.parse takes any depth a 1 MiB body can
 * hold, but what adapters do next (sort keys to hash or verify, strip secrets, store) recurses, and
 * an authentic body must not overflow the stack. No provider nests anywhere near this deep (their
 * own Python signers stop at 1,000), so a cut subtree only ever holds junk, and it stays visible.
 */
const MAX_DEPTH = 1000;
const CUT = `[nested deeper than ${MAX_DEPTH} levels; not kept]`;

/** JSON.parse, throwing the same SyntaxError; deeper than MAX_DEPTH becomes a marker string. */
export function parseJsonBody(text: string): unknown {
  return cut(JSON.parse(text), 0);
}

function cut(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return CUT;
  if (Array.isArray(value)) return value.map((item) => cut(item, depth + 1));
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) object[key] = cut(object[key], depth + 1);
  return object;
}
