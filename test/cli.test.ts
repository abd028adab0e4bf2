// The command as a user runs it: a real process, real files, exit codes and streams checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, fixture } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface JsonSpike {
  start: string;
  end: string;
  bytes: number;
  summary: string;
  unexplainedBytes: number;
  explanations: { rule: string; confidence: number; summary: string; flows: { src: string; sport: number; dport: number; bytes: number }[]; logs: { time: string; file: string; line: number; text: string }[] }[];
  unexplainedFlows: { src: string; dport: number }[];
}

test('explain --json on the sample: both nights, three uploads each, the fourth flow left unexplained', () => {
  const r = run('explain', SAMPLE, '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { version: number; spikes: JsonSpike[] };
  assert.equal(report.version, 1);
  assert.equal(report.spikes.length, 2);
  const [night7, night8] = report.spikes;
  assert.match(night7.start, /^2008-03-07T03:2/);
  assert.match(night8.start, /^2008-03-08T03:2/);

  const uploads = night8.explanations.filter((e) => e.rule === 'ftp_upload');
  assert.equal(uploads.length, 3);
  const byFile = new Map(uploads.map((e) => [e.logs[0].text.match(/\/home\S+/)![0], e]));
  const expect: [string, number, number][] = [
    ['/home/xxx/public_html/mm//xxx.com_2008.03.08_03-31-02', 32666, 219148920],
    ['/home/xxx/backup//xxx.com_2008.03.08_03-21-02', 46743, 1031277512],
    ['/home/xxx/backup//xxx.com_2008.03.08_03-21-02.001', 16396, 543955768],
  ];
  for (const [file, dport, bytes] of expect) {
    const e = byFile.get(file);
    assert.ok(e, `no explanation for ${file}`);
    assert.equal(e.flows.length, 1);
    assert.equal(e.flows[0].src, '192.168.134.56');
    assert.equal(e.flows[0].dport, dport);
    assert.equal(e.flows[0].bytes, bytes);
    assert.ok(e.confidence > 0.8 && e.confidence <= 1, `confidence ${e.confidence}`);
    assert.match(e.logs[0].file, /messages$/);
    assert.ok(e.logs[0].line > 0);
    assert.match(e.summary, /xxx@xxx\.com/);
  }
  assert.ok(!night8.explanations.some((e) => e.flows.some((f) => f.src === '192.168.200.77')), 'the 4th flow is not claimed');
  assert.equal(night8.unexplainedFlows[0].src, '192.168.200.77');
  assert.ok(night8.unexplainedBytes > 0 && night8.unexplainedBytes < 0.1 * night8.bytes);
  assert.match(night8.summary, /on 10\.2\.3\.102/);
  assert.match(night8.summary, /3 FTP uploads by xxx@xxx\.com from 192\.168\.134\.56/);
  assert.equal(night7.explanations.filter((e) => e.rule === 'ftp_upload').length, 3);
});

test('the two nights are one recurring spike, and the uploads look like a scheduled job', () => {
  const r = run('explain', SAMPLE, '--json');
  const report = JSON.parse(r.stdout) as { spikes: (JsonSpike & { recurrence: { period: string; near: string; seen: number; of: number; spikeIds: number[] }; scheduled: string; onHost: { host: string; direction: string; share: number } })[] };
  for (const s of report.spikes) {
    assert.deepEqual({ ...s.recurrence, spikeIds: undefined }, { period: 'daily', near: '03:27', seen: 2, of: 2, sameHosts: true, spikeIds: undefined });
    assert.deepEqual(s.recurrence.spikeIds, [1, 2]);
    assert.match(s.summary, /recurs daily near 03:27 \(2 of 2 days\), same hosts/);
    assert.match(s.scheduled, /^looks like a scheduled job: xxx@xxx\.com, FTP uploads of .*xxx\.com_<date>_03-21-02/);
    assert.equal(s.onHost.host, '10.2.3.102');
    assert.equal(s.onHost.direction, 'received');
  }
});

test('spikes lists the spikes with attribution; --json carries hosts, pairs and ports', () => {
  const text = run('spikes', SAMPLE);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /2 spikes/);
  assert.match(text.stdout, /10\.2\.3\.102 received 100% of it/);
  assert.match(text.stdout, /pairs: 192\.168\.134\.56 -> 10\.2\.3\.102 97%/);
  const json = JSON.parse(run('spikes', SAMPLE, '--json').stdout) as { spikes: { explanations: unknown[]; pairs: { src: string; dst: string; share: number }[]; ports: { port: number }[] }[] };
  assert.equal(json.spikes.length, 2);
  assert.deepEqual(json.spikes[1].explanations, []);
  assert.equal(json.spikes[1].pairs[0].src, '192.168.134.56');
  assert.equal(json.spikes[1].ports[0].port, 46743);
  const quiet = run('spikes', SAMPLE, '--sensitivity', '1e9');
  assert.equal(quiet.code, 1);
  assert.match(quiet.stdout, /no spikes found/);
});

