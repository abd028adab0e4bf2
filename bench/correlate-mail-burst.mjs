// The rule engine's hardest assignment: N SMTP connections from one client within N/2 seconds,
// one delivery each, sizes 60-460 KB at random, the payload counted as argus on Ethernet does
// (a range from the packets). Under smtp_in's `each:` (same client, within 2 minutes) every
// delivery is a candidate for every connection, so each connection's subset search runs over
// all of them and assignment decides who gets what. Prints, per N, how many connections got
// their own delivery, one to one, and the CPU time. Seeded; asserts nothing. Run `npx tsc` first.
//   node bench/correlate-mail-burst.mjs [N...]            (default 12 50 100 200)
//   FLOWLINK_BASELINE=/tmp/old node bench/correlate-mail-burst.mjs   (also an older build's dist/)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = process.argv.slice(2).map(Number);
const S = 1_000_000;
const T0 = Date.UTC(2026, 11, 2) * 1000;

function burst(n) {
  let seed = 7;
  const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const flows = [];
  const logs = [];
  for (let i = 0; i < n; i++) {
    const size = Math.round(60_000 + r() * 400_000);
    const start = T0 + i * 0.5 * S;
    const pkts = Math.ceil(size / 10_000) + 20;
    // The SMTP dialogue and headers on top of the message: 2 KB, and 66 bytes a packet.
    flows.push({
      kind: 'flow', flowId: `f${i}`, start, end: start + 0.1 * S, proto: 6, src: '127.0.0.23', sport: 30000 + i, dst: '127.0.0.10', dport: 25,
      pkts, bytes: size + 2000 + pkts * 66, byteBasis: 'link', origin: { file: 'ra.txt', line: i + 1, raw: '' }, records: 1,
    });
    // postfix stamps to the second (RFC 3164 syslog).
    logs.push({
      kind: 'log', ts: Math.floor(start / S) * S, service: 'mail', action: 'delivery', fields: { client: '127.0.0.23', size, bytes: size, from: `s${i}@x` },
      message: '', origin: { file: 'mail.log', line: i + 1, raw: '' },
    });
  }
  const spike = {
    id: 1, start: T0, end: T0 + n * S, peak: T0, onset: T0, bytes: flows.reduce((s, f) => s + f.bytes, 0), pkts: 0, baselineBytes: 0, excessBytes: 0,
    score: 1, detected: false, hosts: [], pairs: [], ports: [], flows: flows.map((f) => ({ flow: f, bytes: f.bytes })),
  };
  return { spike, logs };
}

async function run(root, label) {
  const { explainSpike } = await import(path.join(root, 'dist/src/analyses/correlate.js'));
  const { builtinRuleFiles, loadRuleFiles } = await import(path.join(root, 'dist/src/rules/load.js'));
  const all = await loadRuleFiles(builtinRuleFiles());
  const rules = { ...all, rules: all.rules.filter((x) => x.name.startsWith('smtp_')) };
  for (const n of SIZES.length ? SIZES : [12, 50, 100, 200]) {
    const { spike, logs } = burst(n);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const x = explainSpike(spike, rules, logs);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const right = x.explanations.filter((e) => e.logs.length === 1 && e.flows.length === 1 && e.logs[0].fields.from === `s${e.flows[0].flowId.slice(1)}@x`).length;
    console.log(`${label.padEnd(9)} ${String(n).padStart(5)} ${String(x.explanations.length).padStart(13)} ${String(right).padStart(11)} ${wall.toFixed(2).padStart(7)} ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(6)}`);
  }
}

console.log(`mail burst: N connections from one client, one delivery each; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
console.log('build         N  explanations  own, 1 to 1  wall s  cpu s');
if (process.env.FLOWLINK_BASELINE) await run(path.resolve(process.env.FLOWLINK_BASELINE), 'baseline');
await run(HERE, 'this');
