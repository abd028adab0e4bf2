// Labelled traffic for measuring spike detection: a diurnal background with noise, spikes of
// chosen size and shape injected at known times, and recurring nightly jobs. Seeded, so a
// seed set gives the same series every run (tests and bench/spike-quality.mjs share it).
import type { FlowRecord, Micros } from '../../src/event.js';

const S = 1_000_000;
const MIN = 60 * S;
const DAY = 1440 * MIN;

export interface InjectedSpike {
  start: Micros;
  end: Micros;
  bytes: number;
  recurring: boolean;
}

export interface LabelledTraffic {
  flows: FlowRecord[];
  spikes: InjectedSpike[];
  start: Micros;
  end: Micros;
}

export interface TrafficShape {
  days: number;
  /** Mean background bytes per minute. */
  perMinute: number;
  /** Day/night swing of the background, 0..1. */
  diurnal: number;
  /** Relative noise of each minute's bytes. */
  noise: number;
  /** One-off spikes to inject. */
  spikes: number;
  /** A nightly job (same time every day) to inject. */
  nightly: boolean;
}

export const DEFAULT_SHAPE: TrafficShape = { days: 2, perMinute: 2_000_000, diurnal: 0.6, noise: 0.3, spikes: 3, nightly: true };

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let nextId = 0;
function flow(start: Micros, end: Micros, bytes: number, src: string, dst: string, dport: number): FlowRecord {
  const id = nextId++;
  return {
    kind: 'flow', flowId: `g${id}`, start, end, proto: 6, src, sport: 1024 + (id % 60000), dst, dport,
    pkts: Math.max(1, Math.round(bytes / 1200)), bytes: Math.round(bytes), byteBasis: 'link', origin: { file: 'generated', line: id + 1, raw: '' }, records: 1,
  };
}

export function generateTraffic(seed: number, shape: TrafficShape = DEFAULT_SHAPE): LabelledTraffic {
  const random = rng(seed);
  const start = Date.UTC(2026, 0, 5) * 1000;
  const end = start + shape.days * DAY;
  const flows: FlowRecord[] = [];
  // Background: a few web-like flows a minute, busier by day (peak at 14:00).
  for (let t = start; t < end; t += MIN) {
    const hour = ((t - start) % DAY) / (60 * MIN);
    const level = shape.perMinute * (1 + shape.diurnal * Math.cos(((hour - 14) / 24) * 2 * Math.PI));
    const bytes = level * Math.max(0.05, 1 + shape.noise * (random() * 2 - 1));
    const n = 3;
    for (let k = 0; k < n; k++) flows.push(flow(t + random() * MIN, t + random() * MIN + 5 * S, bytes / n, `10.0.${k}.${1 + Math.floor(random() * 200)}`, '10.1.0.1', 443));
  }
  const spikes: InjectedSpike[] = [];
  const inject = (at: Micros, minutes: number, bytes: number, recurring: boolean, src: string) => {
    const e = at + minutes * MIN;
    flows.push(flow(at, e, bytes, src, '10.1.0.9', 30000 + Math.floor(random() * 30000)));
    spikes.push({ start: at, end: e, bytes, recurring });
  };
  // One-off spikes: 1 to 30 minutes, 2 to 60 background-minutes of extra bytes, away from each other.
  for (let i = 0; i < shape.spikes; i++) {
    let at: Micros;
    do at = start + Math.floor(random() * (shape.days * 1440 - 60)) * MIN;
    while (spikes.some((s) => Math.abs(s.start - at) < 3 * 60 * MIN));
    inject(at, 1 + Math.floor(random() * 30), shape.perMinute * (2 + random() * 58), false, `192.168.9.${i + 1}`);
  }
  if (shape.nightly) {
    const minute = 3 * 60 + 20 + Math.floor(random() * 15);
    const size = shape.perMinute * (30 + random() * 30);
    for (let d = 0; d < shape.days; d++) {
      const at = start + d * DAY + minute * MIN;
      if (spikes.some((s) => Math.abs(s.start - at) < 3 * 60 * MIN)) continue;
      inject(at, 8 + Math.floor(random() * 4), size * (0.9 + random() * 0.2), true, '192.168.134.56');
    }
  }
  flows.sort((a, b) => a.start - b.start);
  return { flows, spikes, start, end };
}

export interface Score {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/** A detected spike counts when it overlaps an injected one; each injected spike is found once. */
export function score(detected: { start: Micros; end: Micros }[], injected: InjectedSpike[]): Score {
  let truePositives = 0;
  let falsePositives = 0;
  const found = new Set<InjectedSpike>();
  for (const d of detected) {
    const hit = injected.find((s) => s.start < d.end && s.end > d.start);
    if (hit) {
      truePositives++;
      found.add(hit);
    } else falsePositives++;
  }
  return { truePositives, falsePositives, falseNegatives: injected.length - found.size };
}
