// Correlation at scale: flows and log events over one day, synthesized directly as
// FlowRecord/LogEvent objects (no parsing, so only spike detection and the rule engine are
// timed), with a few hundred true FTP uploads in bursts that make spikes, among background
// web, ssh, dns and mail flows and a million log lines (syslog noise, access-log requests,
// mail deliveries). Times `analyse` (spikes, recurrence, rules, clock skew) at 1/4, 1/2 and
// full size and prints the curve. Run `npx tsc` first.
//   node bench/correlate.mjs [flows=100000] [logs=1000000] [uploads=300]
// Seeded: the same numbers give the same data. Asserts nothing; the tests do that.
import { analyse } from '../dist/src/analyses/analyse.js';
import { builtinRuleFiles, loadRuleFiles } from '../dist/src/rules/load.js';
import { DEFAULT_SPIKE_OPTIONS } from '../dist/src/analyses/spikes.js';
import { seededRandom } from '../samples/lib/seeded-random.mjs';

const [FLOWS, LOGS, UPLOADS] = [100_000, 1_000_000, 300].map((d, i) => Number(process.argv[2 + i] ?? d));
const S = 1_000_000;
const DAY0 = Date.UTC(2008, 2, 8) * 1000;
const SKEW = -4.2 * S; // the FTP server's clock runs behind the sensor

/** The samples' seeded mulberry32 (samples/lib/seeded-random.mjs): the same data on every run. */
const rng = (seed) => seededRandom(seed).random;

function synthesize(nFlows, nLogs, nUploads) {
  const r = rng(20080308);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const client = () => `10.${1 + Math.floor(r() * 4)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const flows = [];
  const logs = [];
  let line = 0;
  const flow = (start, seconds, src, dst, dport, bytes) => {
    const pkts = Math.max(2, Math.round(bytes / 1400));
    flows.push({
      kind: 'flow', flowId: `f${flows.length}`, start, end: start + Math.round(seconds * S), proto: dport === 53 ? 17 : 6, src, sport: 1024 + Math.floor(r() * 60000),
      dst, dport, pkts, bytes, byteBasis: 'link', origin: { file: 'argus.txt', line: flows.length + 1, raw: '' }, records: 1,
    });
  };
  const log = (file, ts, service, action, program, fields, message) =>
    logs.push({ kind: 'log', ts, service, action, host: 'server', program, fields, message, origin: { file, line: ++line, raw: message } });

  // True matches: uploads in six bursts over the day (a nightly backup, batch jobs), each a
  // data connection and the server's log line 4.2 s behind on its clock, plus the control
  // connection. Six at every size, so a smaller run has the same spikes, thinner.
  const bursts = 6;
  for (let i = 0; i < nUploads; i++) {
    const burst = i % bursts;
    const at = DAY0 + (2 + burst * (22 / bursts)) * 3600 * S + Math.floor(r() * 20 * 60) * S;
    const size = Math.round((50 + r() * 450) * 1e6);
    const seconds = size / (2.4e6 + r() * 0.4e6);
    const c = `192.168.${100 + (i % 50)}.${1 + (i % 200)}`;
    flow(at - 2 * S, seconds + 600, c, '10.2.3.102', 21, 5000);
    flow(at, seconds, c, '10.2.3.102', 40000 + (i % 20000), Math.round(size * 1.035));
    log('messages', at + Math.round(seconds * S) + SKEW, 'ftp', 'upload', 'pure-ftpd', { user: `u${i % 40}`, client: c, file: `/backup/f${i}`, bytes: size, rate: size / seconds }, `upload ${i}`);
  }
  // Background flows, spread over the day.
  const services = [[443, 60_000], [80, 40_000], [22, 200_000], [53, 300], [25, 20_000], [993, 8_000]];
  while (flows.length < nFlows) {
    const [dport, mean] = pick(services);
    const bytes = Math.round(mean * -Math.log(1 - r() * 0.999));
    flow(DAY0 + Math.floor(r() * 86400 * S), 0.1 + r() * 30, client(), pick(['10.2.3.102', '10.2.3.53', '10.2.3.25', '10.2.3.80']), dport, bytes);
  }
  // Background log lines: mostly syslog noise, then web requests and mail deliveries from
  // the same client population (so the address index has many keys, most without a flow).
  while (logs.length < nLogs) {
    const ts = DAY0 + Math.floor(r() * 86400 * S);
    const u = r();
    if (u < 0.7) log('messages', ts, 'syslog', undefined, pick(['cron', 'kernel', 'sshd', 'systemd']), {}, 'noise');
    else if (u < 0.95) log('access.log', ts, 'web', 'request', 'httpd', { client: client(), bytes: Math.floor(r() * 200_000), status: 200 }, 'GET /');
    else log('maillog', ts, 'mail', 'delivery', 'postfix', { client: client(), relay_ip: client(), size: Math.floor(r() * 50_000), from: 'a@b' }, 'delivery');
  }
  logs.sort((a, b) => a.ts - b.ts);
  return { flows, logs };
}

const rules = await loadRuleFiles(builtinRuleFiles());
const options = { spikes: { ...DEFAULT_SPIKE_OPTIONS }, zone: 'UTC' };
console.log(`correlation benchmark: ${rules.rules.length} built-in rules; flows, logs, true uploads; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
console.log('fraction   flows      logs  uploads  spikes  explained  uploads found  skew (s)  seconds  cpu s');
for (const fraction of [0.25, 0.5, 1]) {
  const n = (x) => Math.round(x * fraction);
  const { flows, logs } = synthesize(n(FLOWS), n(LOGS), n(UPLOADS));
  // CPU time next to wall time: on a loaded machine the wall clock measures the neighbours.
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const a = analyse(flows, logs, rules, options);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const explained = a.explained.reduce((s, x) => s + x.explanations.length, 0);
  const found = a.explained.reduce((s, x) => s + x.explanations.filter((e) => e.rule === 'ftp_upload').length, 0);
  const skew = a.clockSkew.find((c) => c.source === 'messages');
  console.log(
    `${String(fraction).padEnd(8)} ${String(flows.length).padStart(7)} ${String(logs.length).padStart(9)} ${String(n(UPLOADS)).padStart(8)} ${String(a.spikes.length).padStart(7)} ${String(explained).padStart(10)} ${String(found).padStart(14)} ${(skew ? (skew.offset / S).toFixed(1) : '-').padStart(9)} ${seconds.toFixed(2).padStart(8)} ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(6)}`,
  );
}
