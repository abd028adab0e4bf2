// End to end on real daemons: `flowlink explain --json` on the captures (pcap, argus's binary
// file, ra text and CSV) and the logs that Debian's pure-ftpd, vsftpd, postfix and rsyslog wrote
// in run.sh, checked against the ground truth run.sh recorded (truth.ts). Skipped unless
// FLOWLINK_E2E_DIR names run.sh's output folder: run.sh sets it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ROOT } from '../helpers.js';
import { readArgusCsv } from './argus-flags.js';
import { readScenario, scenarioDirs, type LogVariant, type Mail, type Scenario, type Transfer } from './truth.js';

const E2E_DIR = process.env.FLOWLINK_E2E_DIR;
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

/** How each flow input is made from the one capture (run.sh's stop_capture). */
const FLOW_INPUTS = [
  { kind: 'pcap', file: 'capture.pcap', format: 'pcap' },
  { kind: 'argus binary', file: 'flows.argus', format: 'argus-binary' },
  { kind: 'ra text', file: 'ra.txt', format: 'argus-text' },
  { kind: 'ra CSV', file: 'ra.csv', format: 'argus-text' },
];

/** A flow's clock and the script's `date` are the same clock; this covers process start-up. */
const TIME_SLACK_S = 2;
/** swaks runs for a fraction of a second and the mails are 0.3 s apart: each its own connection. */
const MAIL_SLACK_S = 0.25;
/** The same clock wrote flows and logs, so the estimated offset must be near zero. */
const MAX_CLOCK_OFFSET_S = 2;

// The parts of `explain --json` (README "JSON output") these checks read.
interface JsonFlow { start: string; end: string; proto: string; src: string; sport: number | null; dst: string; dport: number | null; bytes: number }
interface JsonLog { time: string; file: string; line: number; text: string; service: string; action: string | null; fields: Record<string, string | number> }
interface JsonExplanation { rule: string; title: string; confidence: number; summary: string; evidence: string[]; flows: JsonFlow[]; logs: JsonLog[] }
interface JsonSpike { id: number; start: string; end: string; detected: boolean; explanations: JsonExplanation[]; unexplainedFlows: JsonFlow[] }
interface JsonReport {
  version: number;
  inputs: { file: string; format: string; events: number; skipped: number; firstSkipped: { line: number; reason: string } | null }[];
  spikes: JsonSpike[];
  clockSkew?: { source: string; offsetSeconds: number; spreadSeconds: number; matches: number }[];
}

interface Run { code: number; stdout: string; stderr: string }

