// Runs a rule file's test cases: the flows as written, the log lines through the real parser
// of their format (so a test line is a line a daemon really writes), the engine over them as
// one spike, and the verdict against each `expect`.
import type { FlowRecord, LogEvent, Spike } from '../event.js';
import type { InputFile, Parser } from '../../parsers/parser.js';
import { detectFormat, parsers } from '../../parsers/index.js';
import { explainSpike } from '../analyses/correlate.js';
import { microsToLocalDate, type TimeContext } from '../time.js';
import type { RuleSet, RuleTestCase, RuleTestExpectation, RuleTestLog } from './types.js';

export interface RuleTestResult {
  test: RuleTestCase;
  /** One line per unmet expectation or unreadable log line, each starting `file:line:column:`. */
  failures: string[];
  /** What the engine concluded, for the report: `ftp_upload 0.93`. */
  got: string[];
}

const LOG_PARSERS = parsers.filter((p) => p.produces === 'logs');

function memoryInput(path: string, lines: string[], mtime: Date): InputFile {
  const text = lines.join('\n') + '\n';
  return {
    path,
    head: Buffer.from(text),
    mtime,
    async *lines() {
      yield* lines;
    },
    async *stream() {
      yield Buffer.from(text);
    },
  };
}

function spikeOf(flows: FlowRecord[]): Spike {
  const start = Math.min(...flows.map((f) => f.start));
  const end = Math.max(...flows.map((f) => f.end));
  const bytes = flows.reduce((s, f) => s + f.bytes, 0);
  return {
    id: 1, start, end, peak: start, onset: start, bytes, pkts: flows.reduce((s, f) => s + f.pkts, 0), baselineBytes: 0, excessBytes: bytes,
    score: 0, detected: false, hosts: [], pairs: [], ports: [], flows: flows.map((f) => ({ flow: f, bytes: f.bytes })),
  };
}

/** The test's log lines as events, grouped by format so postfix can join a message's lines. */
async function readLogs(test: RuleTestCase, failures: string[]): Promise<LogEvent[]> {
  const where = (l: RuleTestLog) => `${test.file}:${l.line}:${l.column}`;
  const groups = new Map<Parser, RuleTestLog[]>();
  for (const l of test.logs) {
    let parser: Parser | undefined;
    if (l.format !== undefined) {
      parser = LOG_PARSERS.find((p) => p.name === l.format);
      if (!parser) {
        failures.push(`${where(l)}: unknown log format '${l.format}' (known: ${LOG_PARSERS.map((p) => p.name).join(', ')})`);
        continue;
      }
    } else {
      parser = detectFormat(Buffer.from(l.text + '\n'), [l.text])?.parser;
      if (!parser || parser.produces !== 'logs') {
        failures.push(`${where(l)}: no log format reads this line; name one with 'as FORMAT' (${LOG_PARSERS.map((p) => p.name).join(', ')})`);
        continue;
      }
    }
    groups.set(parser, [...(groups.get(parser) ?? []), l]);
  }
  const anchor = test.flows[0].start;
  const time: TimeContext = { zone: 'UTC', anchor, anchorSource: 'the test flows', date: microsToLocalDate(anchor, 'UTC'), dateSource: 'the test flows' };
  const events: LogEvent[] = [];
  for (const [parser, lines] of groups) {
    const input = memoryInput(`${test.file}: test "${test.name}"`, lines.map((l) => l.text), new Date(anchor / 1000));
    const read = new Set<number>();
    for await (const item of parser.parse(input, time)) {
      const source = lines[item.kind === 'issue' ? item.line - 1 : item.kind === 'log' ? item.origin.line - 1 : -1];
      if (item.kind === 'issue') {
        failures.push(`${source ? where(source) : test.file}: ${parser.name} cannot read this line: ${item.reason}`);
      } else if (item.kind === 'log') {
        // Point the event at the rule file, so a report of the test names the line it came from.
        events.push({ ...item, origin: { file: test.file, line: source?.line ?? test.line, raw: source?.text ?? item.origin.raw } });
        read.add(item.origin.line);
      }
    }
    lines.forEach((l, i) => {
      if (!read.has(i + 1) && !failures.some((f) => f.startsWith(where(l)))) failures.push(`${where(l)}: ${parser.name} read no event from this line`);
    });
  }
  return events;
}

function holds(op: NonNullable<RuleTestExpectation['op']>, a: number, b: number): boolean {
  switch (op) {
    case '==': return Math.abs(a - b) < 0.0005;
    case '!=': return Math.abs(a - b) >= 0.0005;
    case '<': return a < b;
    case '<=': return a <= b + 0.0005;
    case '>': return a > b;
    case '>=': return a >= b - 0.0005;
  }
}

export async function runRuleTest(test: RuleTestCase, rules: RuleSet): Promise<RuleTestResult> {
  const failures: string[] = [];
  const logs = await readLogs(test, failures);
  const x = explainSpike(spikeOf(test.flows), rules, logs, { flows: test.flows });
  const got = x.explanations.map((e) => `${e.rule} ${e.confidence.toFixed(2)}`);
  const gotText = got.length ? `got ${got.join(', ')}` : 'got no explanation';
  const known = new Set(rules.rules.map((r) => r.name));
  for (const e of test.expects) {
    const at = `${test.file}:${e.line}:${e.column}`;
    if (e.rule !== undefined && !known.has(e.rule)) {
      failures.push(`${at}: expect names rule '${e.rule}', which is not loaded (loaded: ${[...known].join(', ')})`);
      continue;
    }
    const by = x.explanations.filter((ex) => ex.rule === e.rule);
    if (e.kind === 'unexplained') {
      if (x.explanations.some((ex) => ex.logs.length > 0)) failures.push(`${at}: expected no explanation backed by a log, ${gotText}`);
    } else if (e.kind === 'not-explained') {
      if (by.length > 0) failures.push(`${at}: expected no ${e.rule}, ${gotText}`);
    } else if (by.length === 0) {
      failures.push(`${at}: expected ${e.text}, ${gotText}`);
    } else if (e.op !== undefined && !by.some((ex) => holds(e.op!, ex.confidence, e.value!))) {
      failures.push(`${at}: expected ${e.text}, ${gotText}`);
    }
  }
  return { test, failures, got };
}
