// The case file's schema, written once, and the migrations that bring an older store up to
// it. Tables hold what was read (inputs, flows, events, skipped lines) and what was concluded
// (analysis runs, spikes, explanations); the views are the documented surface for `query`
// (docs/store.md), so common questions need no joins.
import type Database from 'better-sqlite3';

/** Bump with every migration appended below. */
export const SCHEMA_VERSION = 4;

/**
 * A record's row id is its input's id times 2^32 plus its ordinal: its place among the items
 * (flows, events, skipped lines) the parser gave for that input, counted across ingests. So
 * an input's rows are one range of ids (no index needed to find them), and a record read
 * again after a crash gets the id it had: the primary key itself refuses a duplicate.
 * 2^32 records per input, and 2^21 inputs, keep ids exact in a JavaScript number.
 */
export const ORDINALS_PER_INPUT = 2 ** 32;
export const MAX_INPUT_ID = 2 ** 21 - 1;

/** `iso(x)`: UTC microseconds -> '2008-03-06T22:00:24.083937Z' (SQLite keeps only milliseconds). */
const iso = (col: string): string =>
  `(strftime('%Y-%m-%dT%H:%M:%S', ${col} / 1000000, 'unixepoch') || '.' || printf('%06d', ${col} % 1000000) || 'Z')`;

const SPIKES_V1 = `CREATE VIEW spikes AS
SELECT s.number AS spike, ${iso('s.start_us')} AS start, ${iso('s.end_us')} AS "end", ${iso('s.peak_us')} AS peak,
  s.start_us, s.end_us, s.bytes, s.baseline_bytes, s.excess_bytes, s.score,
  (SELECT count(*) FROM explanation_rows x WHERE x.spike_row = s.id) AS explanations,
  s.unexplained_bytes, json_extract(s.hosts, '$[0].host') AS top_host,
  r.rules_version, r.created AS computed, r.id AS run
FROM spike_rows s JOIN analysis_runs r ON r.id = s.run_id
WHERE r.id = (SELECT max(id) FROM analysis_runs);
`;

/** Schema 3: what found each spike (`triggers`: the series whose bins were hot, 'bytes,flows') and its figures per series. */
const SPIKES_V3 = `CREATE VIEW spikes AS
SELECT s.number AS spike, ${iso('s.start_us')} AS start, ${iso('s.end_us')} AS "end", ${iso('s.peak_us')} AS peak,
  s.start_us, s.end_us, s.bytes, s.baseline_bytes, s.excess_bytes, s.score,
  (SELECT count(*) FROM explanation_rows x WHERE x.spike_row = s.id) AS explanations,
  s.unexplained_bytes, json_extract(s.hosts, '$[0].host') AS top_host,
  (SELECT group_concat(value, ',') FROM json_each(s.triggers)) AS triggers, s.host_series, s.detected, s.pkts,
  json_extract(s.figures, '$.bytes.z') AS bytes_z,
  json_extract(s.figures, '$.pkts.baseline') AS baseline_pkts, json_extract(s.figures, '$.pkts.z') AS pkts_z,
  json_extract(s.figures, '$.flows.total') AS flows_started, json_extract(s.figures, '$.flows.baseline') AS baseline_flows,
  json_extract(s.figures, '$.flows.z') AS flows_z, s.figures,
  r.rules_version, r.created AS computed, r.id AS run
FROM spike_rows s JOIN analysis_runs r ON r.id = s.run_id
WHERE r.id = (SELECT max(id) FROM analysis_runs);
`;

