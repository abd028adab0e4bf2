// What found a spike, for the views: the series that were hot (bytes, packets, flows started)
// and, for a spike found in one host's own series, that host.
import type { SeriesName, Spike } from '../event.js';
import { formatBytes } from '../units.js';

const SERIES_WORDS: Record<SeriesName, string> = { bytes: 'bytes', pkts: 'packets', flows: 'flows started' };

function amount(name: SeriesName, v: number): string {
  return name === 'bytes' ? formatBytes(v) : Math.round(v).toLocaleString('en-US');
}

/**
 * "found in packets: 101,234 against 25,102 usual" when something other than bytes alone found
 * the spike, "found in 10.0.0.9's own traffic" for a host series; undefined for a plain bytes spike.
 */
export function describeTriggers(s: Spike): string | undefined {
  const triggers = s.triggers ?? [];
  const parts: string[] = [];
  if (s.hostSeries) parts.push(`found in ${s.hostSeries}'s own traffic, invisible in the link total`);
  if (s.figures && triggers.some((t) => t !== 'bytes')) {
    const figures = triggers.filter((t) => t !== 'bytes').map((t) => `${SERIES_WORDS[t]} ${amount(t, s.figures![t].total)} against ${amount(t, s.figures![t].baseline)} usual`);
    parts.push(`${triggers.includes('bytes') ? 'also hot in' : 'found in'} ${figures.join(', ')}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

/** The JSON shape of a spike's series figures, rounded. */
export function figuresJson(s: Spike) {
  const out: Partial<Record<SeriesName, { total: number; baseline: number; z: number }>> = {};
  for (const [name, f] of Object.entries(s.figures ?? {}) as [SeriesName, NonNullable<Spike['figures']>[SeriesName]][]) {
    out[name] = { total: Math.round(f.total), baseline: Math.round(f.baseline), z: Number.isFinite(f.z) ? Number(f.z.toFixed(2)) : 0 };
  }
  return { triggers: s.triggers ?? [], figures: out, hostSeries: s.hostSeries ?? null };
}
