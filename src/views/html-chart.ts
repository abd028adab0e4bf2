// The traffic chart of the HTML report: one SVG bar per time bin, spike bins in another
// colour with their window shaded, a byte scale and time ticks. Plain SVG, no script.
import type { BinSeries, ExplainedSpike } from '../event.js';
import { formatClock } from '../time.js';
import { formatBytes } from '../units.js';
import { escapeHtml } from './html-escape.js';

const WIDTH = 960;
const HEIGHT = 240;
const LEFT = 70;
const BOTTOM = 28;
const TOP = 10;
const TICKS = 6;

/** The SVG: `data-bins` says how many bars it holds, each bar titled with its time and bytes. */
export function trafficChart(series: BinSeries, spikes: ExplainedSpike[], zone: string): string {
  const n = series.bytes.length;
  const plotW = WIDTH - LEFT - 10;
  const plotH = HEIGHT - TOP - BOTTOM;
  const max = Math.max(1, ...series.bytes);
  const barW = plotW / Math.max(1, n);
  const x = (i: number): number => LEFT + i * barW;
  const inSpike = (start: number, end: number): number | undefined => spikes.find((s) => start < s.spike.end && end > s.spike.start)?.spike.id;
  const out: string[] = [];
  out.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" data-bins="${n}" aria-label="traffic, bytes per bin">`,
  );
  // Spike windows first, so the bars draw over them.
  for (const s of spikes) {
    const a = Math.max(0, (s.spike.start - series.start) / series.width);
    const b = Math.min(n, (s.spike.end - series.start) / series.width);
    if (b <= a) continue;
    out.push(`<rect class="window" x="${(x(a)).toFixed(1)}" y="${TOP}" width="${((b - a) * barW).toFixed(1)}" height="${plotH}"><title>spike ${s.spike.id}</title></rect>`);
  }
  for (let i = 0; i < n; i++) {
    const start = series.start + i * series.width;
    const h = (series.bytes[i] / max) * plotH;
    const spike = inSpike(start, start + series.width);
    const cls = spike === undefined ? 'bar' : 'bar spike';
    const title = `${formatClock(start, zone)}  ${formatBytes(series.bytes[i])}${spike === undefined ? '' : `  (spike ${spike})`}`;
    out.push(
      `<rect class="${cls}" x="${x(i).toFixed(2)}" y="${(TOP + plotH - h).toFixed(2)}" width="${Math.max(0.5, barW * 0.9).toFixed(2)}" height="${h.toFixed(2)}"><title>${escapeHtml(title)}</title></rect>`,
    );
  }
  // Axes: the byte scale on the left, time ticks below.
  out.push(`<line class="axis" x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - 10}" y2="${TOP + plotH}"/>`);
  out.push(`<text class="label" x="${LEFT - 6}" y="${TOP + 10}" text-anchor="end">${escapeHtml(formatBytes(max))}</text>`);
  out.push(`<text class="label" x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>`);
  for (let t = 0; t <= TICKS; t++) {
    const i = Math.round((t / TICKS) * n);
    const at = series.start + i * series.width;
    const label = formatClock(at, zone).slice(5, 16);
    out.push(`<text class="label" x="${x(i).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="${t === 0 ? 'start' : t === TICKS ? 'end' : 'middle'}">${escapeHtml(label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
