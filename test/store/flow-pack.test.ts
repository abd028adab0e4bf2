import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { FlowRecord } from '../../src/event.js';
import { decodeFlowPack, encodeFlowPack } from '../../src/store/flow-pack.js';
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { allFlows } from '../../src/store/queries.js';
import { runQuery } from '../../src/commands/query.js';
import { chooseParser } from '../../parsers/index.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { fixture, parseFile } from '../helpers.js';
import { defined, tempDir } from './store-helpers.js';

const DATE = { year: 2008, month: 3, day: 7 };
/** Real flows of each kind: argus status records (parts), argus CSV, Zeek conn (IPv6), nfdump, a capture (ICMP, no ports). */
const FILES = [
  fixture('flows', 'ra-bigtransfer-status.txt'),
  fixture('flows', 'ra-status-multiminute.csv'),
  fixture('flows', 'zeek-ftp-ipv6.conn.log'),
  fixture('flows', 'nfdump-csv-ftp-ipv6.csv'),
  fixture('pcap', 'loopback-icmp-echo.pcap'),
];

async function flowsOf(file: string): Promise<FlowRecord[]> {
  const input = await openInput(file);
  const found = chooseParser(file, input.head, headLines(input.head), {});
  assert.ok(found, file);
  return (await parseFile(found.parser, file, { zone: 'UTC', date: DATE, year: 2008 })).filter((i): i is FlowRecord => i.kind === 'flow');
}

test('a pack gives back the flows it was made of, field for field, absent fields absent', async () => {
  for (const file of FILES) {
    const flows = await flowsOf(file);
    assert.ok(flows.length > 0, file);
    const ids = flows.map((_, k) => 2 ** 32 * 7 + k * 3);
    const pack = encodeFlowPack(ids, flows.map((f) => f.origin.line), flows);
    const back: FlowRecord[] = [];
    const backIds: number[] = [];
    // An odd offset: a BLOB's bytes need not be aligned.
    const shifted = Buffer.concat([Buffer.alloc(1), pack]).subarray(1);
    decodeFlowPack(shifted, file, backIds, back, new Map());
    assert.deepEqual(backIds, ids, file);
    assert.deepEqual(back, defined(flows), file);
  }
  const parts = (await flowsOf(FILES[0])).some((f) => (f.parts?.length ?? 0) > 1);
  assert.ok(parts, 'status records are covered');
});

test('flows read from packs equal flows read from rows; a flow file that grew past a cut line falls back to its rows', async (t) => {
  const dir = tempDir(t);
  const csv = path.join(dir, 'argus.csv');
  const text = readFileSync(FILES[1], 'utf8');
  // Cut inside a TCP flow's state ('CON' -> 'CO'): the partial line reads as a flow, wrong.
  const tcpLine = /\n[\d.]+,[\d.]+,6,[^\n]*CON\n/g;
  tcpLine.lastIndex = Math.floor(text.length / 2);
  assert.ok(tcpLine.exec(text));
  const cut = tcpLine.lastIndex - 2;
  writeFileSync(csv, text.slice(0, cut));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [csv, FILES[0], FILES[2]], { zone: 'UTC', date: DATE, batchSize: 20 });
  assert.deepEqual(runQuery(db, 'SELECT flows_packed FROM inputs ORDER BY id').rows, [[1], [1], [1]]);
  assert.ok((runQuery(db, 'SELECT count(*) FROM flow_packs').rows as [[number]])[0][0] > 3, 'a pack per batch');
  const fromPacks = allFlows(db);
  db.prepare('UPDATE inputs SET flows_packed = 0').run();
  assert.deepEqual(fromPacks, allFlows(db));
  db.prepare('UPDATE inputs SET flows_packed = 1').run();

  // The cut last line was stored as read; the grown file's rows replace it, and its packs go.
  appendFileSync(csv, text.slice(cut));
  await ingestInputs(db, [csv], { zone: 'UTC', date: DATE, batchSize: 20 });
  assert.deepEqual(runQuery(db, "SELECT flows_packed FROM inputs WHERE path LIKE '%argus.csv'").rows, [[0]]);
  const expected = [...(await flowsOf(FILES[0])), ...(await flowsOf(FILES[2]))];
  const full = (await flowsOf(FILES[1])).map((f) => ({ ...f, origin: { ...f.origin, file: csv } }));
  const byStart = (a: FlowRecord, b: FlowRecord) => a.start - b.start;
  assert.deepEqual(
    allFlows(db).map((f) => [f.start, f.flowId, f.origin.file, f.origin.line, f.bytes]).sort(),
    defined([...expected, ...full]).sort(byStart).map((f) => [f.start, f.flowId, f.origin.file, f.origin.line, f.bytes]).sort(),
  );
});
