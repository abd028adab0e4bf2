// The one line that leads a spike's report: where, how big, and what it was.
import type { Explanation, ExplainedSpike } from '../event.js';
import { formatClock } from '../time.js';
import { formatBytes, formatPercent } from '../units.js';
import { describeRecurrence } from '../analyses/recurrence.js';
import { pluralOf } from '../rules/format.js';

interface Group {
  title: string;
  user?: string;
  client?: string;
  items: Explanation[];
}

/** Explanations of one rule by one user from one client read as one phrase: "3 FTP uploads by u from c". */
function groups(explanations: Explanation[]): Group[] {
  const byKey = new Map<string, Group>();
  for (const e of explanations) {
    const fields = e.logs[0]?.fields ?? {};
    const user = fields.user === undefined ? undefined : String(fields.user);
    const client = fields.client === undefined ? undefined : String(fields.client);
    const key = `${e.rule}|${user}|${client}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { title: e.title, user, client, items: [] }));
    g.items.push(e);
  }
  return [...byKey.values()].sort((a, b) => total(b) - total(a));
}

function total(g: Group): number {
  return g.items.reduce((s, e) => s + e.bytes, 0);
}

/** "FTP uploads", "HTTPs (guessed from port 80)": the noun before a parenthesis takes the plural. */
export function pluralTitle(title: string): string {
  const paren = title.indexOf(' (');
  return paren < 0 ? pluralOf(title) : `${pluralOf(title.slice(0, paren))}${title.slice(paren)}`;
}

function phrase(g: Group): string {
  const n = g.items.length;
  const what = n === 1 ? `1 ${g.title}` : `${n} ${pluralTitle(g.title)}`;
  const by = g.user ? ` by ${g.user}` : '';
  const from = g.client ? ` from ${g.client}` : '';
  const confidence = g.items.reduce((s, e) => s + e.confidence, 0) / n;
  return `${what}${by}${from} (confidence ${confidence.toFixed(2)})`;
}

export function spikeWindow(x: ExplainedSpike, zone: string): string {
  const { start, end } = x.spike;
  const sameDay = formatClock(start, zone).slice(0, 10) === formatClock(end - 1, zone).slice(0, 10);
  return `${formatClock(start, zone).slice(0, 16)}-${sameDay ? formatClock(end, zone, false).slice(0, 5) : formatClock(end, zone).slice(0, 16)}`;
}

export function describeSpike(x: ExplainedSpike, zone: string): string {
  const on = x.spike.onHost ? ` on ${x.spike.onHost.host}` : '';
  const what = x.spike.detected ? 'Spike' : 'Window';
  const head = `${what} ${spikeWindow(x, zone)}${on}, ${formatBytes(x.spike.bytes)}`;
  const share = x.spike.bytes > 0 ? x.unexplainedBytes / x.spike.bytes : 0;
  const recurs = x.spike.recurrence ? `; ${describeRecurrence(x.spike.recurrence)}` : '';
  if (x.explanations.length === 0) return `${head}: not explained by any rule${recurs}`;
  return `${head}: ${groups(x.explanations).map(phrase).join('; ')}; ${formatPercent(share)} unexplained${recurs}`;
}

/** "10.2.3.102 received 92% of it" */
export function describeHost(x: ExplainedSpike): string | undefined {
  const h = x.spike.onHost;
  return h ? `${h.host} ${h.direction} ${formatPercent(h.share)} of it` : undefined;
}
