// The built-in FTP rules against a real backup story: three pure-ftpd uploads over passive
// data connections on 2008-03-08, captured on Ethernet with only total packets and bytes per
// flow, plus one unrelated bulk flow from another host. The server's clock ran ~4s behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowRecord, LogEvent } from '../../src/event.js';
import { RuleSyntaxError } from '../../src/errors.js';
import { builtinRulesDir, loadRuleFiles } from '../../src/rules/load.js';
import type { CompiledRule } from '../../src/rules/types.js';

/** Tests run from dist/test/rules; the package root is three levels up. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** 'hh:mm:ss' and microseconds on 2008-03-08, UTC. */
function at(clock: string, micros = 0): number {
  const [h, m, s] = clock.split(':').map(Number);
  return Date.UTC(2008, 2, 8, h, m, s) * 1000 + micros;
}

function flow(id: string, start: number, end: number, src: string, sport: number, dst: string, dport: number, pkts: number, bytes: number): FlowRecord {
  return {
    kind: 'flow', flowId: id, start, end, proto: 6, src, sport, dst, dport, pkts, bytes, byteBasis: 'link',
    origin: { file: 'backup.pcap', line: 1, raw: id }, records: 1,
  };
}

const FLOWS = {
  big: flow('big', at('03:27:47', 764771), at('03:33:46', 183595), '192.168.134.56', 39448, '10.2.3.102', 46743, 2501219, 1031277512),
  second: flow('second', at('03:33:46', 708627), at('03:37:43', 800844), '192.168.134.56', 40071, '10.2.3.102', 16396, 526755, 543955768),
  small: flow('small', at('03:31:51', 398870), at('03:33:15', 15036), '192.168.134.56', 39880, '10.2.3.102', 32666, 212332, 219148920),
  other: flow('other', at('03:21:43', 412374), at('03:41:50', 372550), '192.168.200.77', 4105, '10.2.3.102', 38327, 68916, 56532894),
};

function upload(clock: string, file: string, bytes: number, kbPerSec: number, action = 'upload'): LogEvent {
  const raw = `pure-ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] ${file} ${action}ed (${bytes} bytes, ${kbPerSec}KB/sec)`;
  return {
    kind: 'log', ts: at(clock), service: 'ftp', action, host: 'server', program: 'pure-ftpd',
    fields: { user: 'xxx@xxx.com', client: '192.168.134.56', file, bytes, rate: kbPerSec * 1024 },
    message: raw, origin: { file: 'messages', line: 1, raw },
  };
}

const LOGS = {
  mm: upload('03:33:10', '/home/xxx/public_html/mm//xxx.com_2008.03.08_03-31-02', 207309250, 2444.4),
  backup: upload('03:33:42', '/home/xxx/backup//xxx.com_2008.03.08_03-21-02', 891289600, 2428.22),
  backup001: upload('03:37:39', '/home/xxx/backup//xxx.com_2008.03.08_03-21-02.001', 514473734, 2121.01),
};

/** Which log goes with which flow. */
const PAIRS: [keyof typeof LOGS, keyof typeof FLOWS][] = [
  ['mm', 'small'],
  ['backup', 'big'],
  ['backup001', 'second'],
];

async function builtins(): Promise<CompiledRule[]> {
  const dir = builtinRulesDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.rule')).sort().map((f) => path.join(dir, f));
  return (await loadRuleFiles(files)).rules;
}

async function ruleNamed(name: string): Promise<CompiledRule> {
  const rule = (await builtins()).find((r) => r.name === name);
  assert.ok(rule, `no built-in rule ${name}`);
  return rule;
}

test('builtinRulesDir is the package rules/ folder and every built-in file compiles', async () => {
  assert.equal(builtinRulesDir(), path.join(ROOT, 'rules'));
  assert.ok(existsSync(path.join(builtinRulesDir(), 'ftp.rule')));
  const names = (await builtins()).map((r) => r.name);
  assert.ok(names.includes('ftp_upload'));
  assert.ok(names.includes('ftp_download'));
});

