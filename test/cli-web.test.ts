// `flowlink explain` on one real capture of Debian's nginx and apache2 and their access logs
// (test/fixtures/pcap/SOURCES.md): the same requests to each server, the client ports as
// curl reported them, the bytes as the capture and the clients counted them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, fixture } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const CAPTURE = fixture('pcap', 'loopback-nginx-apache2-http.pcap');

interface Explanation {
  rule: string;
  confidence: number;
  summary: string;
  evidence: string[];
  flows: { src: string; sport: number; dport: number; state: string }[];
  logs: { line: number }[];
}
interface Report {
  inputs: { format: string; events: number; skipped: number }[];
  spikes: { explanations: Explanation[]; unexplainedFlows: { src: string; sport: number; dport: number; bytes: number }[] }[];
}

/** The whole capture as one window (`--from/--to`), or its detected spikes. */
function explain(log: string, window = true): Report {
  const span = window ? ['--from', '2026-12-03T14:36:10Z', '--to', '2026-12-03T14:37:30Z'] : [];
  const r = spawnSync(process.execPath, [CLI, 'explain', CAPTURE, fixture('logs', log), ...span, '--json'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

/** Each explained connection, by its client port: the rule and the log lines. */
function byPort(report: Report): Map<number, Explanation> {
  const out = new Map<number, Explanation>();
  for (const s of report.spikes) for (const x of s.explanations) for (const f of x.flows) out.set(f.sport, x);
  return out;
}

const lines = (x: Explanation | undefined) => x?.logs.map((l) => l.line);

test('nginx combined: downloads, keep-alive, a range, IPv6, an upload and a download cut short', () => {
  const report = explain('nginx-combined-berlin.log');
  assert.deepEqual(report.inputs.map((i) => [i.format, i.skipped]), [['pcap', 0], ['access-log', 0]]);
  const x = byPort(report);
  // 8,000,000 bytes to 127.0.0.152:34662; the 12 MiB file and its neighbours over 127.0.0.153:39338.
  assert.deepEqual([x.get(34662)?.rule, lines(x.get(34662))], ['http_transfer', [1]]);
  assert.equal(x.get(39338)?.rule, 'http_transfer');
  assert.ok(lines(x.get(39338))!.includes(4) && lines(x.get(39338))!.every((l) => l >= 2 && l <= 5), String(lines(x.get(39338))));
  assert.deepEqual([x.get(34486)?.rule, lines(x.get(34486))], ['http_transfer', [7]]);
  assert.deepEqual([x.get(35587)?.rule, lines(x.get(35587))], ['http_transfer', [11]]);
  assert.deepEqual([x.get(45818)?.rule, lines(x.get(45818)), x.get(45818)?.flows[0].src], ['http_transfer', [12], '::1']);
  // The 5,000,000-byte PUT and the 400,000-byte POST: nginx logged only its 25- and 157-byte answers.
  assert.deepEqual([x.get(44570)?.rule, lines(x.get(44570))], ['http_upload', [8]]);
  assert.match(x.get(44570)!.summary, /^PUT \/dav\/upload-nginx\.bin from 127\.0\.0\.155, 4\.77 MiB sent/);
  assert.deepEqual([x.get(41338)?.rule, lines(x.get(41338))], ['http_upload', [9]]);
  // curl killed after 2 s: the client reset the connection; nginx logged 200 and the whole 12 MiB.
  const cut = x.get(41036)!;
  assert.deepEqual([cut.rule, lines(cut), cut.flows[0].state], ['http_transfer_cut', [10], 'RST']);
  assert.ok(cut.evidence.includes('sum(log.bytes) 12582912 ≥ flow payload 10974988'), cut.evidence.join('; '));
  // Left unexplained: apache2's connections (their log is not given) and nginx's small HEAD.
  const left = report.spikes[0].unexplainedFlows.filter((f) => f.dport === 8081 || f.dport === 8091);
  assert.deepEqual(left.map((f) => [f.sport, f.bytes]), [[34472, 1036]]);
});

test('the spikes found in the capture are the large transfers, explained from the nginx log', () => {
  const report = explain('nginx-combined-berlin.log', false);
  const x = byPort(report);
  for (const [port, rule] of [[34662, 'http_transfer'], [39338, 'http_transfer'], [44570, 'http_upload'], [41036, 'http_transfer_cut'], [35587, 'http_transfer']] as const) {
    assert.equal(x.get(port)?.rule, rule, String(port));
  }
});

test("apache2's combined, common and vhost_combined (Debian's %O) explain the same traffic", () => {
  for (const log of ['apache2-combined-berlin.log', 'apache2-common-berlin.log', 'apache2-vhost-combined-berlin.log']) {
    const x = byPort(explain(log));
    assert.deepEqual([x.get(55178)?.rule, lines(x.get(55178))], ['http_transfer', [1]], log);
    assert.equal(x.get(44100)?.rule, 'http_transfer', log);
    assert.ok(lines(x.get(44100))!.includes(4), log);
    assert.deepEqual([x.get(59074)?.rule, lines(x.get(59074))], ['http_transfer', [7]], log);
    assert.deepEqual([x.get(34897)?.rule, lines(x.get(34897))], ['http_transfer', [11]], log);
    assert.deepEqual([x.get(39412)?.rule, lines(x.get(39412))], ['http_transfer', [12]], log);
    assert.deepEqual([x.get(43786)?.rule, lines(x.get(43786))], ['http_upload', [8]], log);
    // 9,795,475 bytes logged (%O), 6,685,059 from the server on the wire before the reset.
    assert.deepEqual([x.get(46618)?.rule, lines(x.get(46618))], ['http_transfer_cut', [10]], log);
  }
});

test("upstream Apache's %b logs a cut download as the whole file: no rule claims it, nor pairs it with another request", () => {
  const report = explain('apache2-upstream-combined-berlin.log');
  const x = byPort(report);
  assert.deepEqual([x.get(55178)?.rule, lines(x.get(55178))], ['http_transfer', [1]]);
  assert.equal(x.get(46618), undefined);
  assert.ok(report.spikes.some((s) => s.unexplainedFlows.some((f) => f.sport === 46618)));
});
