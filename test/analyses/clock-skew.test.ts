// Clock skew from sure matches: the backup story's server runs ~4 s behind the sensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import type { Explanation, ExplainedSpike, FlowRecord, LogEvent } from '../../src/event.js';
import { describeClockSkew, estimateClockSkew, logShifter, restoreLogTimes } from '../../src/analyses/clock-skew.js';

const S = 1_000_000;
const T0 = Date.UTC(2008, 2, 8, 3, 0, 0) * 1000;

function flowEnding(end: number): FlowRecord {
  return {
    kind: 'flow', flowId: `f${end}`, start: end - 300 * S, end, proto: 6, src: '192.168.134.56', sport: 40000, dst: '10.2.3.102', dport: 50000,
    pkts: 1, bytes: 1, byteBasis: 'link', origin: { file: 'argus.txt', line: 1, raw: '' }, records: 1,
  };
}

function line(ts: number, file = 'samples/backup-spike/messages', fields: LogEvent['fields'] = { bytes: 891289600, rate: 2486497 }): LogEvent {
  return { kind: 'log', ts, service: 'ftp', action: 'upload', program: 'ftpd', fields, message: '', origin: { file, line: 1, raw: '' } };
}

function explained(pairs: [FlowRecord, LogEvent, number][]): ExplainedSpike[] {
  const explanations: Explanation[] = pairs.map(([f, l, confidence]) => ({ rule: 'ftp_upload', title: 'FTP upload', confidence, summary: '', evidence: [], flows: [f], logs: [l], bytes: 1 }));
  return [{ spike: {} as ExplainedSpike['spike'], explanations, unexplainedBytes: 0, unexplained: [] }];
}

test('median and spread of log time minus flow end, per log file', () => {
  const ends = [600, 900, 1200, 1500].map((s) => T0 + s * S);
  const offsets = [-4.2, -4.0, -4.5, -4.3];
  const x = explained(ends.map((e, i) => [flowEnding(e), line(e + offsets[i] * S), 0.93]));
  const [skew] = estimateClockSkew(x);
  assert.equal(skew.source, 'samples/backup-spike/messages');
  assert.equal(skew.program, 'ftpd');
  assert.equal(skew.matches, 4);
  assert.ok(Math.abs(skew.offset - -4.25 * S) < 1, String(skew.offset));
  assert.ok(Math.abs(skew.spread - 0.15 * S) < 1, String(skew.spread));
  assert.equal(describeClockSkew(skew), 'the ftpd log (samples/backup-spike/messages) runs 4.3 s behind the capture, from 4 matches, give or take 0.1 s; its times were corrected before matching');
});

test('unsure matches, groups, lines without a transfer window and too few matches do not vote', () => {
  const e = (s: number) => T0 + s * S;
  const pairs: [FlowRecord, LogEvent, number][] = [
    [flowEnding(e(100)), line(e(104)), 0.6], // not sure enough
    [flowEnding(e(200)), line(e(204), 'maillog', { size: 5000 }), 0.9], // a delivery: stamped inside its connection
    [flowEnding(e(300)), line(e(304)), 0.9],
    [flowEnding(e(400)), line(e(404)), 0.9],
  ];
  assert.deepEqual(estimateClockSkew(explained(pairs)), []);
  pairs.push([flowEnding(e(500)), line(e(504)), 0.9]);
  const [skew] = estimateClockSkew(explained(pairs));
  assert.equal(skew.matches, 3);
  // Stamps to the whole second count from the middle of that second.
  assert.equal(skew.offset, 4.5 * S);
  assert.match(describeClockSkew(skew), /runs 4\.5 s ahead of the capture, from 3 matches; /);
});

test('correcting moves only the skewed source, and the report gets the lines back as written', () => {
  const skewed = line(T0);
  const other = line(T0, 'vsftpd.log');
  const skew = [{ source: 'samples/backup-spike/messages', program: 'ftpd', offset: -4 * S, spread: 0, matches: 3 }];
  const { shift, original, bound } = logShifter(skew);
  const logs = [shift(skewed), shift(other)];
  assert.equal(bound, 4 * S);
  assert.equal(logs[0].ts, T0 + 4 * S);
  assert.equal(shift(skewed), logs[0], 'one copy per line, so claims by identity hold');
  assert.equal(logs[1], other);
  assert.equal(skewed.ts, T0, 'the input is not changed');
  const back = restoreLogTimes(explained([[flowEnding(T0 + 4 * S), logs[0], 0.95]]), original, skew);
  const ex = back[0].explanations[0];
  assert.equal(ex.logs[0], skewed);
  assert.equal(ex.evidence.at(-1), "log times moved +4.0 s onto the capture's clock (samples/backup-spike/messages runs 4.0 s behind)");
});

test('the seed story reports its skew: the ftpd log runs about 4.4 s behind the capture', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), 'explain', 'samples/backup-spike', '--json'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { clockSkew: { source: string; offsetSeconds: number; spreadSeconds: number; matches: number }[] };
  assert.equal(report.clockSkew.length, 1);
  const [skew] = report.clockSkew;
  assert.equal(skew.source, 'samples/backup-spike/messages');
  assert.equal(skew.matches, 6, 'three uploads a night, two nights');
  // The generator writes each upload line 4.0-5.0 s before its flow ends, stamped to the second.
  assert.ok(skew.offsetSeconds < -4 && skew.offsetSeconds > -5, String(skew.offsetSeconds));
  assert.ok(skew.spreadSeconds < 0.5, String(skew.spreadSeconds));
  const text = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), 'explain', 'samples/backup-spike'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  assert.match(text.stdout.replace(/\n\s+/g, ' '), /the ftpd log \(samples\/backup-spike\/messages\) runs 4\.\d s behind the capture, from 6 matches/);
});
