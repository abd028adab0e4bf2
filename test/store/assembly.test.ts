import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { copyFileSync } from 'node:fs';
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { runQuery } from '../../src/commands/query.js';
import { createPcapParser } from '../../parsers/pcap/index.js';
import { fixture, parseFile } from '../helpers.js';
import { tempDir } from './store-helpers.js';

// A real 150 s FTP transfer (Zeek's ftp/bigtransfer.pcap): its status records depend on --status-interval.
const CAPTURE = fixture('pcap', 'zeek-ftp-bigtransfer.pcap');

async function partsParsed(statusInterval: number): Promise<number> {
  const items = await parseFile(createPcapParser({ statusInterval }), CAPTURE, { zone: 'UTC' });
  return items.reduce((n, i) => n + (i.kind === 'flow' ? (i.parts?.length ?? 0) : 0), 0);
}

test('a capture is ingested with the assembly settings asked for, and they are recorded with the input', async (t) => {
  const dir = tempDir(t);
  const capture = path.join(dir, 'ftp.pcap');
  copyFileSync(CAPTURE, capture);
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [capture], { zone: 'UTC', statusInterval: 30_000_000, idleTimeout: 60_000_000 });
  const [[assembly]] = runQuery(db, 'SELECT assembly FROM inputs').rows as [[string]];
  assert.deepEqual(JSON.parse(assembly), { idleTimeout: 60_000_000, statusInterval: 30_000_000, maxFlows: 1_000_000 });
  const stored = (runQuery(db, 'SELECT count(*) FROM flow_parts').rows as [[number]])[0][0];
  const at30 = await partsParsed(30_000_000);
  assert.equal(stored, at30);
  assert.notEqual(at30, await partsParsed(5_000_000), 'the setting changes the flows');

  // Asked again with other settings: the stored flows stay as they were made, and the run says so.
  const again = await ingestInputs(db, [capture], { zone: 'UTC', statusInterval: 5_000_000 });
  assert.equal(again.files[0].outcome, 'unchanged');
  assert.deepEqual(again.files[0].notes, [
    'flows kept as stored with --idle-timeout 1m00s, not 2m00s: the flag applies to captures read for the first time (ingest into a new case file to apply it)',
    'flows kept as stored with --status-interval 30s, not 5.0s: the flag applies to captures read for the first time (ingest into a new case file to apply it)',
  ]);
  assert.equal((runQuery(db, 'SELECT count(*) FROM flow_parts').rows as [[number]])[0][0], at30);
});

test('log and flow-record inputs have no assembly settings; a capture without flags records the defaults', async (t) => {
  const dir = tempDir(t);
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [CAPTURE, fixture('logs', 'pure-ftpd-backup.log')], { zone: 'UTC', year: 2008 });
  const rows = runQuery(db, 'SELECT format, assembly FROM inputs ORDER BY id').rows as [string, string | null][];
  assert.deepEqual(
    rows.map(([format, a]) => [format, a === null ? null : JSON.parse(a)]),
    [
      ['pcap', { idleTimeout: 120_000_000, statusInterval: 5_000_000, maxFlows: 1_000_000 }],
      ['pure-ftpd', null],
    ],
  );
});
