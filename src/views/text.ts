// The report for people: each spike leads with its answer, evidence below, inputs last.
import pc from 'picocolors';
import type { FlowRecord, InputSummary } from '../event.js';
import { formatClock, MICROS_PER_SECOND } from '../time.js';
import { formatBytes, formatDuration, formatPercent, plural } from '../units.js';
import { protoName } from '../../parsers/port-names.js';
import { describeHost, describeSpike, spikeWindow } from './headline.js';
import { describeRecurrence } from '../analyses/recurrence.js';
import { describeTriggers } from './spike-figures.js';
import { describeClockSkew } from '../analyses/clock-skew.js';
import type { Report } from './json.js';
import { colorFor } from './color.js';
import { cut, REPORT_WIDTH, wrap } from './wrap.js';
import { terminalSafe } from './terminal-safe.js';

const LISTED_UNEXPLAINED = 5;

function endpoint(addr: string, port: number | null): string {
  const a = addr.includes(':') ? `[${addr}]` : addr;
  return port === null ? a : `${a}:${port}`;
}

export function flowLine(f: FlowRecord, zone: string): string {
  const when = `${formatClock(f.start, zone, false)}-${formatClock(f.end, zone, false)}`;
  return `${when} ${protoName(f.proto)} ${endpoint(f.src, f.sport)} ${f.dir ?? '->'} ${endpoint(f.dst, f.dport)}  ${f.pkts} pkts  ${formatBytes(f.bytes)}`;
}

/** One row of a flow table: start, duration, bytes in the spike, then the flow itself (fits 80 columns for IPv4). */
export function flowRow(f: FlowRecord, bytes: number, zone: string): string {
  const dur = formatDuration((f.end - f.start) / MICROS_PER_SECOND);
  return `${formatClock(f.start, zone, false)} ${dur.padStart(6)} ${formatBytes(bytes).padStart(9)}  ${protoName(f.proto)} ${endpoint(f.src, f.sport)} ${f.dir ?? '->'} ${endpoint(f.dst, f.dport)}`;
}

export function inputLine(i: InputSummary): string {
  let line = `${i.file}  ${i.format}  ${i.events} records`;
  if (i.skipped > 0) line += `, skipped ${plural(i.skipped, 'line')}, first at line ${i.firstSkipped!.line} (${i.firstSkipped!.reason})`;
  return line;
}

