import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "250ms", "15m", "1d" or a bare number of milliseconds, as milliseconds. */
export const durationMs = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)?$/, 'a duration such as 500ms, 30s, 15m, 6h or 1d')
  .transform((value) => {
    const [, amount, unit = 'ms'] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value)!;
    return Math.round(Number(amount) * units[unit]!);
  });
