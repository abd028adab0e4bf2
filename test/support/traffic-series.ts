// Labelled traffic for measuring spike detection: a diurnal background with noise shared by a
// few steady hosts (one flow each a minute) and many sparse clients, and injected at known
// times: spikes in bytes, small-packet floods (packets jump, bytes barely move), scans (many
// tiny flows), one steady host's own traffic jumping 20-60x (invisible in the link total), and
// a recurring nightly job. Seeded, so a seed set gives the same series every run (tests and
// bench/spike-quality.mjs share it).
import type { FlowRecord, Micros, Spike } from '../../src/event.js';
import { carries } from '../../src/analyses/host-spikes.js';

const S = 1_000_000;
const MIN = 60 * S;
const DAY = 1440 * MIN;

/** Which series an injected spike shows in: bytes, packets, flows, or one host's own. */
export type SpikeKind = 'bytes' | 'pkts' | 'flows' | 'host';

export interface InjectedSpike {
  start: Micros;
  end: Micros;
  bytes: number;
  recurring: boolean;
  kind: SpikeKind;
  /** For a host spike: the host whose traffic jumped. */
  host?: string;
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
  /** Steady hosts (10.0.0.N, a flow each 5 minutes) sharing 70% of the background, host N's share going as 1/N². */
  hosts: number;
  /** One-off spikes in bytes to inject. */
  spikes: number;
  /** Small-packet floods: 2-60 background-minutes of packets at 64 bytes each. */
  floods: number;
  /** Scans: 2-60 background-minutes of flows of one or two tiny packets. */
  scans: number;
  /** One of the smaller steady hosts sending 20-60x its usual bytes for 5-30 minutes. */
  hostJumps: number;
  /** A nightly job (same time every day) to inject. */
  nightly: boolean;
}

export const DEFAULT_SHAPE: TrafficShape = {
  days: 2, perMinute: 2_000_000, diurnal: 0.6, noise: 0.3, hosts: 12, spikes: 3, floods: 1, scans: 1, hostJumps: 1, nightly: true,
};

/** The same background with nothing injected: every spike found in it is false. */
export const QUIET_SHAPE: TrafficShape = { ...DEFAULT_SHAPE, spikes: 0, floods: 0, scans: 0, hostJumps: 0, nightly: false };

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
function flow(start: Micros, end: Micros, bytes: number, pkts: number, src: string, dst: string, dport: number, proto = 6): FlowRecord {
  const id = nextId++;
  return {
    kind: 'flow', flowId: `g${id}`, start, end, proto, src, sport: 1024 + (id % 60000), dst, dport,
    pkts: Math.max(1, Math.round(pkts)), bytes: Math.round(bytes), byteBasis: 'link', origin: { file: 'generated', line: id + 1, raw: '' }, records: 1,
  };
}

