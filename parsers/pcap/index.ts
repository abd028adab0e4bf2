// pcap and pcapng captures read by flowlink itself, assembled into argus-like flows.
import type { FlowRecord, ParseItem } from '../../src/event.js';
import type { TimeContext } from '../../src/time.js';
import type { InputFile, Parser } from '../parser.js';
import { decodePacket, isSupportedLink, linkByteBasis, newDecoded } from './decode.js';
import { FlowAssembler, type FlowOptions, type PacketMeta } from './flows.js';
import { CaptureParser, captureFormat, readCaptureBatches } from './reader.js';

export type PcapFlowOptions = Omit<FlowOptions, 'file'> & {
  /** Undecodable packets listed one by one before a single summary issue (memory stays bounded). */
  maxIssues?: number;
};

export const DEFAULT_MAX_ISSUES = 1000;

/** FlowRecords, ParseIssues (bad packets, a cut-off file) and ParseNotes for one capture. */
export async function* parsePcapFlows(input: InputFile, options: PcapFlowOptions = {}): AsyncGenerator<ParseItem> {
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

  for await (const batch of readCaptureBatches(input.stream(), reader)) {
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      if (!isSupportedLink(p.linkType)) {
        // One note per link type, not one issue per packet.
        unsupported.set(p.linkType, (unsupported.get(p.linkType) ?? 0) + 1);
        continue;
      }
      if (!decodePacket(p.linkType, p.data, p.origLen, d)) {
        bad++;
        if (bad <= maxIssues) yield { kind: 'issue', file, line: p.index, reason: `pcap packet ${p.index}: ${d.error}` };
        else firstUnlisted ??= p.index;
        continue;
      }
      if (d.family === 0) {
        nonIp++;
        etherTypes.set(d.etherType, (etherTypes.get(d.etherType) ?? 0) + 1);
        continue;
      }
      meta.index = p.index;
      meta.ts = p.ts;
      meta.origLen = p.origLen;
      meta.byteBasis = linkByteBasis(p.linkType);
      flows.add(meta, d);
    }
    for (const item of flows.drain()) yield item;
  }
  for (const note of reader.notes) {
    // A cut-off or corrupt file: the records before it were kept.
    yield { kind: 'issue', file, line: note.record, reason: note.message };
  }
  for (const item of flows.finish()) yield item;
  if (bad > maxIssues) {
    yield {
      kind: 'issue',
      file,
      line: firstUnlisted!,
      reason: `${bad - maxIssues} more undecodable packets not listed one by one (${bad} in all, the first unlisted is packet ${firstUnlisted})`,
    };
  }
  if (nonIp > 0) {
    const kinds = [...etherTypes].map(([t, n]) => `0x${t.toString(16).padStart(4, '0')} x${n}`).join(', ');
    yield { kind: 'note', file, message: `${nonIp} frames are not IP (EtherType ${kinds}) and are not counted in any flow` };
  }
  for (const [link, n] of unsupported) {
    yield { kind: 'note', file, message: `${n} packets have link type ${link}, which flowlink does not decode; they are not counted` };
  }
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
    // Capture stamps are UTC epoch times: the time context is not needed.
    parse: (input: InputFile, _time: TimeContext) => parsePcapFlows(input, options),
  };
}

export const pcapParser: Parser = createPcapParser();

/** Only the flows of a capture (issues and notes dropped), for tools and tests. */
export async function pcapFlows(input: InputFile, options: PcapFlowOptions = {}): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const item of parsePcapFlows(input, options)) if (item.kind === 'flow') out.push(item);
  return out;
}