/** The documented views; `message` is how an event's message is read from its row. */
const views = (message: string, spikesView = SPIKES_V1): string => `
CREATE VIEW flows AS
SELECT f.id, i.path AS file, f.line,
  ${iso('f.start_us')} AS start, ${iso('f.end_us')} AS "end",
  f.start_us, f.end_us, (f.end_us - f.start_us) / 1e6 AS duration_s,
  f.proto, f.src, f.sport, f.dst, f.dport, f.dir, f.state, f.flags,
  f.pkts, f.bytes, f.byte_basis, f.src_pkts, f.dst_pkts, f.src_bytes, f.dst_bytes,
  f.src_payload, f.dst_payload, f.records, f.flow_id, f.raw
FROM flow_rows f JOIN inputs i ON i.id = f.input_id;

CREATE VIEW events AS
SELECT e.id, i.path AS file, e.line, ${iso('e.ts_us')} AS ts, e.ts_us,
  e.service, e.action, e.host, e.program, e.pid,
  json_extract(e.fields, '$.user') AS user,
  json_extract(e.fields, '$.client') AS client,
  json_extract(e.fields, '$.file') AS path,
  json_extract(e.fields, '$.bytes') AS bytes,
  coalesce(e.fields, '{}') AS fields, ${message} AS message, e.raw
FROM event_rows e JOIN inputs i ON i.id = e.input_id;

CREATE VIEW skipped AS
SELECT i.path AS file, s.line, s.reason FROM skipped_lines s JOIN inputs i ON i.id = s.input_id;

${spikesView}
CREATE VIEW explanations AS
SELECT s.number AS spike, ${iso('s.start_us')} AS spike_start, x.rank, x.rule, x.title, x.confidence,
  x.summary, x.bytes,
  (SELECT count(*) FROM explanation_flows ef WHERE ef.explanation_row = x.id) AS flows,
  (SELECT count(*) FROM explanation_logs el WHERE el.explanation_row = x.id) AS logs,
  x.evidence, r.rules_version, r.created AS computed, r.id AS run
FROM explanation_rows x JOIN spike_rows s ON s.id = x.spike_row JOIN analysis_runs r ON r.id = s.run_id
WHERE r.id = (SELECT max(id) FROM analysis_runs);
`;

const V1 = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per input file, identified by (dev, ino) and a fingerprint of its first bytes,
-- not by name: a rotated file keeps its row and its path is updated.
CREATE TABLE inputs (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  format TEXT NOT NULL,
  dev INTEGER NOT NULL,
  ino INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  fingerprint_len INTEGER NOT NULL,
  compressed INTEGER NOT NULL DEFAULT 0,
  read_mode TEXT NOT NULL DEFAULT 'lines' CHECK (read_mode IN ('lines', 'stream')),
  consumed_bytes INTEGER NOT NULL DEFAULT 0,
  consumed_lines INTEGER NOT NULL DEFAULT 0,
  prelude_lines INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('reading', 'complete')),
  segment_start_bytes INTEGER NOT NULL DEFAULT 0,
  segment_start_lines INTEGER NOT NULL DEFAULT 0,
  progress_lines INTEGER NOT NULL DEFAULT 0,
  time_context TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '[]',
  first_ingest TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  last_ingest TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX inputs_by_inode ON inputs(dev, ino);
CREATE INDEX inputs_by_fingerprint ON inputs(fingerprint);

CREATE TABLE flow_rows (
  id INTEGER PRIMARY KEY,
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  line INTEGER NOT NULL,
  flow_id TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  proto INTEGER NOT NULL,
  src TEXT NOT NULL,
  sport INTEGER,
  dst TEXT NOT NULL,
  dport INTEGER,
  dir TEXT,
  state TEXT,
  flags TEXT,
  pkts INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  byte_basis TEXT NOT NULL,
  src_pkts INTEGER,
  dst_pkts INTEGER,
  src_bytes INTEGER,
  dst_bytes INTEGER,
  src_payload INTEGER,
  dst_payload INTEGER,
  records INTEGER NOT NULL,
  part_count INTEGER NOT NULL DEFAULT 0,
  raw TEXT NOT NULL,
  -- A flow is keyed by the input line (record number) it started on: never stored twice.
  UNIQUE (input_id, line)
);
CREATE INDEX flow_rows_by_start ON flow_rows(start_us);
CREATE INDEX flow_rows_by_end ON flow_rows(end_us);
CREATE INDEX flow_rows_by_src ON flow_rows(src);
CREATE INDEX flow_rows_by_dst ON flow_rows(dst);

