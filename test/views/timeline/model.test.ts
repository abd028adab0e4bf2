// Building the timeline model: aggregates per bin and lane, spikes placed on bins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTimelineModel, laneCounts, laneOf, navOf, sumIn } from '../../../src/views/timeline/model.js';
import { dayModel, log, series, T0, WIDTH } from './synthetic.js';

test('bytes and events become prefix sums, so any column is two lookups', () => {
  const m = dayModel();
  assert.equal(m.bins, 288);
  assert.equal(sumIn(m.cumBytes, 0, 2), 2 * 2 ** 20);
  assert.equal(sumIn(m.cumBytes, 42, 45), 3 * 900 * 2 ** 20);
  assert.equal(sumIn(m.cumEvents.ftp, 0, 288), 3);
  assert.equal(sumIn(m.cumEvents.ftp, 43, 45), 2);
  assert.equal(sumIn(m.cumEvents.mail, 100, 101), 1);
  assert.equal(sumIn(m.cumEvents.other, 0, 288), 1);
  assert.equal(sumIn(m.cumEvents.web, 0, 288), 0);
  assert.equal(m.logCount, 5);
});

test('spikes sit on their bins, in time order, with the headline explain prints', () => {
  const m = dayModel();
  assert.deepEqual(m.spikes.map((s) => [s.id, s.first, s.last, s.peak, s.recurring]), [
    [1, 42, 44, 42, false],
    [2, 180, 180, 180, true],
  ]);
  assert.match(m.spikes[0].headline, /^Spike 2008-03-08 03:30-03:45 on 10\.2\.3\.102/);
  assert.match(m.spikes[0].headline, /FTP upload/);
  const nav = navOf(m);
  assert.match(nav.spikes[0].text, /xxx@xxx\.com/);
  assert.match(nav.spikes[1].text, /10\.9\.9\.9/);
});

test('recurring can be given per spike id', () => {
  const s = series(10, () => 1);
  const m = buildTimelineModel({ series: s, spikes: dayModel().spikes.map((x) => x.explained), logs: [], zone: 'UTC', recurring: new Map([[2, false], [1, true]]) });
  assert.deepEqual(m.spikes.map((x) => x.recurring), [true, false]);
});

test('events outside the series are left out; lanes fold every other service into "other"', () => {
  const counts = laneCounts([log(T0 - 1, 'ftp', 'before'), log(T0, 'web', 'x'), log(T0 + 2 * WIDTH, 'sshd', 'y'), log(T0 + 3 * WIDTH, 'mail', 'after')], T0, WIDTH, 3);
  assert.equal(sumIn(counts.ftp, 0, 3), 0);
  assert.equal(sumIn(counts.web, 0, 1), 1);
  assert.equal(sumIn(counts.other, 2, 3), 1);
  assert.equal(sumIn(counts.mail, 0, 3), 0);
  assert.equal(laneOf('syslog'), 'other');
  assert.equal(laneOf('mail'), 'mail');
});

test('a filter recounts the lanes with only the events it keeps', () => {
  const m = dayModel();
  const counts = laneCounts(m.logs, m.start, m.width, m.bins, (e) => e.message.includes('uploaded'));
  assert.equal(sumIn(counts.ftp, 0, m.bins), 1);
  assert.equal(sumIn(counts.mail, 0, m.bins), 0);
});