test('explain --at explains a window the user picks where no spike was detected', () => {
  const r = run('explain', SAMPLE, '--at', '2008-03-07T14:40', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { spikes: (JsonSpike & { detected: boolean })[] };
  assert.equal(report.spikes.length, 1);
  const w = report.spikes[0];
  assert.equal(w.detected, false);
  assert.equal(w.start, '2008-03-07T14:25:00.000000Z');
  assert.equal(w.end, '2008-03-07T14:55:00.000000Z');
  assert.equal(w.explanations[0].rule, 'ftp_download');
  assert.match(w.summary, /^Window 2008-03-07 14:25-14:55/);
  const bad = run('explain', SAMPLE, '--from', '2008-03-07T14:00', '--to', '2008-03-07T13:00');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--to 2008-03-07T13:00 is not after --from/);
});

test('explain prints a report for people that leads with the answer', () => {
  const r = run('explain', SAMPLE);
  assert.equal(r.code, 0, r.stderr);
  // The headline is wrapped at 80 columns: read it with its line breaks undone.
  const flat = r.stdout.replace(/\s+/g, ' ');
  assert.match(flat, /Spike 2008-03-08 03:\d\d-03:\d\d on 10\.2\.3\.102, [\d.]+ GiB: 3 FTP uploads by xxx@xxx\.com from 192\.168\.134\.56 \(confidence 0\.\d+\); [\d.]+% unexplained/);
  assert.match(r.stdout, /xxx\.com_2008\.03\.08_03-21-02\.001/);
  assert.match(r.stdout, /unexplained .*192\.168\.200\.77:4105 <\?> 10\.2\.3\.102:38327/s);
  assert.equal(r.stderr, '', 'nothing on stderr when all lines were read');
});

test('time-only argus rows take their date from the ftpd log and --year', (t) => {
  const dir = scratch(t);
  // The story's four flows on top of three hours of web traffic, so the spike has a baseline.
  const rows = readFileSync(fixture('flows', 'story-squashed.txt'), 'utf8').trimEnd().split('\n');
  for (let s = 2 * 3600; s < 5 * 3600; s += 10) {
    const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19) + '.000000';
    rows.push(`${clock(s)}  ${clock(s + 2)}  e  6  192.168.134.21.${30000 + (s % 30000)} -> 10.2.3.102.80  40  ${40000 + (s % 7) * 1000} FIN 0 0 0`);
  }
  writeFileSync(path.join(dir, 'flows.txt'), rows.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'messages'),
    [
      'Mar  8 03:33:10 server ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] /home/xxx/public_html/mm//xxx.com_2008.03.08_03-31-02 uploaded  (207309250 bytes, 2444.40KB/sec)',
      'Mar  8 03:33:42 server ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] /home/xxx/backup//xxx.com_2008.03.08_03-21-02 uploaded  (891289600 bytes, 2428.22KB/sec)',
      'Mar  8 03:37:39 server ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] /home/xxx/backup//xxx.com_2008.03.08_03-21-02.001 uploaded  (514473734 bytes, 2121.01KB/sec)',
    ].join('\n') + '\n',
  );
  const r = run('explain', dir, '--json', '--year', '2008');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { spikes: JsonSpike[]; inputs: { file: string; notes: string[] }[] };
  const all = report.spikes.flatMap((s) => s.explanations);
  assert.equal(all.length, 3);
  assert.ok(all.every((e) => e.flows[0].src === '192.168.134.56'));
  assert.ok(report.inputs.find((i) => i.file.endsWith('flows.txt'))!.notes.some((n) => /date 2008-03-08/.test(n)));
});

