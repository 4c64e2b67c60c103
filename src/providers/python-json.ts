/**
 * Python's `json.dumps(value, separators=(",", ":"), sort_keys=True)`: what SnapTrade's reference
 * signs. Python escapes every non-ASCII character (ensure_ascii) and DEL, JSON.stringify does not.
 */
export function pythonCompactSortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
