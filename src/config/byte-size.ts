import { z } from 'zod';

const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** "10MiB", "512KiB" or a bare number of bytes, as bytes. */
export const byteSize = z
  .string()
  .trim()
  .regex(/^\d+(B|KiB|MiB|GiB)?$/, 'a size such as 10MiB, 512KiB or 1048576')
  .transform((value) => {
    const [, amount, unit = 'B'] = /^(\d+)(B|KiB|MiB|GiB)?$/.exec(value)!;
    return Number(amount) * units[unit]!;
  })
  .refine((bytes) => bytes > 0, 'more than 0 bytes');
