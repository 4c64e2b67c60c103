import { DateTime, IANAZone } from 'luxon';
import type { QuietHours } from '../config/lifecycle-config.ts';

/**
 * When `now` falls inside the user's quiet hours (wall-clock time in their time zone, UTC when
 * unknown), the instant they end; otherwise null. The end is found on the local calendar, so a
 * night that a daylight-saving change makes an hour shorter or longer still ends at its wall-clock time.
 */
export function quietHoursEnd(now: number, quiet: QuietHours, timeZone: string | null): number | null {
  if (!quiet) return null;
  const local = DateTime.fromMillis(now, { zone: timeZone ?? 'UTC' });
  const minute = local.hour * 60 + local.minute;
  const { startMinute, endMinute } = quiet;
  const inside = startMinute <= endMinute ? minute >= startMinute && minute < endMinute : minute >= startMinute || minute < endMinute;
  if (!inside) return null;
  const endDay = minute < endMinute ? local : local.plus({ days: 1 });
  return endDay.set({ hour: Math.floor(endMinute / 60), minute: endMinute % 60, second: 0, millisecond: 0 }).toMillis();
}

export function isValidTimeZone(timeZone: string): boolean {
  return IANAZone.isValidZone(timeZone);
}