CREATE TABLE flow_parts (
  flow_row INTEGER NOT NULL REFERENCES flow_rows(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  pkts INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (flow_row, seq)
) WITHOUT ROWID;

CREATE TABLE event_rows (
  id INTEGER PRIMARY KEY,
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  line INTEGER NOT NULL,
  ts_us INTEGER NOT NULL,
  service TEXT NOT NULL,
  action TEXT,
  host TEXT,
  program TEXT,
  pid INTEGER,
  fields TEXT,
  message TEXT NOT NULL,
  raw TEXT NOT NULL,
  UNIQUE (input_id, line)
);
CREATE INDEX event_rows_by_ts ON event_rows(ts_us);
CREATE INDEX event_rows_by_service ON event_rows(service, ts_us);

CREATE TABLE skipped_lines (
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  line INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (input_id, line)
) WITHOUT ROWID;

CREATE TABLE analysis_runs (
  id INTEGER PRIMARY KEY,
  rules_version TEXT NOT NULL,
  bin_width_us INTEGER,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE spike_rows (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  peak_us INTEGER NOT NULL,
  bytes REAL NOT NULL,
  baseline_bytes REAL NOT NULL,
  excess_bytes REAL NOT NULL,
  score REAL NOT NULL,
  hosts TEXT NOT NULL,
  unexplained_bytes REAL NOT NULL,
  unexplained TEXT NOT NULL,
  UNIQUE (run_id, number)
);

CREATE TABLE explanation_rows (
  id INTEGER PRIMARY KEY,
  spike_row INTEGER NOT NULL REFERENCES spike_rows(id) ON DELETE CASCADE,
  rank INTEGER NOT NULL,
  rule TEXT NOT NULL,
  title TEXT NOT NULL,
  confidence REAL NOT NULL,
  summary TEXT NOT NULL,
  evidence TEXT NOT NULL,
  bytes REAL NOT NULL,
  UNIQUE (spike_row, rank)
);

CREATE TABLE explanation_flows (
  explanation_row INTEGER NOT NULL REFERENCES explanation_rows(id) ON DELETE CASCADE,
  flow_id TEXT NOT NULL,
  -- NULL when the flow was not read from this store (or its input was re-read since).
  flow_row INTEGER REFERENCES flow_rows(id) ON DELETE SET NULL
);
CREATE INDEX explanation_flows_by_explanation ON explanation_flows(explanation_row);
CREATE INDEX explanation_flows_by_flow ON explanation_flows(flow_row);

CREATE TABLE explanation_logs (
  explanation_row INTEGER NOT NULL REFERENCES explanation_rows(id) ON DELETE CASCADE,
  event_row INTEGER REFERENCES event_rows(id) ON DELETE SET NULL,
  file TEXT NOT NULL,
  line INTEGER NOT NULL
);
CREATE INDEX explanation_logs_by_explanation ON explanation_logs(explanation_row);
CREATE INDEX explanation_logs_by_event ON explanation_logs(event_row);

${views('e.message')}`;

/**
 * The indices on records, for the questions the analyses and users ask: time ranges, addresses,
 * services. Named here so a bulk ingest can build them after its rows are in (see ingest.ts).
 */
export const RECORD_INDICES: readonly string[] = [
  'flow_rows_by_start ON flow_rows(start_us)',
  'flow_rows_by_end ON flow_rows(end_us)',
  'flow_rows_by_src ON flow_rows(src)',
  'flow_rows_by_dst ON flow_rows(dst)',
  'event_rows_by_ts ON event_rows(ts_us)',
  'event_rows_by_service ON event_rows(service, ts_us)',
];
const INDICES = RECORD_INDICES.map((i) => `CREATE INDEX IF NOT EXISTS ${i};`).join('\n');

/** Drops a table's rows' `UNIQUE(input_id, line)` (a line can give two records: postfix's
 * per-line event and the message's delivery event), gives rows ordinal ids (see
 * ORDINALS_PER_INPUT) and stores an event's message only when it is not the end of its raw
 * line. Rows of an input whose ingest was interrupted are dropped: the next ingest reads them
 * again. Needs foreign_keys off (openStore does it): tables are rebuilt. */
const V2 = `
DROP VIEW flows; DROP VIEW events; DROP VIEW skipped; DROP VIEW spikes; DROP VIEW explanations;

DELETE FROM flow_parts WHERE flow_row IN (SELECT f.id FROM flow_rows f JOIN inputs i ON i.id = f.input_id WHERE i.state = 'reading');
DELETE FROM flow_rows WHERE input_id IN (SELECT id FROM inputs WHERE state = 'reading');
DELETE FROM event_rows WHERE input_id IN (SELECT id FROM inputs WHERE state = 'reading');
DELETE FROM skipped_lines WHERE input_id IN (SELECT id FROM inputs WHERE state = 'reading');

ALTER TABLE inputs ADD COLUMN next_ordinal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inputs ADD COLUMN segment_start_ordinal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inputs ADD COLUMN progress_items INTEGER NOT NULL DEFAULT 0;
-- Flows and events stored for the input, kept with the rows (counting a large table per input is slow).
ALTER TABLE inputs ADD COLUMN records INTEGER NOT NULL DEFAULT 0;

CREATE TEMP TABLE flow_ids AS
  SELECT id AS old, input_id * ${ORDINALS_PER_INPUT} + row_number() OVER (PARTITION BY input_id ORDER BY id) - 1 AS new FROM flow_rows;
CREATE TEMP TABLE event_ids AS
  SELECT e.id AS old, e.input_id * ${ORDINALS_PER_INPUT} + (SELECT count(*) FROM flow_rows f WHERE f.input_id = e.input_id)
    + row_number() OVER (PARTITION BY e.input_id ORDER BY e.id) - 1 AS new FROM event_rows e;
CREATE UNIQUE INDEX temp.flow_ids_old ON flow_ids(old);
CREATE UNIQUE INDEX temp.event_ids_old ON event_ids(old);
UPDATE inputs SET
  next_ordinal = (SELECT count(*) FROM flow_rows f WHERE f.input_id = inputs.id) + (SELECT count(*) FROM event_rows e WHERE e.input_id = inputs.id)
    + (SELECT count(*) FROM skipped_lines s WHERE s.input_id = inputs.id),
  segment_start_ordinal = 0, progress_items = 0,
  records = (SELECT count(*) FROM flow_rows f WHERE f.input_id = inputs.id) + (SELECT count(*) FROM event_rows e WHERE e.input_id = inputs.id);
UPDATE inputs SET segment_start_ordinal = next_ordinal WHERE state = 'reading';

CREATE TABLE flow_rows_v2 (
  id INTEGER PRIMARY KEY,
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  line INTEGER NOT NULL,
  flow_id TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  proto INTEGER NOT NULL,
  src TEXT NOT NULL,
  sport INTEGER,
  dst TEXT NOT NULL,
  dport INTEGER,
  dir TEXT,
  state TEXT,
  flags TEXT,
  pkts INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  byte_basis TEXT NOT NULL,
  src_pkts INTEGER,
  dst_pkts INTEGER,
  src_bytes INTEGER,
  dst_bytes INTEGER,
  src_payload INTEGER,
  dst_payload INTEGER,
  records INTEGER NOT NULL,
  part_count INTEGER NOT NULL DEFAULT 0,
  raw TEXT NOT NULL
);
INSERT INTO flow_rows_v2 SELECT m.new, f.input_id, f.line, f.flow_id, f.start_us, f.end_us, f.proto, f.src, f.sport, f.dst, f.dport,
  f.dir, f.state, f.flags, f.pkts, f.bytes, f.byte_basis, f.src_pkts, f.dst_pkts, f.src_bytes, f.dst_bytes, f.src_payload,
  f.dst_payload, f.records, f.part_count, f.raw
FROM flow_rows f JOIN flow_ids m ON m.old = f.id;

CREATE TABLE event_rows_v2 (
  id INTEGER PRIMARY KEY,
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  line INTEGER NOT NULL,
  ts_us INTEGER NOT NULL,
  service TEXT NOT NULL,
  action TEXT,
  host TEXT,
  program TEXT,
  pid INTEGER,
  fields TEXT,
  -- NULL when the message is the end of the raw line, from character msg_at on.
  message TEXT,
  msg_at INTEGER,
  raw TEXT NOT NULL,
  CHECK (message IS NOT NULL OR msg_at IS NOT NULL)
);
INSERT INTO event_rows_v2 SELECT m.new, e.input_id, e.line, e.ts_us, e.service, e.action, e.host, e.program, e.pid, e.fields,
  e.message, NULL, e.raw
FROM event_rows e JOIN event_ids m ON m.old = e.id;

UPDATE flow_parts SET flow_row = (SELECT new FROM flow_ids WHERE old = flow_row);
UPDATE explanation_flows SET flow_row = (SELECT new FROM flow_ids WHERE old = flow_row) WHERE flow_row IS NOT NULL;
UPDATE explanation_logs SET event_row = (SELECT new FROM event_ids WHERE old = event_row) WHERE event_row IS NOT NULL;
DROP TABLE flow_ids;
DROP TABLE event_ids;

DROP TABLE flow_rows;
DROP TABLE event_rows;
ALTER TABLE flow_rows_v2 RENAME TO flow_rows;
ALTER TABLE event_rows_v2 RENAME TO event_rows;
${INDICES}

${views('coalesce(e.message, substr(e.raw, e.msg_at + 1))')}`;

/** Spikes keep what found them and their figures (packets, flows started, each against its
 * baseline); a capture's input keeps the flow assembly settings its flows were made with. */
const V3 = `
DROP VIEW spikes;
ALTER TABLE spike_rows ADD COLUMN pkts REAL;
ALTER TABLE spike_rows ADD COLUMN onset_us INTEGER;
ALTER TABLE spike_rows ADD COLUMN detected INTEGER NOT NULL DEFAULT 1;
-- JSON: ["bytes","flows"]; NULL for a window the user picked, and for spikes saved before schema 3.
ALTER TABLE spike_rows ADD COLUMN triggers TEXT;
-- JSON: {"bytes": {"total", "baseline", "z"}, "pkts": ..., "flows": ...}.
ALTER TABLE spike_rows ADD COLUMN figures TEXT;
ALTER TABLE spike_rows ADD COLUMN host_series TEXT;
-- JSON: {"idleTimeout", "statusInterval", "maxFlows"} (microseconds, flows) for packet captures; NULL otherwise.
ALTER TABLE inputs ADD COLUMN assembly TEXT;

-- A packed copy of each batch's flows (flow-pack.ts), for loading them all at once. 1 when
-- every flow row of the input is in a pack: inputs stored before schema 3 are read row by row.
ALTER TABLE inputs ADD COLUMN flows_packed INTEGER NOT NULL DEFAULT 0;
UPDATE inputs SET flows_packed = 1 WHERE records = 0 AND state = 'complete';
CREATE TABLE flow_packs (
  -- The row id of the pack's first flow; the pack's flows are that input's (same id range).
  first_id INTEGER PRIMARY KEY,
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  count INTEGER NOT NULL,
  data BLOB NOT NULL
);
${SPIKES_V3}`;

/**
 * Schema 4: a packed copy of each batch's log events in a file store (event-pack.ts), with
 * the pack's time span, so `explain --db` reads the events near its spikes as a few BLOBs.
 * Inputs with event rows stored before are read from their rows (events_packed 0).
 */
const V4 = `
ALTER TABLE inputs ADD COLUMN events_packed INTEGER NOT NULL DEFAULT 0;
UPDATE inputs SET events_packed = 1 WHERE NOT EXISTS
  (SELECT 1 FROM event_rows e WHERE e.id >= inputs.id * ${ORDINALS_PER_INPUT} AND e.id < (inputs.id + 1) * ${ORDINALS_PER_INPUT});
CREATE TABLE event_packs (
  -- The row id of the pack's first event; the pack's events are that input's (same id range).
  first_id INTEGER PRIMARY KEY,
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  count INTEGER NOT NULL,
  min_ts_us INTEGER NOT NULL,
  max_ts_us INTEGER NOT NULL,
  -- The pack (event-pack.ts), deflated (raw deflate, level 1).
  data BLOB NOT NULL
);`;

export interface Migration {
  /** The schema version this migration produces. */
  to: number;
  up(db: Database.Database): void;
}

/** In order; migration `to: n` takes a store at n - 1 to n. Version 0 is an empty file. */
export const MIGRATIONS: Migration[] = [
  { to: 1, up: (db) => db.exec(V1) },
  { to: 2, up: (db) => db.exec(V2) },
  { to: 3, up: (db) => db.exec(V3) },
  { to: 4, up: (db) => db.exec(V4) },
];
