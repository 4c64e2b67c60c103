import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietHoursSchema } from '../../src/config/lifecycle-config.ts';
import { isValidTimeZone, quietHoursEnd } from '../../src/holds/quiet-hours.ts';

const nights = quietHoursSchema.parse('21:00-08:00');

test('inside the window, the prompt waits for its end in the user time zone', () => {
  // 22:30 in Paris (summer, UTC+2) is 20:30 UTC; quiet until 08:00 Paris, 06:00 UTC.
  const now = Date.UTC(2024, 6, 1, 20, 30);
  assert.equal(quietHoursEnd(now, nights, 'Europe/Paris'), Date.UTC(2024, 6, 2, 6, 0));
  // Early morning in New York (UTC-4): 05:15 local is 09:15 UTC.
  assert.equal(quietHoursEnd(Date.UTC(2024, 6, 1, 9, 15), nights, 'America/New_York'), Date.UTC(2024, 6, 1, 12, 0));
});

test('outside the window, or with quiet hours off, nothing waits', () => {
  assert.equal(quietHoursEnd(Date.UTC(2024, 6, 1, 12, 0), nights, 'Europe/Paris'), null);
  assert.equal(quietHoursEnd(Date.UTC(2024, 6, 1, 23, 0), quietHoursSchema.parse('off'), 'Europe/Paris'), null);
});

test('without a known time zone the window is in UTC', () => {
  assert.equal(quietHoursEnd(Date.UTC(2024, 6, 1, 23, 0), nights, null), Date.UTC(2024, 6, 2, 8, 0));
});

test('a night across a daylight-saving change still ends at 08:00 local time', () => {
  // New York springs forward on 2024-03-10 at 02:00 EST: 01:30 EST is 06:30 UTC, 08:00 EDT is 12:00 UTC.
  assert.equal(quietHoursEnd(Date.UTC(2024, 2, 10, 6, 30), nights, 'America/New_York'), Date.UTC(2024, 2, 10, 12, 0));
  // ... and falls back on 2024-11-03: 23:00 EDT on the 2nd is 03:00 UTC; 08:00 EST on the 3rd is 13:00 UTC.
  assert.equal(quietHoursEnd(Date.UTC(2024, 10, 3, 3, 0), nights, 'America/New_York'), Date.UTC(2024, 10, 3, 13, 0));
  // Berlin springs forward on 2024-03-31 at 02:00 CET: 22:00 CET on the 30th is 21:00 UTC; 08:00 CEST is 06:00 UTC.
  assert.equal(quietHoursEnd(Date.UTC(2024, 2, 30, 21, 0), nights, 'Europe/Berlin'), Date.UTC(2024, 2, 31, 6, 0));
  // ... and falls back on 2024-10-27: 05:00 UTC is 06:00 CET, quiet until 08:00 CET, 07:00 UTC.
  assert.equal(quietHoursEnd(Date.UTC(2024, 9, 27, 5, 0), nights, 'Europe/Berlin'), Date.UTC(2024, 9, 27, 7, 0));
});

test('an unknown or malformed time zone is refused', () => {
  assert.equal(isValidTimeZone('Europe/Berlin'), true);
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
  assert.equal(isValidTimeZone(''), false);
});