export function renderText(r: Report, color = colorFor(process.stdout), width = REPORT_WIDTH): string {
  const c = pc.createColors(color);
  const out: string[] = [];
  // Layout first, colour last: wrapping counts characters, escape codes would throw it off.
  // Log text shown safe first (terminal-safe.ts): only the report's own colours reach the terminal.
  const put = (style: (s: string) => string, text: string, indent: string, hang = indent + '  ', fields = false): void => {
    for (const l of wrap(terminalSafe(text), width, indent, hang, { fields })) out.push(style(l));
  };
  const plain = (s: string): string => s;
  const zone = r.zone;
  put(
    plain,
    `${r.flows} flows, ${r.logs} log events, ${formatDuration(r.binWidth / MICROS_PER_SECOND)} bins, times in ${zone}: ` +
      (r.spikes.length === 0 ? 'no spikes found' : r.spikes.every((x) => !x.spike.detected) ? 'the window asked for' : plural(r.spikes.length, 'spike')),
    '',
  );
  for (const skew of r.clockSkew ?? []) put(c.dim, describeClockSkew(skew), '');
  for (const x of r.spikes) {
    out.push('');
    // The answer first: where, how big, what it was, how sure; the evidence follows.
    put(c.bold, describeSpike(x, zone), '');
    const s = x.spike;
    const host = describeHost(x);
    put(
      c.dim,
      `${formatBytes(s.bytes)} against a baseline of ${formatBytes(s.baselineBytes)}, peak at ${formatClock(s.peak, zone, false)}, z ${s.score.toFixed(1)}` +
        (host ? `; ${host}` : ''),
      '  ',
    );
    const found = describeTriggers(s);
    if (found) put(c.dim, found, '  ');
    if (x.scheduled) put(c.cyan, x.scheduled, '  ');
    for (const e of x.explanations) {
      out.push('');
      out.push(`  ${c.green(terminalSafe(e.title))}  confidence ${e.confidence.toFixed(2)}  ${c.dim(`[${e.rule}]`)}`);
      put(plain, e.summary, '    ');
      for (const f of e.flows) put(c.dim, `flow ${flowLine(f, zone)}`, '    ', '         ', true);
      for (const l of e.logs) {
        out.push(c.dim(`    log  ${terminalSafe(l.origin.file)}:${l.origin.line}`));
        out.push(c.dim(cut(`      ${terminalSafe(l.origin.raw)}`, width)));
      }
      for (const ev of e.evidence) {
        const lead = /^ */.exec(ev)![0];
        put(c.dim, ev.slice(lead.length), `      ${lead}`);
      }
    }
    const share = s.bytes > 0 ? x.unexplainedBytes / s.bytes : 0;
    out.push('');
    const rest = wrap(`unexplained ${formatBytes(x.unexplainedBytes)} (${formatPercent(share)} of the spike)` + (x.unexplained.length ? ', largest flows:' : ''), width, '  ');
    out.push(rest[0].replace('unexplained', c.yellow('unexplained')), ...rest.slice(1));
    if (x.unexplained.length) out.push(c.dim(`    start       dur  in spike  flow`));
    for (const u of x.unexplained.slice(0, LISTED_UNEXPLAINED)) put(c.dim, flowRow(u.flow, u.bytes, zone), '    ', '                              ');
    if (x.unexplained.length > LISTED_UNEXPLAINED) out.push(c.dim(`    ... and ${x.unexplained.length - LISTED_UNEXPLAINED} more flows`));
  }
  out.push('');
  out.push(c.dim('inputs:'));
  for (const i of r.inputs) {
    put(c.dim, inputLine(i), '  ', '    ');
    for (const n of i.notes) put(c.dim, `note: ${n}`, '    ', '      ');
  }
  for (const g of r.ignored) put(c.dim, `${g.file}  ignored (${g.reason})`, '  ', '    ');
  return out.join('\n') + '\n';
}

const LISTED_ATTRIBUTION = 5;

/** `flowlink spikes`: each spike with who made it up, like `racluster | rasort` over its window. */
export function renderSpikes(r: Report, color = pc.isColorSupported): string {
  const c = pc.createColors(color);
  const zone = r.zone;
  const out: string[] = [
    `${r.flows} flows, ${formatDuration(r.binWidth / MICROS_PER_SECOND)} bins, times in ${zone}: ` +
      (r.spikes.length === 0 ? 'no spikes found' : plural(r.spikes.length, 'spike')),
  ];
  for (const x of r.spikes) {
    const s = x.spike;
    out.push('');
    out.push(c.bold(`${spikeWindow(x, zone)}  ${formatBytes(s.bytes)} (baseline ${formatBytes(s.baselineBytes)}), z ${s.score.toFixed(1)}`));
    const host = describeHost(x);
    if (host) out.push(`  ${host}`);
    const triggers = describeTriggers(s);
    if (triggers) out.push(`  ${triggers}`);
    if (s.recurrence) out.push(`  ${c.cyan(describeRecurrence(s.recurrence))}`);
    out.push(c.dim('  hosts:') + ' ' + s.hosts.slice(0, LISTED_ATTRIBUTION).map((h) => `${h.host} ${formatPercent(h.share)}`).join(', '));
    out.push(c.dim('  pairs:') + ' ' + s.pairs.slice(0, LISTED_ATTRIBUTION).map((p) => `${p.src} -> ${p.dst} ${formatPercent(p.share)}`).join(', '));
    out.push(c.dim('  ports:') + ' ' + s.ports.slice(0, LISTED_ATTRIBUTION).map((p) => `${protoName(p.proto)}/${p.port ?? '-'} ${formatPercent(p.share)}`).join(', '));
    for (const f of s.flows.slice(0, LISTED_ATTRIBUTION)) out.push(c.dim(`    ${flowLine(f.flow, zone)}  (${formatBytes(f.bytes)} in the spike)`));
  }
  return out.join('\n') + '\n';
}