test('ftp_upload: each log matches exactly its own flow, with confidence above 0.8', async () => {
  const rule = await ruleNamed('ftp_upload');
  for (const f of Object.values(FLOWS)) assert.equal(rule.matchesFlow(f), true, f.flowId);
  for (const l of Object.values(LOGS)) assert.equal(rule.matchesLog(l), true);
  for (const [logName, log] of Object.entries(LOGS)) {
    const own = PAIRS.find(([l]) => l === logName)![1];
    for (const [flowName, f] of Object.entries(FLOWS)) {
      const result = rule.join(f, log);
      if (flowName === own) {
        assert.ok(result, `${logName} should match ${flowName}`);
        assert.ok(result.confidence > 0.8 && result.confidence <= 0.9, `${logName}: confidence ${result.confidence}`);
      } else {
        assert.equal(result, null, `${logName} must not match ${flowName}`);
      }
    }
  }
});

test('ftp_upload: evidence and summary for the big backup', async () => {
  const rule = await ruleNamed('ftp_upload');
  const result = rule.join(FLOWS.big, LOGS.backup);
  assert.ok(result);
  assert.deepEqual(result.evidence, [
    'log client 192.168.134.56 = flow src',
    'log bytes 891289600 ≈ flow payload 866197058..896211686 (estimated from 2501219 packets)',
    'log end 03:33:42 within 30s of flow end (4.2s apart)',
    'log duration 5m58s ≈ flow duration 5m58s (0.0% apart)',
  ]);
  assert.equal(
    rule.explain(FLOWS.big, LOGS.backup),
    'xxx@xxx.com uploaded /home/xxx/backup//xxx.com_2008.03.08_03-21-02 (850 MiB) from 192.168.134.56 in 5m58s at 2.37 MiB/s',
  );
  // The engine looks this far around a flow for its log line.
  assert.ok(rule.timeSlack >= 5_000_000);
});

test('ftp_upload: an active-mode data connection (server port 20, or unprivileged, to the client) matches too', async () => {
  const rule = await ruleNamed('ftp_upload');
  const b = FLOWS.big;
  const active: FlowRecord = { ...b, flowId: 'active', src: b.dst, sport: 20, dst: b.src, dport: 40000 };
  assert.ok(rule.join(active, LOGS.backup));
  // A server that gave up root (proftpd's RootRevoke, vsftpd's connect_from_port_20=NO) connects
  // back from an unprivileged port; a connection from another privileged port is some other service.
  assert.ok(rule.join({ ...active, sport: 42935 }, LOGS.backup));
  assert.equal(rule.join({ ...active, sport: 443 }, LOGS.backup), null);
  assert.equal(rule.join({ ...active, sport: 21 }, LOGS.backup), null);
});

test('ftp_download: matches a download log and leaves uploads alone', async () => {
  const rule = await ruleNamed('ftp_download');
  const download = upload('03:33:42', '/pub/big.iso', 891289600, 2428.22, 'download');
  assert.equal(rule.matchesLog(download), true);
  assert.equal(rule.matchesLog(LOGS.backup), false);
  const result = rule.join(FLOWS.big, download);
  assert.ok(result && result.confidence > 0.8);
  assert.equal(rule.join(FLOWS.small, download), null);
  assert.match(rule.explain(FLOWS.big, download), /^xxx@xxx\.com downloaded \/pub\/big\.iso \(850 MiB\) to 192\.168\.134\.56/);
  // And the upload rule does not claim downloads.
  assert.equal((await ruleNamed('ftp_upload')).matchesLog(download), false);
});

test('a rule file redefining a built-in rule is a duplicate rule error naming the first file', async () => {
  const file = path.join(builtinRulesDir(), 'ftp.rule');
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-rules-'));
  const copy = path.join(dir, 'mine.rule');
  writeFileSync(copy, '# my rules\n' + readFileSync(file, 'utf8'));
  try {
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.startsWith('rule ftp_upload')) + 1;
    await assert.rejects(loadRuleFiles([file, copy]), (error: RuleSyntaxError) => {
      assert.ok(error instanceof RuleSyntaxError);
      assert.equal(error.message, `${copy}:${line + 1}:6: duplicate rule 'ftp_upload' (first defined at ${file}:${line})`);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing rule file is an input error', async () => {
  await assert.rejects(loadRuleFiles([path.join(ROOT, 'no-such.rule')]), /cannot read rule file .*no-such\.rule \(ENOENT\)/);
});
