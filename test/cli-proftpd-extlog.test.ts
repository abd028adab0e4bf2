// `flowlink explain` on one real capture of Debian's proftpd 1.3.8 and its ExtendedLog
// (write format, New York time; test/fixtures/pcap/SOURCES.md): the upload is an FTP upload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, fixture } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

interface Explanation { rule: string; summary: string; evidence: string[]; flows: { src: string; dport: number }[]; logs: { line: number }[] }

test("proftpd's ExtendedLog explains its upload and downloads with the FTP rules", () => {
  const capture = fixture('pcap', 'loopback-proftpd-extlog.pcap');
  const r = spawnSync(process.execPath, [CLI, 'explain', capture, fixture('logs', 'proftpd-1.3.8-extendedlog-write.log'), '--from', '2026-12-03T18:59:30Z', '--to', '2026-12-03T18:59:45Z', '--json'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { inputs: { format: string }[]; spikes: { explanations: Explanation[] }[] };
  assert.deepEqual(report.inputs.map((i) => i.format), ['pcap', 'proftpd-extlog']);
  const xs = report.spikes.flatMap((s) => s.explanations);
  const upload = xs.find((x) => x.rule === 'ftp_upload');
  assert.ok(upload, JSON.stringify(xs.map((x) => x.rule)));
  assert.deepEqual(upload.logs.map((l) => l.line), [2]);
  assert.match(upload.summary, /^backup uploaded nightly\.tar \(2\.86 MiB\) from 127\.0\.0\.46/);
  assert.ok(upload.evidence.includes('log bytes 3000000 ≈ flow payload 3000000 (0.0% apart)'), upload.evidence.join('; '));
  assert.deepEqual(xs.filter((x) => x.rule === 'ftp_download').map((x) => x.logs[0].line).sort(), [4, 6]);
  assert.ok(!xs.some((x) => x.rule.startsWith('web')));
});
