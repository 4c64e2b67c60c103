import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietHoursSchema } from '../../src/config/lifecycle-config.ts';
import { quietHoursEnd } from '../../src/holds/quiet-hours.ts';

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