export function generateTraffic(seed: number, shape: TrafficShape = DEFAULT_SHAPE): LabelledTraffic {
  const random = rng(seed);
  const start = Date.UTC(2026, 0, 5) * 1000;
  const end = start + shape.days * DAY;
  const flows: FlowRecord[] = [];
  const weights = Array.from({ length: shape.hosts }, (_, i) => 1 / (i + 1) ** 2);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const steadyShare = shape.hosts > 0 ? 0.7 : 0;
  const hostShare = weights.map((w) => (steadyShare * w) / weightSum);
  // Packet sizes: a sparse client's flow anything in 400..1400 bytes; a steady host keeps its
  // own mix (its mean fixed, each flow within 10% of it), as a server's traffic does.
  const pktSize = () => 400 + random() * 1000;
  const hostPktSize = Array.from({ length: shape.hosts }, pktSize);
  let bgPkts = 0;
  let bgFlows = 0;
  // Background: busier by day (peak at 14:00), one noise factor a minute for the whole link.
  const minutes = shape.days * 1440;
  const levels = Array.from({ length: minutes }, (_, m) => {
    const hour = (m % 1440) / 60;
    return shape.perMinute * (1 + shape.diurnal * Math.cos(((hour - 14) / 24) * 2 * Math.PI)) * Math.max(0.05, 1 + shape.noise * (random() * 2 - 1));
  });
  for (let m = 0; m < minutes; m++) {
    const t = start + m * MIN;
    // A steady host's flow every 5 minutes carries its share of those minutes (fewer records, same series at 5m bins).
    if (m % 5 === 0) {
      const level = levels.slice(m, m + 5).reduce((a, b) => a + b, 0);
      for (let i = 0; i < shape.hosts; i++) {
        const bytes = level * hostShare[i] * (0.5 + random());
        const size = hostPktSize[i] * (0.9 + 0.2 * random());
        const at = t + random() * 4 * MIN;
        flows.push(flow(at, at + (1 + random() * 9) * S, bytes, bytes / size, `10.0.0.${i + 1}`, `10.1.0.${1 + (i % 4)}`, 443));
        bgPkts += bytes / size;
        bgFlows++;
      }
    }
    const clients = 1 + Math.floor(random() * 4);
    for (let k = 0; k < clients; k++) {
      const bytes = (levels[m] * (1 - steadyShare)) / 2.5 * (0.5 + random());
      const size = pktSize();
      const at = t + random() * MIN;
      flows.push(flow(at, at + random() * 5 * S, bytes, bytes / size, `10.0.${1 + k}.${1 + Math.floor(random() * 200)}`, '10.1.0.1', 443));
      bgPkts += bytes / size;
      bgFlows++;
    }
  }
  const pktsPerMinute = bgPkts / minutes;
  const flowsPerMinute = bgFlows / minutes;
  const spikes: InjectedSpike[] = [];
  // Two hours between spike starts, so each is judged against background, not another spike.
  const freeTime = () => {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const at = start + Math.floor(random() * (minutes - 60)) * MIN;
      if (!spikes.some((s) => Math.abs(s.start - at) < 2 * 60 * MIN)) return at;
    }
    throw new Error(`no room for another spike in ${shape.days} days`);
  };
  const size = () => 2 + random() * 58;
  const duration = () => 1 + Math.floor(random() * 30);
  // The nightly job first, so the one-offs keep away from it.
  if (shape.nightly) {
    const minute = 3 * 60 + 20 + Math.floor(random() * 15);
    const bytes = shape.perMinute * (30 + random() * 30);
    for (let d = 0; d < shape.days; d++) {
      const at = start + d * DAY + minute * MIN;
      const e = at + (8 + Math.floor(random() * 4)) * MIN;
      const b = bytes * (0.9 + random() * 0.2);
      flows.push(flow(at, e, b, b / 1200, '192.168.134.56', '10.1.0.9', 30000 + Math.floor(random() * 30000)));
      spikes.push({ start: at, end: e, bytes: b, recurring: true, kind: 'bytes' });
    }
  }
  // One-off spikes in bytes: 2 to 60 background-minutes of extra bytes over 1 to 30 minutes.
  for (let i = 0; i < shape.spikes; i++) {
    const at = freeTime();
    const e = at + duration() * MIN;
    const bytes = shape.perMinute * size();
    flows.push(flow(at, e, bytes, bytes / 1200, `192.168.9.${i + 1}`, '10.1.0.9', 30000 + Math.floor(random() * 30000)));
    spikes.push({ start: at, end: e, bytes, recurring: false, kind: 'bytes' });
  }
  for (let i = 0; i < shape.floods; i++) {
    const at = freeTime();
    const e = at + duration() * MIN;
    const pkts = pktsPerMinute * size();
    flows.push(flow(at, e, pkts * 64, pkts, `192.168.8.${i + 1}`, '10.1.0.9', 53, 17));
    spikes.push({ start: at, end: e, bytes: pkts * 64, recurring: false, kind: 'pkts' });
  }
  for (let i = 0; i < shape.scans; i++) {
    const at = freeTime();
    const span = duration() * MIN;
    const count = Math.round(flowsPerMinute * size());
    let bytes = 0;
    for (let k = 0; k < count; k++) {
      const t = at + random() * span;
      const pkts = 1 + Math.floor(random() * 2);
      bytes += pkts * 60;
      flows.push(flow(t, t + random() * S, pkts * 60, pkts, `192.168.7.${i + 1}`, `10.1.${2 + Math.floor(random() * 4)}.${1 + Math.floor(random() * 250)}`, 1 + Math.floor(random() * 1024)));
    }
    spikes.push({ start: at, end: at + span, bytes, recurring: false, kind: 'flows' });
  }
  // A steady host among the smaller half (0.3-1% of the link) sends 20-60x its usual bytes.
  for (let i = 0; i < shape.hostJumps && shape.hosts >= 2; i++) {
    const at = freeTime();
    const mins = 5 + Math.floor(random() * 26);
    const e = at + mins * MIN;
    const h = Math.floor(shape.hosts / 2) + Math.floor(random() * Math.ceil(shape.hosts / 2));
    const bytes = (19 + random() * 40) * shape.perMinute * hostShare[h] * mins;
    const host = `10.0.0.${h + 1}`;
    flows.push(flow(at, e, bytes, bytes / 1400, host, '10.1.0.20', 873));
    spikes.push({ start: at, end: e, bytes, recurring: false, kind: 'host', host });
  }
  flows.sort((a, b) => a.start - b.start);
  return { flows, spikes, start, end };
}

export interface KindScore {
  injected: number;
  found: number;
}

export interface Score {
  /** Spikes injected; recall is (injected - falseNegatives) / injected. */
  injected: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Recall per kind of injected spike. */
  byKind: Record<SpikeKind, KindScore>;
  /** Spikes found in a host's own series, and how many of them were false. */
  hostSeries: { detected: number; falsePositives: number };
}

/** A host spike is found only by a spike its host carries (on it, or a fifth of it). */
function matches(d: Spike, s: InjectedSpike): boolean {
  return s.start < d.end && s.end > d.start && (s.kind !== 'host' || carries(d, s.host!));
}

/**
 * A detected spike is true when it matches an injected one (it may match two that touch);
 * an injected spike is found when any detected spike matches it.
 */
export function score(detected: Spike[], injected: InjectedSpike[]): Score {
  let truePositives = 0;
  let falsePositives = 0;
  const found = new Set<InjectedSpike>();
  const hostSeries = { detected: 0, falsePositives: 0 };
  for (const d of detected) {
    const hits = injected.filter((s) => matches(d, s));
    if (d.hostSeries) hostSeries.detected++;
    if (hits.length) {
      truePositives++;
      for (const h of hits) found.add(h);
    } else {
      falsePositives++;
      if (d.hostSeries) hostSeries.falsePositives++;
    }
  }
  const byKind = { bytes: { injected: 0, found: 0 }, pkts: { injected: 0, found: 0 }, flows: { injected: 0, found: 0 }, host: { injected: 0, found: 0 } };
  for (const s of injected) {
    byKind[s.kind].injected++;
    if (found.has(s)) byKind[s.kind].found++;
  }
  return { injected: injected.length, truePositives, falsePositives, falseNegatives: injected.length - found.size, byKind, hostSeries };
}
