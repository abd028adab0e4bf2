// `explain --html FILE`: the report as one self-contained page to forward to a colleague.
// Inline CSS and SVG only, no script, font or image from anywhere: it opens offline, in a
// mail client's preview, years later. Every text is escaped (src/views/html-escape.ts).
import type { BinSeries, Explanation, ExplainedSpike, FlowRecord } from '../event.js';
import { formatClock, MICROS_PER_SECOND } from '../time.js';
import { formatBytes, formatDuration, formatPercent, plural } from '../units.js';
import { protoName } from '../../parsers/port-names.js';
import { describeHost, describeSpike } from './headline.js';
import type { Report } from './json.js';
import { trafficChart } from './html-chart.js';
import { escapeHtml as e } from './html-escape.js';
import { inputLine } from './text.js';
import { version } from '../version.js';

const LISTED_UNEXPLAINED = 10;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1000px;padding:0 1em;color:#1b1f24;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .3em}h3{font-size:1em;margin:1.2em 0 .3em}
.meta,.detail{color:#57606a}.answer{font-weight:600}.scheduled{color:#0a6a7a}
.chart{border:1px solid #d0d7de;border-radius:4px;background:#fafbfc}
.chart .bar{fill:#6e8fb3}.chart .bar.spike{fill:#d1242f}.chart .window{fill:#ffe3e3}
.chart .axis{stroke:#8c959f}.chart .label{font-size:11px;fill:#57606a}
table{border-collapse:collapse;margin:.4em 0;width:100%}th,td{text-align:left;padding:2px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-weight:600;color:#57606a}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-all;margin:0}
.confidence{font-variant-numeric:tabular-nums}.evidence{color:#57606a;margin:.2em 0 .2em 1.2em;padding:0}
.unexplained{color:#9a6700}
`;

function endpoint(addr: string, port: number | null): string {
  const a = addr.includes(':') ? `[${addr}]` : addr;
  return port === null ? a : `${a}:${port}`;
}

function flowCells(f: FlowRecord, zone: string): string {
  return (
    `<td class="mono">${e(formatClock(f.start, zone, false))}</td><td class="num">${e(formatDuration((f.end - f.start) / MICROS_PER_SECOND))}</td>` +
    `<td class="mono">${e(`${protoName(f.proto)} ${endpoint(f.src, f.sport)} ${f.dir ?? '->'} ${endpoint(f.dst, f.dport)}`)}</td>` +
    `<td class="num">${e(f.pkts)}</td><td class="num">${e(formatBytes(f.bytes))}</td>`
  );
}

function explanationHtml(x: Explanation, zone: string): string {
  const out: string[] = [];
  out.push(`<h3>${e(x.title)} <span class="confidence">confidence ${e(x.confidence.toFixed(2))}</span> <code>[${e(x.rule)}]</code></h3>`);
  out.push(`<p class="explanation">${e(x.summary)}</p>`);
  if (x.flows.length) {
    out.push('<table class="flows"><tr><th>start</th><th>dur</th><th>flow</th><th>pkts</th><th>bytes</th></tr>');
    for (const f of x.flows) out.push(`<tr>${flowCells(f, zone)}</tr>`);
    out.push('</table>');
  }
  if (x.logs.length) {
    out.push('<table class="logs"><tr><th>log line</th><th>file:line</th></tr>');
    for (const l of x.logs) out.push(`<tr><td><pre>${e(l.origin.raw)}</pre></td><td class="mono">${e(`${l.origin.file}:${l.origin.line}`)}</td></tr>`);
    out.push('</table>');
  }
  if (x.evidence.length) {
    out.push('<ul class="evidence">');
    for (const ev of x.evidence) out.push(`<li>${e(ev.trim())}</li>`);
    out.push('</ul>');
  }
  return out.join('\n');
}

function spikeHtml(x: ExplainedSpike, zone: string): string {
  const s = x.spike;
  const out: string[] = [];
  out.push(`<section class="spike" id="spike-${s.id}">`);
  out.push(`<h2 class="answer">${e(describeSpike(x, zone))}</h2>`);
  const host = describeHost(x);
  out.push(
    `<p class="detail">${e(`${formatBytes(s.bytes)} against a baseline of ${formatBytes(s.baselineBytes)}, peak at ${formatClock(s.peak, zone, false)}, z ${s.score.toFixed(1)}${host ? `; ${host}` : ''}`)}</p>`,
  );
  if (x.scheduled) out.push(`<p class="scheduled">${e(x.scheduled)}</p>`);
  for (const ex of x.explanations) out.push(explanationHtml(ex, zone));
  const share = s.bytes > 0 ? x.unexplainedBytes / s.bytes : 0;
  out.push(`<h3 class="unexplained">unexplained ${e(formatBytes(x.unexplainedBytes))} (${e(formatPercent(share))} of the spike)</h3>`);
  if (x.unexplained.length) {
    out.push('<table class="flows unexplained-flows"><tr><th>start</th><th>dur</th><th>flow</th><th>pkts</th><th>bytes</th><th>in the spike</th></tr>');
    for (const u of x.unexplained.slice(0, LISTED_UNEXPLAINED)) out.push(`<tr>${flowCells(u.flow, zone)}<td class="num">${e(formatBytes(u.bytes))}</td></tr>`);
    out.push('</table>');
    if (x.unexplained.length > LISTED_UNEXPLAINED) out.push(`<p class="meta">… and ${e(x.unexplained.length - LISTED_UNEXPLAINED)} more flows (all of them in --json)</p>`);
  }
  out.push('</section>');
  return out.join('\n');
}

/** The whole page. `series` is the traffic the spikes were found in. */
export function renderHtml(r: Report, series: BinSeries): string {
  const zone = r.zone;
  const found = r.spikes.length === 0 ? 'no spikes found' : plural(r.spikes.length, 'spike');
  const summary = `${r.flows} flows, ${r.logs} log events, ${formatDuration(r.binWidth / MICROS_PER_SECOND)} bins, times in ${zone}: ${found}`;
  const first = r.spikes[0];
  const title = first ? describeSpike(first, zone) : 'flowlink report';
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en"><head><meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  // Nothing may load from elsewhere, and a report can carry no script of its own.
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  out.push(`<title>${e(`flowlink: ${title}`)}</title>`);
  out.push(`<style>${CSS}</style></head><body>`);
  out.push(`<h1>flowlink report</h1>`);
  out.push(`<p class="meta">${e(summary)}</p>`);
  out.push(trafficChart(series, r.spikes, zone));
  out.push(`<p class="meta">bytes per ${e(formatDuration(series.width / MICROS_PER_SECOND))} bin, spikes in red</p>`);
  for (const x of r.spikes) out.push(spikeHtml(x, zone));
  out.push('<h2>Inputs</h2><ul class="inputs">');
  for (const i of r.inputs) {
    out.push(`<li class="mono">${e(inputLine(i))}${i.notes.map((n) => `<br><span class="meta">note: ${e(n)}</span>`).join('')}</li>`);
  }
  for (const g of r.ignored) out.push(`<li class="mono">${e(`${g.file}  ignored (${g.reason})`)}</li>`);
  out.push('</ul>');
  out.push(`<p class="meta">made by flowlink ${e(version)}; the full evidence of every spike is in <code>flowlink explain --json</code></p>`);
  out.push('</body></html>');
  return out.join('\n') + '\n';
}
