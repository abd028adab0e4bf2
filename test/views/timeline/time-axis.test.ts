// Time labels that fit the zoom, on round times of the display zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisLine, timeTicks } from '../../../src/views/timeline/time-axis.js';
import { MIN, T0 } from './synthetic.js';

test('5-minute columns are labelled every hour on the hour, a date at midnight', () => {
  const ticks = timeTicks(T0, 5 * MIN, 70, 'UTC');
  assert.deepEqual(ticks.slice(0, 3), [
    { column: 0, label: '03-08' },
    { column: 12, label: '01:00' },
    { column: 24, label: '02:00' },
  ]);
});

test('zoomed out, the step grows so labels never overlap', () => {
  const ticks = timeTicks(T0, 40 * MIN, 60, 'UTC');
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i].column > ticks[i - 1].column + ticks[i - 1].label.length);
  assert.ok(ticks.length >= 4);
  assert.deepEqual(ticks.slice(0, 2).map((t) => t.label), ['03-08', '06:00']);
});

test('labels follow the zone: UTC midnight of 8 March 2008 is 19:00 in New York (EST; DST began on the 9th)', () => {
  const ticks = timeTicks(T0, 5 * MIN, 70, 'America/New_York');
  assert.equal(ticks[0].label, '19:00');
  assert.equal(ticks[0].column, 0);
  assert.equal(timeTicks(T0 + 60 * MIN, 5 * MIN, 70, 'America/New_York')[0].label, '20:00');
});

test('one-second columns get seconds in their labels; the axis line is exactly as wide as the chart', () => {
  const ticks = timeTicks(T0, 1_000_000, 40, 'UTC');
  assert.equal(ticks[0].label, '03-08');
  assert.match(ticks[1].label, /^00:00:\d0$/);
  const line = axisLine(ticks, 40);
  assert.equal(line.length, 40);
});
