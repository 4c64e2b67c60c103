/**
 * Providers send timestamps with microseconds and offsets ("2022-05-31T11:16:54.658533+00:00").
 * A JS Date keeps only milliseconds, so two deliveries a few microseconds apart would tie; instead
 * every instant is rewritten to UTC with exactly six fractional digits, and such strings order
 * correctly by plain string comparison.
 */
const isoPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

export function toCanonicalInstant(value: string): string | undefined {
  const match = isoPattern.exec(value.trim());
  if (!match) return undefined;
  const [, whole, fraction = '', zone] = match;
  const offset = zone!.toUpperCase() === 'Z' ? 'Z' : zone!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const seconds = Date.parse(`${whole}${offset}`);
  if (Number.isNaN(seconds)) return undefined;
  const utc = new Date(seconds).toISOString();
  // Years outside 0001–9999 come out signed and six digits long, and Postgres refuses them.
  if (!/^\d{4}-/.test(utc) || utc.startsWith('0000')) return undefined;
  return `${utc.slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`;
}

export function canonicalNow(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 23)}000Z`;
}