function flowlink(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--enable-source-maps', CLI, ...args], { cwd, maxBuffer: 64 << 20, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Around a scenario's window: its first and last connection's bins. */
const WINDOW_MARGIN_S = 5;

const seconds = (iso: string) => Date.parse(iso) / 1000;
const isoSeconds = (epoch: number) => new Date(Math.round(epoch) * 1000).toISOString().replace('.000Z', 'Z');
const basename = (p: string | number | undefined) => (typeof p === 'string' ? p.slice(p.lastIndexOf('/') + 1) : undefined);
const describeFlow = (f: JsonFlow) => `${f.start} ${f.proto} ${f.src}:${f.sport} -> ${f.dst}:${f.dport} ${f.bytes} B`;

function allExplanations(report: JsonReport): { spike: JsonSpike; x: JsonExplanation }[] {
  return report.spikes.flatMap((spike) => spike.explanations.map((x) => ({ spike, x })));
}

/**
 * The data connection of a transfer as the sensor saw it: passive, client -> server; active,
 * server -> client from port 20, or from an unprivileged port (proftpd with its default RootRevoke).
 */
function isDataFlowOf(f: JsonFlow, t: Transfer): boolean {
  if (f.proto !== 'tcp' || f.dport === 21) return false;
  if (t.mode === 'passive') return f.src === t.client && f.dst === t.server;
  return f.src === t.server && f.sport !== null && (f.sport === 20 || f.sport >= 1024) && f.dst === t.client;
}

function withinRun(f: JsonFlow, start: number, end: number, slack = TIME_SLACK_S): boolean {
  return seconds(f.start) >= start - slack && seconds(f.end) <= end + slack;
}

/** Why the report explains transfer `t` wrongly, or undefined when one explanation gets it all right. */
function transferProblem(report: JsonReport, s: Scenario, t: Transfer): string | undefined {
  const byLog = allExplanations(report).filter(({ x }) =>
    x.logs.some((l) => basename(l.fields.file) === t.name && l.fields.bytes === t.bytes));
  if (byLog.length === 0) {
    const unexplained = report.spikes.flatMap((sp) => sp.unexplainedFlows).filter((f) => isDataFlowOf(f, t) && withinRun(f, t.start, t.end));
    const otherwise = allExplanations(report).filter(({ x }) => x.flows.some((f) => isDataFlowOf(f, t) && withinRun(f, t.start, t.end)));
    return `no explanation cites the log line of ${t.name} (${t.bytes} bytes); ` +
      (unexplained.length ? `its flow is unexplained: ${unexplained.map(describeFlow).join('; ')}`
        : otherwise.length ? `its flow is explained by ${otherwise.map(({ x }) => `${x.rule} with ${x.logs.map((l) => l.text).join(' | ')}`).join('; ')}`
        : 'its flow is in no spike') +
      `; rules used: ${[...new Set(allExplanations(report).map(({ x }) => x.rule))].join(', ') || 'none'}`;
  }
  for (const { spike, x } of byLog) {
    const log = x.logs.find((l) => basename(l.fields.file) === t.name)!;
    const problems: string[] = [];
    const rule = t.rule ?? s.rule;
    if (x.rule !== rule) problems.push(`rule ${x.rule}, expected ${rule}`);
    if (log.fields.user !== t.user) problems.push(`log user ${String(log.fields.user)}, expected ${t.user}`);
    const logClient = t.logClient ?? t.client;
    if (log.fields.client !== logClient) problems.push(`log client ${String(log.fields.client)}, expected ${logClient}`);
    if (log.action !== t.direction) problems.push(`log action ${String(log.action)}, expected ${t.direction}`);
    const data = x.flows.filter((f) => isDataFlowOf(f, t));
    if (data.length !== 1) problems.push(`${data.length} data flows (${x.flows.map(describeFlow).join('; ')}), expected the one ${t.mode} connection`);
    else if (!withinRun(data[0], t.start, t.end)) problems.push(`flow ${describeFlow(data[0])} outside the client's run ${new Date(t.start * 1000).toISOString()}..${new Date(t.end * 1000).toISOString()}`);
    // The control connection the rule's `with control:` found, the client's to port 21.
    if (t.control && !x.evidence.some((e) => e.startsWith('control: flow ') && e.includes(` ${t.client}:`) && e.endsWith(` -> ${t.server}:21`))) {
      problems.push(`no control connection ${t.client} -> ${t.server}:21 in the evidence (${x.evidence.filter((e) => e.startsWith('control')).join('; ') || 'none'})`);
    }
    const logTime = seconds(log.time);
    if (logTime < t.start - TIME_SLACK_S || logTime > t.end + TIME_SLACK_S) problems.push(`log time ${log.time} outside the client's run`);
    if (problems.length === 0) return undefined;
    if (byLog.length === 1) return `spike ${spike.id}, ${x.rule}: ${problems.join('; ')}`;
  }
  return `${byLog.length} explanations cite ${t.name}, none right`;
}

/** Background flows (web, FTP listings, small mails) an FTP rule claimed. */
function claimedBackground(report: JsonReport, s: Scenario): string[] {
  const hosts = new Set(s.background.flatMap((b) => (b.kind === 'http' ? [b.server] : [b.client])));
  return allExplanations(report)
    .filter(({ x }) => x.rule.startsWith('ftp_'))
    .flatMap(({ x }) => x.flows.filter((f) => hosts.has(f.src) || hosts.has(f.dst)).map((f) => `${x.rule}: ${describeFlow(f)}`));
}

function checkReport(s: Scenario, logs: LogVariant, report: JsonReport, run: Run, flowFormat: string): void {
  assert.equal(report.version, 1, 'explain --json version');
  for (const [file, format] of Object.entries(logs.formats ?? {})) {
    assert.equal(report.inputs.find((i) => i.file === file)?.format, format, `${file} read as ${format}: ${JSON.stringify(report.inputs)}`);
  }
  // Real daemons' logs are exactly what the parsers exist for: a skipped line is a parser quirk.
  for (const input of report.inputs) {
    assert.equal(input.skipped, 0, `${input.file} (${input.format}): ${input.skipped} lines skipped, first ${JSON.stringify(input.firstSkipped)}`);
  }
  const flowInput = report.inputs.find((i) => i.format === flowFormat);
  assert.ok(flowInput && flowInput.events > 0, `the flow input was read as ${flowFormat}: ${JSON.stringify(report.inputs)}`);
  if (!s.window) assert.ok(report.spikes.some((sp) => sp.detected), `no spike detected (exit ${run.code}); stderr: ${run.stderr.slice(0, 400)}`);
  assert.deepEqual(claimedBackground(report, s), [], 'background flows claimed by an FTP rule');
  for (const skew of report.clockSkew ?? []) {
    assert.ok(Math.abs(skew.offsetSeconds) < MAX_CLOCK_OFFSET_S, `clock offset of ${skew.source}: ${skew.offsetSeconds} s (${skew.matches} matches), expected |offset| < ${MAX_CLOCK_OFFSET_S} s`);
  }
}

function checkTransfers(s: Scenario, report: JsonReport): void {
  assert.ok(s.transfers.length > 0, 'the scenario recorded its transfers');
  const problems = s.transfers.map((t) => transferProblem(report, s, t)).filter((p) => p !== undefined);
  assert.deepEqual(problems, [], 'every large transfer explained by the right rule with the right log line and flow');
}

function checkMails(s: Scenario, report: JsonReport, t: TestContext, payloadKnown: boolean): void {
  assert.ok(s.mails.length > 0, 'the scenario recorded its mails');
  const mailRules = new Set(['smtp_in', 'smtp_burst']);
  const explained = allExplanations(report).filter(({ x }) => mailRules.has(x.rule));
  const missing: string[] = [];
  const missed: Mail[] = [];
  for (const m of s.mails) {
    const hit = explained.find(({ x }) =>
      x.logs.some((l) => l.action === 'delivery' && String(l.fields.from).replace(/^<|>$/g, '') === m.from && l.fields.client === m.client) &&
      x.flows.some((f) => f.src === m.client && f.dst === m.server && f.dport === 25 && withinRun(f, m.start, m.end, MAIL_SLACK_S)));
    if (!hit) {
      missed.push(m);
      const cited = explained.filter(({ x }) => x.logs.some((l) => String(l.fields.from).replace(/^<|>$/g, '') === m.from));
      missing.push(`${m.from} from ${m.client} (${m.attachment}-byte attachment, sent ${new Date(m.start * 1000).toISOString()}): ` +
        (cited.length ? `cited with ${cited.flatMap(({ x }) => x.flows.map(describeFlow)).join('; ')}` : 'not cited'));
    }
  }
  // Once named known limits of the engine, fixed in issue 5 (README, findings): a connection
  // that retransmitted part of its message, and ra text's payload estimated from the packets.
  // Neither excuses a miss now; both are said in the failure, to tell where to look.
  if (missed.length > 0) {
    const connections = readArgusCsv(s.dir, s.start).filter((c) => c.dport === 25);
    const lossy = missed.filter((m) => connections.some((c) => c.lossy && c.src === m.client && c.start >= m.start - MAIL_SLACK_S && c.end <= m.end + MAIL_SLACK_S));
    const grouped = explained.filter(({ x }) => x.logs.length > 1).map(({ x }) => x.logs.length);
    t.diagnostic(`missed ${missed.length} mails; over connections argus flags as retransmitting: ${lossy.map((m) => m.from).join(', ') || 'none'}; ` +
      `payload ${payloadKnown ? 'measured' : 'estimated from packets (ra text)'}; groups of deliveries: ${grouped.join(', ') || 'none'}`);
  }
  assert.deepEqual(missing, [], `every mail of the burst explained by ${[...mailRules].join(' or ')} with its delivery and its SMTP connection; ` +
    `explanations: ${allExplanations(report).map(({ x }) => `${x.rule} (${x.logs.length} logs, ${x.flows.length} flows)`).join(', ')}`);
}

const dirs = E2E_DIR ? scenarioDirs(E2E_DIR) : [];

describe('e2e: real daemons explained', { skip: E2E_DIR ? false : 'FLOWLINK_E2E_DIR not set (run test/e2e/run.sh)' }, () => {
  it(`run.sh wrote scenarios (${dirs.length ? readScenario(dirs[0]).versions : 'none'})`, () => assert.ok(dirs.length > 0, `no scenario folders in ${E2E_DIR}`));
  for (const dir of dirs) {
    const s = readScenario(dir);
    // Two flowlink runs at a time: each is mostly one core's work.
    describe(`${path.basename(dir)}: ${s.name}`, { concurrency: 2 }, () => {
      it('the capture is complete (tcpdump dropped no packets)', () => {
        assert.equal(s.droppedByKernel, 0, `tcpdump: ${s.droppedByKernel} packets dropped by kernel (machine too loaded?)`);
      });
      for (const input of FLOW_INPUTS) {
        for (const logs of s.logs) {
          it(`${input.kind} + ${logs.variant} (${logs.files.join(', ')})`, async (t) => {
            const args = ['explain', input.file, ...logs.files, '--json', '--bin', '5s'];
            if (s.window) args.push('--from', isoSeconds(s.window.from - WINDOW_MARGIN_S), '--to', isoSeconds(s.window.to + WINDOW_MARGIN_S));
            const run = await flowlink(dir, args);
            let report: JsonReport;
            try {
              report = JSON.parse(run.stdout) as JsonReport;
            } catch {
              assert.fail(`flowlink ${args.join(' ')}: exit ${run.code}, no JSON on stdout; stderr: ${run.stderr.slice(0, 600)}`);
            }
            t.diagnostic(report.clockSkew === undefined ? 'clockSkew: absent from explain --json'
              : `clockSkew: ${report.clockSkew.map((c) => `${c.source} ${c.offsetSeconds}s ±${c.spreadSeconds}s (${c.matches})`).join(', ') || 'none estimated'}`);
            checkReport(s, logs, report, run, input.format);
            if (s.transfers.length > 0) checkTransfers(s, report);
            if (s.rule === 'smtp_in') checkMails(s, report, t, input.format !== 'argus-text');
            assert.equal(run.code, 0, `exit code ${run.code} (0 = a spike explained); stderr: ${run.stderr.slice(0, 400)}`);
          });
        }
      }
    });
  }
});
