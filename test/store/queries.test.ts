import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { FlowRecord, LogEvent } from '../../src/event.js';
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { allEvents, allFlows, datasetFromStore, eventsBetween, flowsBetween, inputSummaries, saveExplainedSpikes } from '../../src/store/queries.js';
import { runQuery } from '../../src/commands/query.js';
import { syslogParser } from '../../parsers/syslog.js';
import { argusText } from '../../parsers/argus-text.js';
import { pureFtpdParser } from '../../parsers/pure-ftpd.js';
import { detectSpikes } from '../../src/analyses/spikes.js';
import { explainSpikes } from '../../src/analyses/correlate.js';
import { builtinRuleFiles, loadRuleFiles } from '../../src/rules/load.js';
import { fixture, parseFile, ROOT } from '../helpers.js';
import { defined, tempDir } from './store-helpers.js';

const DATE = { year: 2008, month: 3, day: 7 };

function byStart(a: FlowRecord, b: FlowRecord): number {
  return a.start - b.start;
}

test('flows come back from a file store equal to what the parser produced, parts included', async (t) => {
  const files = [fixture('flows', 'ra-bigtransfer-status.txt'), fixture('flows', 'story-rasort.txt')];
  const expected: FlowRecord[] = [];
  for (const f of files) {
    for (const item of await parseFile(argusText, f, { zone: 'UTC', date: DATE })) if (item.kind === 'flow') expected.push(item);
  }
  assert.ok(expected.some((f) => f.parts && f.parts.length > 1), 'the fixture has merged status records');
  const file = path.join(tempDir(t), 'case.db');
  const db = openStore(file);
  await ingestInputs(db, files, { zone: 'UTC', date: DATE });
  closeStore(db);
  const again = openStore(file, { readonly: true });
  t.after(() => closeStore(again));
  assert.deepEqual(allFlows(again), defined(expected).sort(byStart));
});

test('log events come back equal to what the parser produced', async (t) => {
  const file = fixture('logs', 'pure-ftpd-mixed-programs.log');
  const expected = (await parseFile(pureFtpdParser, file, { zone: 'UTC', year: 2008 })).filter((i): i is LogEvent => i.kind === 'log');
  const db = openStore(path.join(tempDir(t), 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [file], { zone: 'UTC', year: 2008 });
  assert.ok(expected.length > 0);
  assert.deepEqual(allEvents(db), defined(expected).sort((a, b) => a.ts - b.ts));
});

test('the sample through the store: every record, the ftpd year taken from the flows', async (t) => {
  const sample = path.join(ROOT, 'samples', 'backup-spike');
  const db = openStore();
  t.after(() => closeStore(db));
  await ingestInputs(db, [sample], { zone: 'UTC' });
  const stored = datasetFromStore(db);
  const flows = (await parseFile(argusText, path.join(sample, 'argus.txt'), { zone: 'UTC' })).filter((i): i is FlowRecord => i.kind === 'flow');
  const logs = (await parseFile(pureFtpdParser, path.join(sample, 'messages'), { zone: 'UTC', year: 2008 })).filter((i): i is LogEvent => i.kind === 'log');
  assert.deepEqual(stored.flows, defined(flows).sort(byStart));
  assert.deepEqual(stored.logs, defined(logs).sort((a, b) => a.ts - b.ts));
  assert.deepEqual(stored.inputs.map((i) => [path.basename(i.file), i.format, i.events, i.skipped]), [['argus.txt', 'argus-text', 3882, 0], ['messages', 'pure-ftpd', 116, 0]]);
  assert.match(stored.inputs[1].notes.join('\n'), /year taken from the other inputs \(2008-03-06/);
});

test('flowsBetween and eventsBetween answer time ranges', async (t) => {
  const sample = path.join(ROOT, 'samples', 'backup-spike');
  const db = openStore();
  t.after(() => closeStore(db));
  await ingestInputs(db, [sample], { zone: 'UTC' });
  const flows = allFlows(db);
  const logs = allEvents(db);
  const from = flows[100].start;
  const to = flows[200].start;
  assert.deepEqual(flowsBetween(db, from, to), flows.filter((f) => f.start < to && f.end >= from));
  assert.deepEqual(eventsBetween(db, logs[10].ts, logs[20].ts), logs.filter((e) => e.ts >= logs[10].ts && e.ts < logs[20].ts));
  assert.deepEqual(flowsBetween(db, 0, 1), []);
});

test('inputSummaries counts records and skipped lines per input', async (t) => {
  const file = fixture('logs', 'lnav-syslog-rfc3164.log');
  const items = await parseFile(syslogParser, file, { zone: 'UTC', year: 2008 });
  const issues = items.filter((i) => i.kind === 'issue');
  const db = openStore();
  t.after(() => closeStore(db));
  await ingestInputs(db, [file], { zone: 'UTC', year: 2008 });
  const [summary] = inputSummaries(db);
  assert.equal(summary.format, 'syslog');
  assert.equal(summary.events, items.filter((i) => i.kind === 'log').length);
  assert.equal(summary.skipped, issues.length);
  if (issues[0]?.kind === 'issue') assert.equal(summary.firstSkipped?.line, issues[0].line);
});

test('explained spikes are saved with the rules version and listed by the views', async (t) => {
  const sample = path.join(ROOT, 'samples', 'backup-spike');
  const file = path.join(tempDir(t), 'case.db');
  const db = openStore(file);
  t.after(() => closeStore(db));
  await ingestInputs(db, [sample], { zone: 'UTC' });
  const data = datasetFromStore(db);
  const rules = await loadRuleFiles(builtinRuleFiles());
  const { series, spikes } = detectSpikes(data.flows);
  const explained = explainSpikes(spikes, rules, data.logs);
  assert.ok(explained.length > 0 && explained.some((x) => x.explanations.length > 0));
  saveExplainedSpikes(db, explained, 'builtin@test', { binWidth: series!.width });
  const listed = runQuery(db, 'SELECT spike, explanations, rules_version FROM spikes ORDER BY spike');
  assert.deepEqual(
    listed.rows,
    explained.map((x) => [x.spike.id, x.explanations.length, 'builtin@test']),
  );
  const ex = runQuery(db, 'SELECT rule, flows, logs FROM explanations ORDER BY spike, rank');
  assert.deepEqual(ex.rows, explained.flatMap((x) => x.explanations.map((e) => [e.rule, e.flows.length, e.logs.length])));
  // Every cited flow and log line is linked to its stored row.
  const unlinked = runQuery(db, 'SELECT (SELECT count(*) FROM explanation_flows WHERE flow_row IS NULL) + (SELECT count(*) FROM explanation_logs WHERE event_row IS NULL)');
  assert.deepEqual(unlinked.rows, [[0]]);
  // A second run replaces what the views show, and keeps the first.
  saveExplainedSpikes(db, explained.slice(0, 1), 'builtin@v2');
  assert.deepEqual(runQuery(db, 'SELECT count(*), min(rules_version) FROM spikes').rows, [[1, 'builtin@v2']]);
  assert.deepEqual(runQuery(db, 'SELECT count(*) FROM analysis_runs').rows, [[2]]);
});