test('a real vsftpd on a dual-stack socket logs its IPv4 client as ::ffff:a.b.c.d: the upload is still explained', () => {
  // Debian's default vsftpd.conf (listen_ipv6=YES); capture and logs of one run (fixtures' SOURCES.md).
  const capture = fixture('pcap', 'loopback-vsftpd-dual-stack-upload.pcap');
  for (const [log, line] of [['vsftpd-dual-stack.log', 3], ['vsftpd-dual-stack-xferlog.log', 1]] as const) {
    const r = run('explain', capture, fixture('logs', log), '--tz', 'UTC', '--from', '2026-12-03T13:06:20Z', '--to', '2026-12-03T13:06:40Z', '--json');
    assert.equal(r.code, 0, r.stderr);
    const [window] = (JSON.parse(r.stdout) as { spikes: (JsonSpike & { explanations: { evidence: string[] }[] })[] }).spikes;
    assert.equal(window.explanations.length, 1, log);
    const [x] = window.explanations;
    assert.equal(x.rule, 'ftp_upload');
    assert.ok(x.confidence > 0.85, `${log}: confidence ${x.confidence}`);
    assert.ok(x.evidence.includes('log client ::ffff:127.0.0.120 = flow src'), x.evidence.join('; '));
    // The rule's `with control:` found the client's control connection as well.
    assert.ok(x.evidence.some((e) => /^control: flow .* 127\.0\.0\.120:\d+ -> 127\.0\.0\.111:21$/.test(e)), x.evidence.join('; '));
    assert.deepEqual(x.flows.map((f) => [f.src, f.dport]), [['127.0.0.120', 32088]]);
    assert.deepEqual(x.logs.map((l) => [path.basename(l.file), l.line]), [[log, line]]);
    assert.match(x.summary, /fle6test uploaded \/tmp\/vs6\/root\/nightly\.tar \(2\.38 MiB\) from ::ffff:127\.0\.0\.120/);
    assert.equal(window.unexplainedBytes, 0);
  }
});

