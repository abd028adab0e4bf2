// The report for people: each spike leads with its answer, evidence below, inputs last.
import pc from 'picocolors';
import type { FlowRecord, InputSummary } from '../event.js';
import { formatClock, MICROS_PER_SECOND } from '../time.js';
import { formatBytes, formatDuration, formatPercent, plural } from '../units.js';
import { protoName } from '../../parsers/port-names.js';
import { describeHost, describeSpike, spikeWindow } from './headline.js';
import { describeRecurrence } from '../analyses/recurrence.js';
import type { Report } from './json.js';

const LISTED_UNEXPLAINED = 5;

function endpoint(addr: string, port: number | null): string {
  const a = addr.includes(':') ? `[${addr}]` : addr;
  return port === null ? a : `${a}:${port}`;
}

export function flowLine(f: FlowRecord, zone: string): string {
  const when = `${formatClock(f.start, zone, false)}-${formatClock(f.end, zone, false)}`;
  return `${when} ${protoName(f.proto)} ${endpoint(f.src, f.sport)} ${f.dir ?? '->'} ${endpoint(f.dst, f.dport)}  ${f.pkts} pkts  ${formatBytes(f.bytes)}`;
}

export function inputLine(i: InputSummary): string {
  let line = `${i.file}  ${i.format}  ${i.events} records`;
  if (i.skipped > 0) line += `, skipped ${plural(i.skipped, 'line')}, first at line ${i.firstSkipped!.line} (${i.firstSkipped!.reason})`;
  return line;
}

export function renderText(r: Report, color = pc.isColorSupported): string {
  const c = pc.createColors(color);
  const out: string[] = [];
  const zone = r.zone;
  out.push(
    `${r.flows} flows, ${r.logs} log events, ${formatDuration(r.binWidth / MICROS_PER_SECOND)} bins, times in ${zone}: ` +
      (r.spikes.length === 0 ? 'no spikes found' : r.spikes.every((x) => !x.spike.detected) ? 'the window asked for' : plural(r.spikes.length, 'spike')),
  );
  for (const x of r.spikes) {
    out.push('');
    out.push(c.bold(describeSpike(x, zone)));
    const s = x.spike;
    const host = describeHost(x);
    out.push(
      c.dim(
        `  ${formatBytes(s.bytes)} against a baseline of ${formatBytes(s.baselineBytes)}, peak at ${formatClock(s.peak, zone, false)}, z ${s.score.toFixed(1)}` +
          (host ? `; ${host}` : ''),
      ),
    );
    if (x.scheduled) out.push(`  ${c.cyan(x.scheduled)}`);
    for (const e of x.explanations) {
      out.push(`  ${c.green(e.title)}  confidence ${e.confidence.toFixed(2)}  ${c.dim(`[${e.rule}]`)}`);
      out.push(`    ${e.summary}`);
      for (const f of e.flows) out.push(c.dim(`    flow ${flowLine(f, zone)}`));
      for (const l of e.logs) out.push(c.dim(`    log  ${l.origin.file}:${l.origin.line}  ${l.origin.raw}`));
      for (const ev of e.evidence) out.push(c.dim(`         ${ev}`));
    }
    const share = s.bytes > 0 ? x.unexplainedBytes / s.bytes : 0;
    out.push(`  ${c.yellow('unexplained')} ${formatBytes(x.unexplainedBytes)} (${formatPercent(share)} of the spike)` + (x.unexplained.length ? ', largest flows:' : ''));
    for (const u of x.unexplained.slice(0, LISTED_UNEXPLAINED)) {
      out.push(c.dim(`    ${flowLine(u.flow, zone)}  (${formatBytes(u.bytes)} in the spike)`));
    }
    if (x.unexplained.length > LISTED_UNEXPLAINED) out.push(c.dim(`    ... and ${x.unexplained.length - LISTED_UNEXPLAINED} more flows`));
  }
  out.push('');
  out.push(c.dim('inputs:'));
  for (const i of r.inputs) {
    out.push(c.dim(`  ${inputLine(i)}`));
    for (const n of i.notes) out.push(c.dim(`    note: ${n}`));
  }
  for (const g of r.ignored) out.push(c.dim(`  ${g.file}  ignored (${g.reason})`));
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
    if (s.recurrence) out.push(`  ${c.cyan(describeRecurrence(s.recurrence))}`);
    out.push(c.dim('  hosts:') + ' ' + s.hosts.slice(0, LISTED_ATTRIBUTION).map((h) => `${h.host} ${formatPercent(h.share)}`).join(', '));
    out.push(c.dim('  pairs:') + ' ' + s.pairs.slice(0, LISTED_ATTRIBUTION).map((p) => `${p.src} -> ${p.dst} ${formatPercent(p.share)}`).join(', '));
    out.push(c.dim('  ports:') + ' ' + s.ports.slice(0, LISTED_ATTRIBUTION).map((p) => `${protoName(p.proto)}/${p.port ?? '-'} ${formatPercent(p.share)}`).join(', '));
    for (const f of s.flows.slice(0, LISTED_ATTRIBUTION)) out.push(c.dim(`    ${flowLine(f.flow, zone)}  (${formatBytes(f.bytes)} in the spike)`));
  }
  return out.join('\n') + '\n';
}
