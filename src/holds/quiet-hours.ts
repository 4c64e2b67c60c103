import type { QuietHours } from '../config/lifecycle-config.ts';

/**
 * When `now` falls inside the user's quiet hours (in their time zone, UTC when unknown), the
 * instant they end; otherwise null. Minute precision; a DST change inside the window may shift the
 * end by its hour, which is harmless for a reminder.
 */
export function quietHoursEnd(now: number, quiet: QuietHours, timeZone: string | null): number | null {
  if (!quiet) return null;
  const minute = localMinuteOfDay(now, timeZone ?? 'UTC');
  const { startMinute, endMinute } = quiet;
  const inside = startMinute <= endMinute ? minute >= startMinute && minute < endMinute : minute >= startMinute || minute < endMinute;
  if (!inside) return null;
  const minutesLeft = (endMinute - minute + 1440) % 1440;
  const secondsIntoMinute = Math.floor(now / 1000) % 60;
  return now - secondsIntoMinute * 1000 - (now % 1000) + minutesLeft * 60_000;
}

function localMinuteOfDay(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}