test("pure-ftpd's clf transfer log (Debian's /var/log/pure-ftpd/transfer.log) explains its upload, though it gives no transfer time", () => {
  // One real run: pure-ftpd in Berlin time with AltLog clf, tcpdump on lo (fixtures' SOURCES.md).
  const capture = fixture('pcap', 'loopback-pure-ftpd-clf-upload.pcap');
  const r = run('explain', capture, fixture('logs', 'pure-ftpd-altlog-clf-berlin.log'), '--from', '2026-12-03T13:29:10Z', '--to', '2026-12-03T13:29:40Z', '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { spikes: (JsonSpike & { explanations: { evidence: string[] }[] })[]; inputs: { format: string }[] };
  assert.deepEqual(report.inputs.map((i) => i.format), ['pcap', 'pure-ftpd-altlog']);
  const [window] = report.spikes;
  assert.equal(window.explanations.length, 1);
  const [x] = window.explanations;
  assert.equal(x.rule, 'ftp_upload');
  assert.deepEqual(x.flows.map((f) => [f.src, f.dport]), [['127.0.0.122', 30210]]);
  // No rate in the line: the summary ends at the transfer time, not "at ?".
  assert.match(x.summary, /^backup7 uploaded \/tmp\/pf6\/root\/nightly db\.tar \(2\.48 MiB\) from 127\.0\.0\.122 in [0-9.]+s$/);
  assert.ok(x.evidence.includes('log bytes 2600000 ≈ flow payload 2600000 (0.0% apart)'), x.evidence.join('; '));
  assert.ok(!x.evidence.some((e) => e.startsWith('log duration')), 'no transfer time to compare');
  assert.ok(x.evidence.some((e) => /^control: flow .* 127\.0\.0\.122:\d+ -> 127\.0\.0\.113:21$/.test(e)), x.evidence.join('; '));
  assert.equal(window.unexplainedBytes, 0);
});

test('pure-ftpd lines deep inside a mixed /var/log/messages are still read as FTP', (t) => {
  const dir = scratch(t);
  const noise = Array.from({ length: 80 }, (_, i) => `Mar  7 0${i % 10}:1${i % 6}:0${i % 10} server sshd[${900 + i}]: Connection closed by 10.2.3.40 port ${40000 + i}`);
  const ftp = readFileSync(path.join(SAMPLE, 'messages'), 'utf8').split('\n').filter((l) => / ftpd: .* uploaded /.test(l));
  const messages = path.join(dir, 'messages');
  writeFileSync(messages, [...noise, ...ftp].join('\n') + '\n');
  const r = run('explain', path.join(SAMPLE, 'argus.txt'), messages, '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { spikes: JsonSpike[]; inputs: { file: string; format: string }[] };
  assert.equal(report.inputs.find((i) => i.file === messages)!.format, 'syslog');
  assert.deepEqual(report.spikes.map((s) => s.explanations.length), [3, 3]);
});

test('a case file: ingest once, explain and query it, re-ingest adds nothing', (t) => {
  const dir = scratch(t);
  const db = path.join(dir, 'case.db');
  const first = run('ingest', '--db', db, SAMPLE, '--json');
  assert.equal(first.code, 0, first.stderr);
  const stored = (JSON.parse(first.stdout) as { stored: number }).stored;
  assert.equal(stored, 3882 + 116);
  const again = run('ingest', '--db', db, SAMPLE, '--json');
  assert.equal((JSON.parse(again.stdout) as { stored: number; files: { outcome: string }[] }).stored, 0);
  const fromFiles = JSON.parse(run('explain', SAMPLE, '--json').stdout) as { spikes: JsonSpike[] };
  const fromStore = run('explain', '--db', db, '--json');
  assert.equal(fromStore.code, 0, fromStore.stderr);
  const stripped = (r: { spikes: JsonSpike[] }) => r.spikes.map((s) => [s.start, s.end, s.bytes, s.explanations.map((e) => [e.rule, e.confidence, e.flows[0].bytes, e.logs[0].line])]);
  assert.deepEqual(stripped(JSON.parse(fromStore.stdout)), stripped(fromFiles));
  const q = run('query', '--db', db, 'SELECT spike, rule, count(*) AS n FROM explanations GROUP BY spike, rule ORDER BY spike', '--json');
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(JSON.parse(q.stdout), [{ spike: 1, rule: 'ftp_upload', n: 3 }, { spike: 2, rule: 'ftp_upload', n: 3 }]);
  const table = run('query', '--db', db, "SELECT count(*) AS flows FROM flows WHERE src = '192.168.200.77'");
  assert.match(table.stdout, /flows/);
  const bad = run('query', '--db', db, 'SELEC nonsense');
  assert.equal(bad.code, 2);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('user errors: one clear line, exit 2, no stack trace', (t) => {
  const dir = scratch(t);
  const cases: [string[], RegExp][] = [
    [['explain', path.join(dir, 'missing.txt')], /missing\.txt: no such file or directory/],
    [['explain'], /no inputs given/],
    [['explain', SAMPLE, '--jsn'], /unknown option '--jsn'[\s\S]*--json/],
    [['explian', SAMPLE], /unknown command 'explian'[\s\S]*explain/],
    [['explain', SAMPLE, '--tz', 'Mars/Olympus'], /unknown time zone 'Mars\/Olympus'/],
    [['explain', SAMPLE, '--bin', 'often'], /--bin 'often'/],
  ];
  writeFileSync(path.join(dir, 'empty.log'), '');
  writeFileSync(path.join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]));
  cases.push([['explain', path.join(dir, 'photo.jpg')], /photo\.jpg: unknown format \(tried argus-text/]);
  mkdirSync(path.join(dir, 'nothing'));
  writeFileSync(path.join(dir, 'nothing', 'notes.bin'), Buffer.from([0, 1, 2, 3]));
  cases.push([['explain', path.join(dir, 'nothing')], /no readable inputs/]);
  copyFileSync(fixture('flows', 'story-rasort.txt'), path.join(dir, 'undated.txt'));
  cases.push([['explain', path.join(dir, 'undated.txt')], /undated\.txt: stamps have a time of day but no date[\s\S]*--date/]);
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '');
  }
});

test('timeline without a terminal says so in one line, points to explain and --json, exits 2', () => {
  const r = run('timeline', SAMPLE);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /explain/);
  assert.match(r.stderr, /--json/);
});

