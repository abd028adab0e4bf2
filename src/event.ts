// The data types every stage shares: parsers produce them, the store keeps them,
// analyses read them and views print them. Defined once, here.

/** Microseconds since the Unix epoch, UTC. pcap and argus carry microseconds. */
export type Micros = number;

/** Where a record came from, so every answer can be traced to its input line. */
export interface Origin {
  file: string;
  /** 1-based line number for text inputs, 1-based record number for binary ones. */
  line: number;
  /** The raw text of the line (or a short description for binary records). */
  raw: string;
}

/** One interval of a flow's activity: an argus status record, or a pcap flow's report interval. */
export interface FlowPart {
  start: Micros;
  end: Micros;
  pkts: number;
  bytes: number;
}

/** What a flow's `bytes` counts, which decides how payload is estimated when it was not measured. */
export type ByteBasis = 'link' | 'ip' | 'payload' | 'unknown';

export interface FlowRecord {
  kind: 'flow';
  /** Stable key of this flow within a run: proto, endpoints and start. */
  flowId: string;
  start: Micros;
  end: Micros;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6 ...). */
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  /** Direction arrow as argus prints it ('->', '<?>' ...), when the source has one. */
  dir?: string;
  /** Last state as argus names it (CON, FIN, RST, INT ...). */
  state?: string;
  /** Argus positional flags, verbatim. */
  flags?: string;
  pkts: number;
  /** Bytes on the wire, both directions; see `byteBasis` for what a packet's bytes include. */
  bytes: number;
  byteBasis: ByteBasis;
  srcPkts?: number;
  dstPkts?: number;
  srcBytes?: number;
  dstBytes?: number;
  /** Measured transport payload bytes per direction (what a server log counts). */
  srcPayload?: number;
  dstPayload?: number;
  /** Activity intervals (status records); absent means spread evenly over start..end. */
  parts?: FlowPart[];
  /** The first input record of this flow. */
  origin: Origin;
  /** How many input records were merged into this flow (status records). */
  records: number;
}

export type FieldValue = string | number;

export interface LogEvent {
  kind: 'log';
  ts: Micros;
  /** Broad service family: 'ftp', 'mail', 'web', or 'syslog' for anything else. */
  service: string;
  /** What happened, normalized: 'upload', 'download', 'login', 'logout', 'login-failed', 'connect' ... */
  action?: string;
  host?: string;
  program?: string;
  pid?: number;
  /** Parsed fields: user, client, file, bytes, rate (bytes/s), duration (s), status ... */
  fields: Record<string, FieldValue>;
  message: string;
  origin: Origin;
}

export type FlowlinkEvent = FlowRecord | LogEvent;

/** A line or record a parser could not use. Counted and reported, never thrown. */
export interface ParseIssue {
  kind: 'issue';
  file: string;
  line: number;
  reason: string;
}

/** Something the user should know about a whole input that is not a bad line. */
export interface ParseNote {
  kind: 'note';
  file: string;
  message: string;
}

export type ParseItem = FlowlinkEvent | ParseIssue | ParseNote;

/** Per-input summary for the report. */
export interface InputSummary {
  file: string;
  format: string;
  events: number;
  skipped: number;
  firstSkipped?: { line: number; reason: string };
  notes: string[];
}

// ---- Findings: what the analyses conclude from the events ----

/** Traffic per time bin: the series spikes are found in. */
export interface BinSeries {
  start: Micros;
  width: Micros;
  bytes: Float64Array;
  pkts: Float64Array;
  /** Flows active in each bin. */
  flows: Float64Array;
}

export interface HostShare {
  host: string;
  bytes: number;
  /** Fraction of the spike's bytes this host sent or received. */
  share: number;
  /** Of `bytes`, what the host received and sent: by direction when the flow counted each (srcBytes, dstBytes), else all from src to dst. */
  received: number;
  sent: number;
}

export interface PairShare {
  src: string;
  dst: string;
  bytes: number;
  share: number;
}

export interface PortShare {
  proto: number;
  /** The flow's destination port: the service side for client-initiated flows. */
  port: number | null;
  bytes: number;
  share: number;
}

/** Spikes on different days at about the same time of day with the same hosts. */
export interface Recurrence {
  period: 'daily' | 'weekly';
  /** Time of day (local to the display zone) the spikes start, 'HH:MM'. */
  near: string;
  /** Days (or weeks) with such a spike, and days the data covers at that time of day. */
  seen: number;
  of: number;
  sameHosts: boolean;
  /** Ids of every spike in the group, this one included. */
  spikeIds: number[];
}

/** The per-bin series spikes are found in: bytes, packets, and flows started. */
export type SeriesName = 'bytes' | 'pkts' | 'flows';

/** One series over a spike's window: its sum, what the baseline expected, the highest robust z. */
export interface SeriesFigure {
  total: number;
  baseline: number;
  z: number;
}

export interface Spike {
  id: number;
  start: Micros;
  end: Micros;
  /** Start of the bin with the most bytes (packets or flows, when only that series found the spike). */
  peak: Micros;
  /** When the excess really starts: the first start among the flows that carry it. */
  onset: Micros;
  /** Bytes in the spike's bins, all flows. */
  bytes: number;
  pkts: number;
  /** What the baseline expected over the same bins. */
  baselineBytes: number;
  /** bytes - baselineBytes. */
  excessBytes: number;
  /** Same time of day on the other days, when the data spans two days or more. */
  seasonalBaselineBytes?: number;
  /** Highest robust z-score among its bins. */
  score: number;
  /** False for a window the user picked (`--at`, `--from/--to`). */
  detected: boolean;
  /** Hosts by bytes in the window, largest first. */
  hosts: HostShare[];
  pairs: PairShare[];
  ports: PortShare[];
  /** The host that received (or sent) at least half of the spike, when there is one. */
  onHost?: { host: string; direction: 'received' | 'sent'; share: number };
  recurrence?: Recurrence;
  /** Flows active in the window with the bytes each put into it, largest first. */
  flows: { flow: FlowRecord; bytes: number }[];
  /** The series whose hot bins found the spike (a scan is found in flows, a flood in pkts); absent for a picked window. */
  triggers?: SeriesName[];
  /** Bytes, packets and flows started over the window, each against its baseline. */
  figures?: Record<SeriesName, SeriesFigure>;
  /** Set when the spike was found in this host's own series, not the link total's: the figures are the host's. */
  hostSeries?: string;
}

export interface Explanation {
  rule: string;
  title: string;
  confidence: number;
  summary: string;
  evidence: string[];
  flows: FlowRecord[];
  logs: LogEvent[];
  /** Bytes these flows put into the spike's window. */
  bytes: number;
}

export interface ExplainedSpike {
  spike: Spike;
  explanations: Explanation[];
  /** Spike bytes not carried by an explained flow. */
  unexplainedBytes: number;
  /** The largest flows no rule explained, with their bytes in the window. */
  unexplained: { flow: FlowRecord; bytes: number }[];
  /** For a recurring spike whose log evidence repeats: why it looks like a scheduled job. */
  scheduled?: string;
}
