// samples/mixed-night: a spike with three causes (an FTP backup, a burst of large inbound mail,
// DVD image downloads), each explained from its own server's log next to the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join('samples', 'mixed-night');

interface JsonExplanation {
  rule: string;
  confidence: number;
  summary: string;
  flows: { src: string; dst: string; dport: number }[];
  logs: { file: string; text: string; service: string; fields: Record<string, string | number> }[];
}

test('the generator is seeded: it writes exactly the committed files', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-mixed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(path.join(ROOT, 'samples', 'make-mixed-night.mjs'), path.join(dir, 'make-mixed-night.mjs'));
  // The generator's shared helpers (samples/lib/) go with it.
  cpSync(path.join(ROOT, 'samples', 'lib'), path.join(dir, 'lib'), { recursive: true });
  const r = spawnSync(process.execPath, [path.join(dir, 'make-mixed-night.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(path.join(ROOT, SAMPLE)).sort();
  assert.deepEqual(files, ['access.log', 'argus.txt', 'maillog', 'messages']);
  for (const f of files) assert.ok(readFileSync(path.join(dir, 'mixed-night', f)).equals(readFileSync(path.join(ROOT, SAMPLE, f))), `${f} differs`);
});

test('explain --json: SMTP and HTTP explanations next to the FTP ones, each from its own log', () => {
  const r = spawnSync(process.execPath, [CLI, 'explain', SAMPLE, '--json'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    inputs: { file: string; format: string; skipped: number }[];
    clockSkew: { source: string; offsetSeconds: number; matches: number }[];
    spikes: { start: string; bytes: number; explainedBytes: number; unexplainedBytes: number; explanations: JsonExplanation[] }[];
  };
  assert.deepEqual(report.inputs.map((i) => [path.basename(i.file), i.format, i.skipped]).sort(), [
    ['access.log', 'access-log', 0], ['argus.txt', 'argus-text', 0], ['maillog', 'postfix', 0], ['messages', 'pure-ftpd', 0],
  ]);
  const spike = report.spikes.find((s) => s.start.startsWith('2008-03-10T02:0'));
  assert.ok(spike, `no spike near 02:00: ${report.spikes.map((s) => s.start).join(', ')}`);
  const by = (rule: string) => spike.explanations.filter((e) => e.rule === rule);

  // The backup: three uploads, every one from pure-ftpd's lines.
  const ftp = by('ftp_upload');
  assert.equal(ftp.length, 3);
  for (const e of ftp) assert.match(e.logs[0].text, /pure-ftpd: \(backup@192\.168\.134\.56\) \[NOTICE\] \/srv\/backup\/\/.* uploaded/);

  // The mail burst: the twelve large messages from the list server, one SMTP connection each.
  const list = by('smtp_in').filter((e) => e.flows[0].src === '128.30.52.37' && e.logs.some((l) => Number(l.fields.size) > 4_000_000));
  assert.equal(list.length, 12, spike.explanations.map((e) => `${e.rule} ${e.summary}`).join('\n'));
  for (const e of list) {
    assert.equal(e.flows[0].dport, 25);
    assert.ok(e.logs.every((l) => l.service === 'mail' && path.basename(l.file) === 'maillog'));
  }

  // The DVD downloads: three clients, each connection explained by its access-log requests.
  const iso = by('http_transfer').filter((e) => e.logs.some((l) => /debian-40r3-i386-DVD-1\.iso/.test(l.text)));
  assert.deepEqual(iso.map((e) => e.flows[0].src).sort(), ['10.2.3.41', '192.168.134.33', '192.168.200.14']);
  for (const e of iso) assert.ok(e.confidence >= 0.7, String(e.confidence));

  // Together they carry nearly all of the spike.
  assert.ok(spike.unexplainedBytes / spike.bytes < 0.02, `${spike.unexplainedBytes} of ${spike.bytes} unexplained`);
  assert.ok(Math.abs(spike.explainedBytes + spike.unexplainedBytes - spike.bytes) <= 1, "explained and unexplained add up to the spike");
  // And the file server's clock is found ~3 s behind from the three uploads.
  const skew = report.clockSkew.find((s) => s.source.endsWith('messages'));
  assert.ok(skew && skew.matches === 3 && skew.offsetSeconds < -2 && skew.offsetSeconds > -4, JSON.stringify(report.clockSkew));
});
