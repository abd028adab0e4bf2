// `--json`: the stable, documented shape (README "JSON output"). Bump JSON_VERSION on any
// change that is not a pure addition.
import type { ExplainedSpike, FlowRecord, InputSummary, LogEvent } from '../event.js';
import { formatIso, MICROS_PER_SECOND } from '../time.js';
import { protoName } from '../../parsers/port-names.js';
import { describeSpike } from './headline.js';
import { figuresJson } from './spike-figures.js';
import type { ClockSkew } from '../analyses/clock-skew.js';

export const JSON_VERSION = 1;
const LISTED_UNEXPLAINED = 10;
const LISTED_HOSTS = 5;

export interface Report {
  spikes: ExplainedSpike[];
  inputs: InputSummary[];
  ignored: { file: string; reason: string }[];
  binWidth: number;
  flows: number;
  logs: number;
  zone: string;
  /** Log sources' clock offsets to the sensor (explain only; absent reads as none). */
  clockSkew?: ClockSkew[];
}

const round4 = (x: number) => Number(x.toFixed(4));

export function flowJson(f: FlowRecord) {
  return {
    start: formatIso(f.start),
    end: formatIso(f.end),
    proto: protoName(f.proto),
    src: f.src,
    sport: f.sport,
    dst: f.dst,
    dport: f.dport,
    pkts: f.pkts,
    bytes: f.bytes,
    state: f.state ?? null,
    file: f.origin.file,
    line: f.origin.line,
  };
}

export function logJson(l: LogEvent) {
  return {
    time: formatIso(l.ts),
    file: l.origin.file,
    line: l.origin.line,
    text: l.origin.raw,
    service: l.service,
    action: l.action ?? null,
    fields: l.fields,
  };
}

export function reportJson(r: Report) {
  return {
    version: JSON_VERSION,
    binSeconds: r.binWidth / MICROS_PER_SECOND,
    flows: r.flows,
    logs: r.logs,
    inputs: r.inputs.map((i) => ({
      file: i.file,
      format: i.format,
      events: i.events,
      skipped: i.skipped,
      firstSkipped: i.firstSkipped ?? null,
      notes: i.notes,
    })),
    ignored: r.ignored,
    clockSkew: (r.clockSkew ?? []).map((s) => ({
      source: s.source,
      offsetSeconds: Number((s.offset / MICROS_PER_SECOND).toFixed(3)),
      spreadSeconds: Number((s.spread / MICROS_PER_SECOND).toFixed(3)),
      matches: s.matches,
    })),
    spikes: r.spikes.map((x) => ({
      id: x.spike.id,
      start: formatIso(x.spike.start),
      end: formatIso(x.spike.end),
      peak: formatIso(x.spike.peak),
      bytes: Math.round(x.spike.bytes),
      baselineBytes: Math.round(x.spike.baselineBytes),
      excessBytes: Math.round(x.spike.excessBytes),
      score: Number(x.spike.score.toFixed(2)),
      detected: x.spike.detected,
      ...figuresJson(x.spike),
      onset: formatIso(x.spike.onset),
      pkts: Math.round(x.spike.pkts),
      seasonalBaselineBytes: x.spike.seasonalBaselineBytes === undefined ? null : Math.round(x.spike.seasonalBaselineBytes),
      summary: describeSpike(x, r.zone),
      onHost: x.spike.onHost ? { ...x.spike.onHost, share: round4(x.spike.onHost.share) } : null,
      recurrence: x.spike.recurrence ?? null,
      scheduled: x.scheduled ?? null,
      hosts: x.spike.hosts.slice(0, LISTED_HOSTS).map((h) => ({ host: h.host, bytes: Math.round(h.bytes), received: Math.round(h.received), sent: Math.round(h.sent), share: round4(h.share) })),
      pairs: x.spike.pairs.slice(0, LISTED_HOSTS).map((p) => ({ src: p.src, dst: p.dst, bytes: Math.round(p.bytes), share: round4(p.share) })),
      ports: x.spike.ports.slice(0, LISTED_HOSTS).map((p) => ({ proto: protoName(p.proto), port: p.port, bytes: Math.round(p.bytes), share: round4(p.share) })),
      explanations: x.explanations.map((e) => ({
        rule: e.rule,
        title: e.title,
        confidence: Number(e.confidence.toFixed(3)),
        summary: e.summary,
        evidence: e.evidence,
        bytes: Math.round(e.bytes),
        flows: e.flows.map(flowJson),
        logs: e.logs.map(logJson),
      })),
      explainedBytes: Math.round(x.spike.bytes - x.unexplainedBytes),
      unexplainedBytes: Math.round(x.unexplainedBytes),
      unexplainedFlows: x.unexplained.slice(0, LISTED_UNEXPLAINED).map((u) => ({ ...flowJson(u.flow), bytesInSpike: Math.round(u.bytes) })),
    })),
  };
}
