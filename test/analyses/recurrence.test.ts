import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExplainedSpike, LogEvent, Spike } from '../../src/event.js';
import { describeRecurrence, findRecurrence, markScheduledJobs } from '../../src/analyses/recurrence.js';

const S = 1_000_000;
const at = (day: number, h: number, m: number) => Date.UTC(2008, 2, day, h, m) * 1000;

function spike(id: number, onset: number, hosts: [string, number][]): Spike {
  return {
    id, start: onset - 120 * S, end: onset + 900 * S, peak: onset, onset, bytes: 1e9, pkts: 1e6, baselineBytes: 1e6, excessBytes: 1e9 - 1e6,
    score: 100, detected: true, hosts: hosts.map(([host, share]) => ({ host, share, bytes: share * 1e9, received: share * 1e9, sent: 0 })),
    pairs: [], ports: [], flows: [],
  };
}

const span = { start: at(6, 22, 0), end: at(8, 10, 0) };
const nightly = [['10.2.3.102', 1], ['192.168.134.56', 0.97]] as [string, number][];

test('two nights at about the same time with the same hosts recur daily', () => {
  const out = findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(8, 3, 28), nightly)], span);
  assert.deepEqual(out[0].recurrence, out[1].recurrence);
  const r = out[0].recurrence!;
  assert.equal(r.period, 'daily');
  assert.equal(r.near, '03:27');
  assert.deepEqual([r.seen, r.of], [2, 2]);
  assert.deepEqual(r.spikeIds, [1, 2]);
  assert.equal(describeRecurrence(r), 'recurs daily near 03:27 (2 of 2 days), same hosts');
});

test('other hosts, another time of day, or the same day do not recur', () => {
  const other = [['10.9.9.9', 1], ['10.8.8.8', 1]] as [string, number][];
  assert.equal(findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(8, 3, 27), other)], span)[0].recurrence, undefined);
  assert.equal(findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(8, 9, 0), nightly)], span)[0].recurrence, undefined);
  assert.equal(findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(7, 3, 50), nightly)], span)[0].recurrence, undefined);
});

test('across midnight: 23:55 and 00:10 are the same time of day', () => {
  const out = findRecurrence([spike(1, at(6, 23, 55), nightly), spike(2, at(8, 0, 10), nightly)], { start: at(6, 0, 0), end: at(9, 0, 0) });
  assert.equal(out[0].recurrence?.period, 'daily');
  assert.equal(out[0].recurrence?.of, 3);
});

test('weekly: the same weekday in different weeks, when days in between are quiet', () => {
  const weeks = { start: Date.UTC(2008, 2, 3) * 1000, end: Date.UTC(2008, 2, 24) * 1000 };
  const mondays = [3, 10, 17].map((d, i) => spike(i + 1, at(d, 2, 0), nightly));
  const out = findRecurrence(mondays, weeks);
  // Three Mondays are also "different days at the same time": daily wins, with 3 of 21 days.
  assert.equal(out[0].recurrence?.period, 'daily');
  assert.equal(out[0].recurrence?.seen, 3);
  assert.equal(out[0].recurrence?.of, 21);
});

function log(file: string, user = 'xxx@xxx.com'): LogEvent {
  return { kind: 'log', ts: 0, service: 'ftp', action: 'upload', fields: { user, file }, message: '', origin: { file: 'messages', line: 1, raw: '' } };
}

function explained(s: Spike, files: string[], user?: string): ExplainedSpike {
  return {
    spike: s, unexplainedBytes: 0, unexplained: [],
    explanations: files.map((f) => ({ rule: 'ftp_upload', title: 'FTP upload', confidence: 0.9, summary: '', evidence: [], flows: [], logs: [log(f, user)], bytes: 1 })),
  };
}

test('repeating evidence with dated file names looks like a scheduled job', () => {
  const [a, b] = findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(8, 3, 28), nightly)], span);
  const out = markScheduledJobs([
    explained(a, ['/home/xxx/backup//xxx.com_2008.03.07_03-21-02']),
    explained(b, ['/home/xxx/backup//xxx.com_2008.03.08_03-21-02']),
  ]);
  assert.equal(out[0].scheduled, 'looks like a scheduled job: xxx@xxx.com, FTP uploads of xxx.com_<date>_03-21-02 daily near 03:27');
  assert.equal(out[1].scheduled, out[0].scheduled);
  const otherUser = markScheduledJobs([explained(a, ['/b/x_2008.03.07']), explained(b, ['/b/x_2008.03.08'], 'mallory')]);
  assert.equal(otherUser[0].scheduled, undefined);
  const noDate = markScheduledJobs([explained(a, ['/b/report.tar']), explained(b, ['/b/report.tar'])]);
  assert.equal(noDate[0].scheduled, undefined);
});