test('an empty input: one clear line naming it, exit 1 (nothing to explain)', (t) => {
  const dir = scratch(t);
  writeFileSync(path.join(dir, 'empty.log'), '');
  const r = run('explain', path.join(dir, 'empty.log'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^flowlink: no flow records in .*empty\.log \(.*empty\.log: empty file\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a rule file error names file, line and column with a caret', (t) => {
  const dir = scratch(t);
  const rule = path.join(dir, 'bad.rule');
  writeFileSync(rule, 'rule broken {\n  title "x"\n  flow: bytes > 10QB\n  explain "y"\n}\n');
  const r = run('explain', SAMPLE, '--rules', rule);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.rule:3:\d+: /);
  assert.match(r.stderr, /\n\s+flow: bytes > 10QB\n\s+\^/);
});

test('unreadable lines are counted per file on stderr, the run goes on', (t) => {
  const dir = scratch(t);
  copyFileSync(fixture('flows', 'story-rasort.txt'), path.join(dir, 'flows.txt'));
  writeFileSync(path.join(dir, 'flows.txt'), 'garbage\n', { flag: 'a' });
  const r = run('explain', path.join(dir, 'flows.txt'), '--date', '2008-03-08', '--json');
  assert.ok(r.code === 0 || r.code === 1);
  assert.match(r.stderr, /skipped 1 line in .*flows\.txt, first at line 6/);
  const report = JSON.parse(r.stdout) as { inputs: { skipped: number; firstSkipped: { line: number } }[] };
  assert.equal(report.inputs[0].skipped, 1);
  assert.equal(report.inputs[0].firstSkipped.line, 6);
});

test('--help: what flowlink is, examples for every command, the exit codes; all within 80 columns', () => {
  const top = run('--help');
  assert.equal(top.code, 0);
  assert.match(top.stdout.replace(/\s+/g, ' '), /a tcpdump capture or argus\/zeek\/nfdump flows, plus the syslog of the servers involved/);
  assert.match(top.stdout, /Exit codes:\n {2}0 {3}at least one spike explained[\s\S]*\n {2}1 {3}nothing to report[\s\S]*\n {2}2 {3}user error[\s\S]*\n {2}70 {2}internal error/);
  const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) .*$/gm)].map((m) => m[1]).filter((c) => c !== 'help' && c !== 'flowlink');
  for (const c of ['explain', 'spikes', 'timeline', 'ingest', 'query', 'formats']) assert.ok(commands.includes(c), `--help lists ${c}`);
  for (const c of commands) {
    const h = run(c, '--help');
    assert.equal(h.code, 0, c);
    assert.match(h.stdout, /Examples:\n {2}(# .*\n {2})?flowlink /, `${c} --help has examples`);
    assert.match(h.stdout, /Exit codes: 0 /, `${c} --help says its exit codes`);
    for (const l of h.stdout.split('\n')) assert.ok([...l].length <= 80, `${c} --help: ${[...l].length} columns: ${l}`);
  }
  for (const l of top.stdout.split('\n')) assert.ok([...l].length <= 80, `--help: ${l}`);
  const v = run('--version');
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
});

test('a mistyped command or flag, on the program or a subcommand, suggests the closest one and exits 2', () => {
  const cases: [string[], RegExp][] = [
    [['spikes', SAMPLE, '--sensitivty', 'high'], /unknown option '--sensitivty'\n\(Did you mean --sensitivity\?\)/],
    [['explain', SAMPLE, '--rule', 'x.rule'], /unknown option '--rule'\n\(Did you mean --rules\?\)/],
    [['query', '--db', 'x.db', '--cvs', 'SELECT 1'], /unknown option '--cvs'\n\(Did you mean --csv\?\)/],
    [['timelin'], /unknown command 'timelin'\n\(Did you mean timeline\?\)/],
    [['--verison'], /unknown option '--verison'\n\(Did you mean --version\?\)/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.match(r.stderr, /run with --help/);
    assert.equal(r.stdout, '');
  }
});

test('exit codes: 0 explained, 1 nothing to explain, 2 user error', (t) => {
  assert.equal(run('explain', SAMPLE).code, 0);
  assert.equal(run('spikes', SAMPLE).code, 0);
  // A log without any flows: nothing to find spikes in.
  const r = run('explain', path.join(SAMPLE, 'messages'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no flow records/);
  // Flows but no log: spikes, none explained.
  const dir = scratch(t);
  copyFileSync(path.join(SAMPLE, 'argus.txt'), path.join(dir, 'argus.txt'));
  const bare = run('explain', path.join(dir, 'argus.txt'));
  assert.equal(bare.code, 1, bare.stderr);
  assert.match(bare.stdout, /not explained by any rule/);
  assert.equal(run('query').code, 2);
  assert.equal(run('explain', SAMPLE, '--html', path.join(dir, 'no', 'such', 'folder', 'r.html')).code, 2);
});
