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

test('weekly: the same weekday in different weeks, the days in between quiet', () => {
  const weeks = { start: Date.UTC(2008, 2, 3) * 1000, end: Date.UTC(2008, 2, 24) * 1000 };
  // 2008-03-03, 10 and 17 are Mondays; the data covers three Mondays at 02:00.
  const mondays = [3, 10, 17].map((d, i) => spike(i + 1, at(d, 2, 0), nightly));
  const r = findRecurrence(mondays, weeks)[0].recurrence!;
  assert.deepEqual({ period: r.period, near: r.near, seen: r.seen, of: r.of }, { period: 'weekly', near: '02:00', seen: 3, of: 3 });
  assert.equal(describeRecurrence(r), 'recurs weekly near 02:00 (3 of 3 weeks), same hosts');
  // Two of the three Mondays: 2 of 3 weeks.
  assert.equal(findRecurrence(mondays.slice(0, 2), weeks)[0].recurrence!.of, 3);
  // A Tuesday at the same time joins them: then it is a daily thing seen 4 of 21 days.
  const withTuesday = findRecurrence([...mondays, spike(4, at(11, 2, 5), nightly)], weeks);
  assert.deepEqual([withTuesday[0].recurrence!.period, withTuesday[0].recurrence!.seen, withTuesday[0].recurrence!.of], ['daily', 4, 21]);
});

test('every day for two weeks is daily, not weekly', () => {
  const span = { start: Date.UTC(2008, 2, 1) * 1000, end: Date.UTC(2008, 2, 15) * 1000 };
  const days = Array.from({ length: 14 }, (_, i) => spike(i + 1, at(1 + i, 3, 27 + (i % 3)), nightly));
  const r = findRecurrence(days, span)[0].recurrence!;
  assert.deepEqual([r.period, r.seen, r.of, r.near], ['daily', 14, 14, '03:28']);
});

test('similar attribution: one carrying host in common of two is the same hosts, of three it is not', () => {
  const otherClient = [['10.2.3.102', 1], ['192.168.9.9', 0.97]] as [string, number][];
  assert.equal(findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(8, 3, 28), otherClient)], span)[0].recurrence?.period, 'daily');
  const three = [['10.2.3.102', 0.6], ['192.168.9.9', 0.3], ['192.168.9.10', 0.3]] as [string, number][];
  const threeOther = [['10.2.3.102', 0.6], ['192.168.8.8', 0.3], ['192.168.8.9', 0.3]] as [string, number][];
  assert.equal(findRecurrence([spike(1, at(7, 3, 27), three), spike(2, at(8, 3, 28), threeOther)], span)[0].recurrence, undefined);
  // Hosts under a fifth of the spike do not count either way.
  const withNoise = [['10.2.3.102', 1], ['192.168.134.56', 0.97], ['10.9.9.9', 0.1]] as [string, number][];
  assert.ok(findRecurrence([spike(1, at(7, 3, 27), nightly), spike(2, at(8, 3, 28), withNoise)], span)[0].recurrence);
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

test('a weekly job with dated file names is a weekly scheduled job', () => {
  const weeks = { start: Date.UTC(2008, 2, 3) * 1000, end: Date.UTC(2008, 2, 24) * 1000 };
  const [a, b] = findRecurrence([spike(1, at(3, 2, 0), nightly), spike(2, at(10, 2, 1), nightly)], weeks);
  const out = markScheduledJobs([explained(a, ['/srv/dump-20080303.sql.gz'], 'backup'), explained(b, ['/srv/dump-20080310.sql.gz'], 'backup')]);
  assert.equal(out[0].scheduled, 'looks like a scheduled job: backup, FTP uploads of dump-<date>.sql.gz weekly near 02:00');
});
