// Small hand-made reports for the timeline tests: a flat series with spikes where asked, flows
// and log lines that explain them.
import type { BinSeries, ExplainedSpike, FlowRecord, LogEvent, Micros } from '../../../src/event.js';
import { buildTimelineModel, type TimelineModel } from '../../../src/views/timeline/model.js';

export const T0 = Date.UTC(2008, 2, 8, 0, 0, 0) * 1000;
export const MIN = 60_000_000;
export const WIDTH = 5 * MIN;

export function series(bins: number, bytes: (i: number) => number, start = T0, width = WIDTH): BinSeries {
  const b = new Float64Array(bins);
  for (let i = 0; i < bins; i++) b[i] = bytes(i);
  return { start, width, bytes: b, pkts: new Float64Array(bins), flows: new Float64Array(bins) };
}

let n = 0;
export function flow(src: string, dst: string, start: Micros, end: Micros, bytes: number, pkts = Math.round(bytes / 1000)): FlowRecord {
  n++;
  return {
    kind: 'flow', flowId: `tcp ${src}:${1000 + n} ${dst}:21 ${start}`, start, end, proto: 6, src, sport: 1000 + n, dst, dport: 21,
    pkts, bytes, byteBasis: 'link', origin: { file: 'argus.txt', line: n, raw: '' }, records: 1,
  };
}

export function log(ts: Micros, service: string, message: string, line = 1, fields: LogEvent['fields'] = {}): LogEvent {
  return { kind: 'log', ts, service, host: 'server', program: service === 'ftp' ? 'ftpd' : 'cron', fields, message, origin: { file: 'messages', line, raw: `Mar  8 ${message}` } };
}

export interface SpikeSpec {
  id: number;
  fromBin: number;
  toBin: number;
  explained?: { title: string; rule: string; summary: string; flows: FlowRecord[]; logs: LogEvent[] };
  unexplained?: FlowRecord[];
  recurring?: boolean;
}

export function explainedSpike(spec: SpikeSpec, s: BinSeries): ExplainedSpike {
  const start = s.start + spec.fromBin * s.width;
  const end = s.start + (spec.toBin + 1) * s.width;
  let bytes = 0;
  for (let i = spec.fromBin; i <= spec.toBin; i++) bytes += s.bytes[i];
  const all = [...(spec.explained?.flows ?? []), ...(spec.unexplained ?? [])];
  const explanations = spec.explained
    ? [{ ...spec.explained, confidence: 0.9, evidence: [], bytes: spec.explained.flows.reduce((a, f) => a + f.bytes, 0) }]
    : [];
  const explainedBytes = explanations.reduce((a, e) => a + e.bytes, 0);
  return {
    spike: {
      id: spec.id, start, end, peak: start, onset: start, bytes, pkts: 0, baselineBytes: 0, excessBytes: bytes, score: 10, detected: true,
      hosts: [{ host: '10.2.3.102', bytes, share: 1, received: bytes, sent: 0 }], pairs: [], ports: [],
      onHost: { host: '10.2.3.102', direction: 'received', share: 1 },
      recurrence: spec.recurring ? { period: 'daily', near: '03:20', seen: 2, of: 2, sameHosts: true, spikeIds: [spec.id] } : undefined,
      flows: all.map((f) => ({ flow: f, bytes: f.bytes })),
    },
    explanations,
    unexplainedBytes: bytes - explainedBytes,
    unexplained: (spec.unexplained ?? []).map((f) => ({ flow: f, bytes: f.bytes })),
  };
}

/** One day of 5-minute bins, 1 MiB each, with an FTP spike at 03:30 and an unexplained one at 15:00. */
/** A day with two spikes; `user` is the uploader the FTP log and the explanation name. */
export function dayModel(zone = 'UTC', user = 'xxx@xxx.com'): TimelineModel {
  const at = (bin: number) => T0 + bin * WIDTH;
  const s = series(288, (i) => (i >= 42 && i <= 44 ? 900 * 2 ** 20 : i === 180 ? 300 * 2 ** 20 : 2 ** 20));
  const upload = flow('192.168.134.56', '10.2.3.102', at(42), at(44) + 4 * MIN, 2.6e9);
  const other = flow('192.168.200.77', '10.2.3.102', at(42), at(45), 54e6);
  const ftpLog = log(at(44) + 4 * MIN, 'ftp', `03:44:00 server ftpd: (${user}@192.168.134.56) [NOTICE] /home/xxx/backup.tar uploaded (2600000000 bytes)`, 98);
  const big = flow('10.9.9.9', '10.2.3.102', at(180), at(180) + 4 * MIN, 300e6);
  const logs = [log(at(10), 'ftp', 'login', 5), log(at(43), 'ftp', 'login xxx', 97), ftpLog, log(at(100), 'mail', 'postfix/smtpd: connect', 120), log(at(200), 'syslog', 'cron: job', 130)];
  const spikes = [
    explainedSpike({ id: 1, fromBin: 42, toBin: 44, explained: { title: 'FTP upload', rule: 'ftp_upload', summary: `${user} uploaded /home/xxx/backup.tar (2.42 GiB) from 192.168.134.56`, flows: [upload], logs: [ftpLog] }, unexplained: [other] }, s),
    explainedSpike({ id: 2, fromBin: 180, toBin: 180, unexplained: [big], recurring: true }, s),
  ];
  return buildTimelineModel({ series: s, spikes, logs, zone, flowCount: 3 });
}
