// pcap and pcapng captures read by flowlink itself, assembled into argus-like flows.
import type { FlowRecord, ParseIssue, ParseItem } from '../../src/event.js';
import type { TimeContext } from '../../src/time.js';
import type { FlowAssemblyOptions, InputFile, Parser, ParseStream } from '../parser.js';
import { decodeFrame, isSupportedLink, linkByteBasis, newDecoded } from './decode.js';
import { FlowAssembler, type FlowOptions, type PacketMeta } from './flows.js';
import { CaptureParser, captureFormat, type PacketSink } from './reader.js';

export type PcapFlowOptions = Omit<FlowOptions, 'file'> & {
  /** Undecodable packets listed one by one before a single summary issue (memory stays bounded). */
  maxIssues?: number;
};

export const DEFAULT_MAX_ISSUES = 1000;

/** FlowRecords, ParseIssues (bad packets, a cut-off file) and ParseNotes for one capture. */
export async function* parsePcapFlows(input: InputFile, options: PcapFlowOptions = {}): AsyncGenerator<ParseItem> {
  for await (const batch of pcapFlowBatches(input, options)) yield* batch;
}

/** `parsePcapFlows` as the parser's stream: items one by one, or an array per chunk read. */
export function pcapFlowStream(input: InputFile, options: PcapFlowOptions = {}): ParseStream {
  return {
    [Symbol.asyncIterator]: () => parsePcapFlows(input, options),
    batches: () => pcapFlowBatches(input, options),
  };
}

/** The items of `parsePcapFlows`, an array per chunk of input (one await per megabyte, not per flow). */
export async function* pcapFlowBatches(input: InputFile, options: PcapFlowOptions = {}): AsyncGenerator<ParseItem[]> {
  const file = input.path;
  const maxIssues = options.maxIssues ?? DEFAULT_MAX_ISSUES;
  const reader = new CaptureParser();
  const flows = new FlowAssembler({ ...options, file });
  const d = newDecoded();
  const meta: PacketMeta = { index: 0, ts: 0, origLen: 0, byteBasis: 'link' };
  let bad = 0;
  let nonIp = 0;
  const etherTypes = new Map<number, number>();
  const unsupported = new Map<number, number>();
  let firstUnlisted: number | undefined;
  let issues: ParseIssue[] = [];
  // The link type's facts, looked up once per change of link type rather than per packet.
  let link = -1;
  let linkOk = false;

  // Called by the reader for every packet, synchronously: no object or Buffer view per packet.
  const sink: PacketSink = (buf, start, end, ts, origLen, linkType, index) => {
    if (linkType !== link) {
      link = linkType;
      linkOk = isSupportedLink(linkType);
      meta.byteBasis = linkByteBasis(linkType);
    }
    if (!linkOk) {
      // One note per link type, not one issue per packet.
      unsupported.set(linkType, (unsupported.get(linkType) ?? 0) + 1);
      return;
    }
    if (!decodeFrame(linkType, buf, start, end, origLen, d)) {
      bad++;
      if (bad <= maxIssues) issues.push({ kind: 'issue', file, line: index, reason: `pcap packet ${index}: ${d.error}` });
      else firstUnlisted ??= index;
      return;
    }
    if (d.family === 0) {
      nonIp++;
      etherTypes.set(d.etherType, (etherTypes.get(d.etherType) ?? 0) + 1);
      return;
    }
    meta.index = index;
    meta.ts = ts;
    meta.origLen = origLen;
    flows.add(meta, d);
  };

  // Reused read buffers when the input has them: the reader keeps no view of a chunk after
  // pushRaw (it copies a split record's tail), and flows hold numbers and strings only.
  for await (const chunk of input.reusedStream?.() ?? input.stream()) {
    reader.pushRaw(chunk, sink);
    const done = flows.drain();
    if (issues.length > 0) {
      yield done.length > 0 ? [...issues, ...done] : issues;
      issues = [];
    } else if (done.length > 0) yield done;
    if (reader.stopped) break;
  }
  reader.end();
  const tail: ParseItem[] = [];
  for (const note of reader.notes) {
    // A cut-off or corrupt file: the records before it were kept.
    tail.push({ kind: 'issue', file, line: note.record, reason: note.message });
  }
  for (const item of flows.finish()) tail.push(item);
  if (bad > maxIssues) {
    tail.push({
      kind: 'issue',
      file,
      line: firstUnlisted!,
      reason: `${bad - maxIssues} more undecodable packets not listed one by one (${bad} in all, the first unlisted is packet ${firstUnlisted})`,
    });
  }
  if (nonIp > 0) {
    const kinds = [...etherTypes].map(([t, n]) => `0x${t.toString(16).padStart(4, '0')} x${n}`).join(', ');
    tail.push({ kind: 'note', file, message: `${nonIp} frames are not IP (EtherType ${kinds}) and are not counted in any flow` });
  }
  for (const [link, n] of unsupported) {
    tail.push({ kind: 'note', file, message: `${n} packets have link type ${link}, which flowlink does not decode; they are not counted` });
  }
  if (tail.length > 0) yield tail;
}

/** A pcap Parser with non-default timeouts, intervals or limits. */
export function createPcapParser(options: PcapFlowOptions = {}): Parser {
  return {
    name: 'pcap',
    description: 'Packet captures (pcap, pcapng), assembled into argus-like bidirectional flows',
    produces: 'flows',
    // Binary format: there are no text lines to list. The registry test's "accepts its own
    // samples" check has nothing to run on; the capture fixtures in test/fixtures/pcap cover it.
    samples: [],
    detect(head: Buffer): number {
      return captureFormat(head) ? 1.0 : 0;
    },
    timeCompleteness: () => 'full',
    // Capture stamps are UTC epoch times: the time context is not needed. The run's assembly
    // settings (command-line flags) override this parser's own.
    parse: (input: InputFile, _time: TimeContext, assembly?: FlowAssemblyOptions) => pcapFlowStream(input, { ...options, ...definedOnly(assembly) }),
  };
}

function definedOnly(assembly: FlowAssemblyOptions | undefined): FlowAssemblyOptions {
  const out: FlowAssemblyOptions = {};
  if (assembly?.idleTimeout !== undefined) out.idleTimeout = assembly.idleTimeout;
  if (assembly?.statusInterval !== undefined) out.statusInterval = assembly.statusInterval;
  if (assembly?.maxFlows !== undefined) out.maxFlows = assembly.maxFlows;
  return out;
}

export const pcapParser: Parser = createPcapParser();

/** Only the flows of a capture (issues and notes dropped), for tools and tests. */
export async function pcapFlows(input: InputFile, options: PcapFlowOptions = {}): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const item of parsePcapFlows(input, options)) if (item.kind === 'flow') out.push(item);
  return out;
}
