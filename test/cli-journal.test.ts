// `flowlink explain` on samples/ftp-capture's capture with the server's log as the journal
// holds it (journalctl -o json of the same messages, test/fixtures/logs/SOURCES.md): the same
// spike and explanation as from the syslog file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, fixture } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });

interface Report { inputs: { format: string }[]; spikes: { start: string; explanations: { rule: string; summary: string; confidence: number; logs: { line: number }[] }[] }[] }

test('the journal as journalctl -o json explains the sample capture as its syslog file does', () => {
  const capture = path.join(ROOT, 'samples', 'ftp-capture', 'capture.pcap');
  const fromJournal = run('explain', capture, fixture('logs', 'journalctl-json-ftp-capture.log'), '--json');
  const fromSyslog = run('explain', capture, path.join(ROOT, 'samples', 'ftp-capture', 'messages'), '--json');
  assert.equal(fromJournal.status, 0, fromJournal.stderr);
  assert.equal(fromSyslog.status, 0, fromSyslog.stderr);
  const a = JSON.parse(fromJournal.stdout) as Report;
  const b = JSON.parse(fromSyslog.stdout) as Report;
  assert.deepEqual(a.inputs.map((i) => i.format), ['pcap', 'journal-json']);
  const gist = (r: Report) => r.spikes.map((s) => ({ start: s.start, explanations: s.explanations.map((x) => ({ rule: x.rule, summary: x.summary, confidence: x.confidence, lines: x.logs.map((l) => l.line) })) }));
  assert.equal(a.spikes.length, 1);
  assert.deepEqual(gist(a), gist(b));
  assert.match(a.spikes[0].explanations[0].summary, /^mkrause uploaded \/home\/mkrause\/\/exports\/crm-export-2024-05-14\.tar\.gz \(20\.0 MiB\) from 192\.168\.10\.57/);
});

test('journalctl -o json-pretty is refused in one line naming the file and the command to use, exit 2', () => {
  const file = fixture('logs', 'journalctl-json-pretty-head.log');
  const r = run('events', file);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `flowlink: ${file}: journalctl -o json-pretty output (an entry over many lines) is not read\n  hint: write the journal with journalctl -o json (an entry a line)\n`);
});
