import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchoredTimeContext, emptySpan, inReadOrder, widenSpan, zoneOf } from '../../src/sources/time-anchoring.js';
import { TimeContextError } from '../../src/errors.js';

const us = (iso: string): number => Date.parse(iso) * 1000;

test('inputs are read complete stamps first, then yearless logs, then time-of-day-only flows, in given order within each', () => {
  const inputs = [
    { file: 'argus.txt', completeness: 'no-date' as const },
    { file: 'messages', completeness: 'no-year' as const },
    { file: 'capture.pcap', completeness: 'full' as const },
    { file: 'xferlog', completeness: 'full' as const },
    { file: 'maillog', completeness: 'no-year' as const },
  ];
  assert.deepEqual(inReadOrder(inputs).map((i) => i.file), ['capture.pcap', 'xferlog', 'messages', 'maillog', 'argus.txt']);
});

test('a yearless log takes the middle of the span read before as its anchor, and says which span', () => {
  const span = emptySpan();
  widenSpan(span, us('2008-03-07T00:00:10Z'), us('2008-03-08T23:50:00Z'));
  widenSpan(span, us('2008-03-07T12:00:00Z'));
  const { time, notes } = anchoredTimeContext({ file: 'messages', completeness: 'no-year', mtime: new Date('2026-01-01T00:00:00Z') }, { zone: 'UTC' }, span);
  assert.equal(time.anchor, Math.round((us('2008-03-07T00:00:10Z') + us('2008-03-08T23:50:00Z')) / 2));
  assert.equal(time.zone, 'UTC');
  assert.deepEqual(notes, [`year taken from ${time.anchorSource}`]);
  assert.match(time.anchorSource!, /^the other inputs \(.*2008.*\.\. .*2008.*\)$/);
  // --year wins over the span.
  const given = anchoredTimeContext({ file: 'messages', completeness: 'no-year' }, { zone: 'UTC', year: 2009 }, span);
  assert.deepEqual([given.time.year, given.time.anchor, given.notes], [2009, undefined, []]);
});

test('with nothing read before, a yearless log takes its file time when given one, else its parser decides', () => {
  const mtime = new Date('2008-12-31T23:00:00Z');
  const a = anchoredTimeContext({ file: 'messages', completeness: 'no-year', mtime }, { zone: 'UTC' }, emptySpan());
  assert.deepEqual([a.time.anchor, a.notes], [mtime.getTime() * 1000, ["year taken from the file's modification time"]]);
  const b = anchoredTimeContext({ file: 'messages', completeness: 'no-year' }, { zone: 'UTC' }, emptySpan());
  assert.deepEqual([b.time.anchor, b.time.anchorSource, b.notes], [undefined, undefined, []]);
  const named = anchoredTimeContext({ file: 'messages', completeness: 'no-year' }, { zone: 'UTC' }, { min: 5, max: 5 }, 'capture.pcap (2008-03-07 03:20:00)');
  assert.deepEqual(named.notes, ['year taken from capture.pcap (2008-03-07 03:20:00)']);
});

test("a time-of-day-only file is dated by the span's first instant in the file's own zone; with no span it is a clear error", () => {
  const span = emptySpan();
  widenSpan(span, us('2008-03-07T23:30:00Z'), us('2008-03-08T02:00:00Z'));
  const options = { zone: 'UTC', zoneFor: new Map([['argus.txt', 'Asia/Tokyo']]) };
  const tokyo = anchoredTimeContext({ file: '/data/argus.txt', completeness: 'no-date' }, options, span);
  assert.deepEqual(tokyo.time.date, { year: 2008, month: 3, day: 8 });
  assert.equal(tokyo.time.zone, 'Asia/Tokyo');
  assert.deepEqual(tokyo.notes, ['date 2008-03-08 taken from the other inputs']);
  const utc = anchoredTimeContext({ file: 'other.txt', completeness: 'no-date' }, options, span);
  assert.deepEqual(utc.time.date, { year: 2008, month: 3, day: 7 });
  assert.throws(
    () => anchoredTimeContext({ file: 'argus.txt', completeness: 'no-date' }, { zone: 'UTC' }, emptySpan()),
    (e: unknown) => e instanceof TimeContextError && /^argus\.txt: stamps have a time of day but no date/.test(e.message),
  );
  // --date needs no span.
  assert.deepEqual(anchoredTimeContext({ file: 'argus.txt', completeness: 'no-date' }, { zone: 'UTC', date: { year: 2008, month: 3, day: 6 } }, emptySpan()).notes, []);
});

test('--tz FILE=ZONE matches the path or the base name', () => {
  const options = { zone: 'UTC', zoneFor: new Map([['messages', 'America/New_York'], ['/srv/log/maillog', 'Europe/Paris']]) };
  assert.equal(zoneOf('/var/log/messages', options), 'America/New_York');
  assert.equal(zoneOf('/srv/log/maillog', options), 'Europe/Paris');
  assert.equal(zoneOf('/srv/other/maillog', options), 'UTC');
});
