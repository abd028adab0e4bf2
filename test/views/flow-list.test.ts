// The flows listing's three forms on records of the shapes the parsers give: a pcap flow with
// every counter, an nfdump row without per-direction counters, an IPv6 flow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../src/event.js';
import { flowListCsv, flowListJson, renderFlowTable, type FlowListing } from '../../src/views/flow-list.js';

const origin = { file: 'x', line: 1, raw: '' };
const pcapFlow: FlowRecord = {
  kind: 'flow', flowId: 'a', start: Date.UTC(2024, 4, 14, 1, 47, 14) * 1000 + 287413, end: Date.UTC(2024, 4, 14, 1, 50, 46) * 1000 + 555653,
  proto: 6, src: '192.168.10.57', sport: 50114, dst: '10.1.0.21', dport: 41237, dir: '->', state: 'FIN', pkts: 21732, bytes: 22405848,
  byteBasis: 'link', srcPkts: 14488, dstPkts: 7244, srcBytes: 21927328, dstBytes: 478520, srcPayload: 20971520, dstPayload: 0, origin, records: 43,
};
const nfRow: FlowRecord = {
  kind: 'flow', flowId: 'b', start: 1329843161000000, end: 1329843200000000, proto: 6, src: '141.142.220.235', sport: 50003, dst: '199.233.217.249', dport: 21,
  pkts: 38, bytes: 2164, byteBasis: 'ip', origin: { file: 'nf.csv', line: 3, raw: '' }, records: 1,
};
const v6: FlowRecord = { ...nfRow, flowId: 'c', proto: 17, src: '2001:470:1f11:81f:c999:d94:aa7c:2e3e', sport: 5353, dst: 'ff02::fb', dport: 5353, pkts: 1, bytes: 90, start: nfRow.start, end: nfRow.start };
const listing = (flows: FlowRecord[], over: Partial<FlowListing> = {}): FlowListing => ({ flows, matched: flows.length, connections: 10, records: 12, sort: 'bytes', zone: 'UTC', inputs: [], ignored: [], ...over });

describe('flows listing', () => {
  it('table: aligned columns, unknown counters as -, IPv6 in brackets, the zone given', () => {
    const text = renderFlowTable(listing([pcapFlow, nfRow, v6], { filter: 'tcp or udp', matched: 5, zone: 'Europe/Berlin' }));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], "top 3 of 5 connections matching 'tcp or udp' (of 10 in 12 flow records), by bytes, times in Europe/Berlin");
    assert.ok(lines[2].startsWith('2024-05-14 03:47:14.287413'), 'CEST is UTC+2');
    assert.match(lines[3], / - +- +38 +2164 +- +-$/);
    assert.ok(lines[4].includes('[2001:470:1f11:81f:c999:d94:aa7c:2e3e]:5353'));
    // Numbers right-aligned under their label: each row's TotBytes ends where the label does.
    const end = lines[1].indexOf('TotBytes') + 'TotBytes'.length;
    for (const l of lines.slice(2)) assert.match(l.slice(end - 2, end + 1), /\d\d /, l);
  });

  it('JSON: explain --json field names first, null for what a record does not know', () => {
    const j = flowListJson(listing([nfRow]));
    assert.deepEqual(Object.keys(j.flows[0]).slice(0, 12), ['start', 'end', 'proto', 'src', 'sport', 'dst', 'dport', 'pkts', 'bytes', 'state', 'file', 'line']);
    assert.deepEqual([j.flows[0].srcPkts, j.flows[0].srcPayload, j.flows[0].dir, j.flows[0].state], [null, null, null, null]);
    assert.equal(j.flows[0].duration, 39);
    assert.equal(j.flows[0].rate, Math.round(2164 / 39));
  });

  it('CSV: RFC 4180, a header, empty cells for unknown counters', () => {
    const rows = flowListCsv(listing([pcapFlow, nfRow])).split('\r\n');
    assert.equal(rows[0].split(',').length, 22);
    assert.equal(rows[1].split(',')[0], '2024-05-14T01:47:14.287413Z');
    assert.equal(rows[2].split(',').slice(11, 17).join(','), ',,,,,');
    assert.equal(rows[3], '');
  });
});
