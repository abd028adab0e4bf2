// The engine on two mail bursts the e2e suite recorded with Debian's postfix, tcpdump and argus
// (test/fixtures/e2e-mail/SOURCES.md): swaks sent each message over its own SMTP connection, and
// the truth says when. Every message's delivery must be paired with its own connection, one to
// one, by the built-in mail rules through `analyse` as `explain --from/--to` runs them.
//
// burst: ra text (no payload counts: a payload range from the packets). Once the largest
// message's connection was taken by a group of two later deliveries whose sizes happened to sum
// to it (issue 5, gap A).
// retransmit: one connection carried ~6% of its message twice (argus flags it `s`); its
// delivery is 5% off the payload, within smtp_in's 20%, yet the connection was left unexplained
// (gap B): its best-fitting "group" was two other messages' deliveries, which their own
// connections then claimed, and nothing searched again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FlowRecord, LogEvent, ParseItem } from '../../src/event.js';
import { analyse } from '../../src/analyses/analyse.js';
import { DEFAULT_SPIKE_OPTIONS } from '../../src/analyses/spikes.js';
import { argusText } from '../../parsers/argus-text.js';
import { pcapParser } from '../../parsers/pcap/index.js';
import { postfixParser } from '../../parsers/postfix.js';
import type { Parser } from '../../parsers/parser.js';
import { builtinRulesDir, loadRuleFiles } from '../../src/rules/load.js';
import type { RuleSet } from '../../src/rules/types.js';
import type { TimeContext } from '../../src/time.js';
import { fixture, parseFile } from '../helpers.js';

const S = 1_000_000;
/** Both runs were on 2026-12-02 (UTC); ra text and syslog carry no date or year. */
const TIME: TimeContext = { zone: 'UTC', year: 2026, date: { year: 2026, month: 12, day: 2 } };
/** swaks runs a fraction of a second; the mails are 0.3 s apart (as the e2e check allows). */
const MAIL_SLACK_S = 0.25;

interface Mail { from: string; client: string; server: string; attachment: number; start: number; end: number }

function truth(name: string): { mails: Mail[]; window: { from: number; to: number } } {
  const records = readFileSync(fixture('e2e-mail', name), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    mails: records.filter((r) => r.type === 'mail') as unknown as Mail[],
    window: records.find((r) => r.type === 'window') as unknown as { from: number; to: number },
  };
}

async function read(parser: Parser, name: string): Promise<ParseItem[]> {
  const items = await parseFile(parser, fixture('e2e-mail', name), TIME);
  const issues = items.filter((i) => i.kind === 'issue');
  assert.deepEqual(issues, [], `${name}: every line of the real output parses`);
  return items;
}

async function mailRules(): Promise<RuleSet> {
  const dir = builtinRulesDir();
  return loadRuleFiles(readdirSync(dir).filter((f) => f.endsWith('.rule')).map((f) => path.join(dir, f)));
}

/** Each mail's explanation, or why there is none, as explain.test.ts's checkMails judges it. */
async function pairings(flowParser: Parser, flowFile: string, logFile: string, truthFile: string) {
  const flows = (await read(flowParser, flowFile)).filter((i): i is FlowRecord => i.kind === 'flow');
  const logs = (await read(postfixParser, logFile)).filter((i): i is LogEvent => i.kind === 'log');
  const { mails, window } = truth(truthFile);
  const analysis = analyse(flows, logs, await mailRules(), {
    spikes: { ...DEFAULT_SPIKE_OPTIONS, binWidth: 5 * S },
    // As explain.test.ts picks it: the burst's window, 5 s either side, to whole seconds.
    window: { from: Math.round(window.from - 5) * S, to: Math.round(window.to + 5) * S },
    zone: 'UTC',
  });
  const explanations = analysis.explained.flatMap((x) => x.explanations);
  const lines = mails.map((m) => {
    const cites = explanations.filter((e) => e.logs.some((l) => String(l.fields.from) === m.from));
    const own = (f: FlowRecord) =>
      f.src === m.client && f.dst === m.server && f.dport === 25 && f.start / S >= m.start - MAIL_SLACK_S && f.end / S <= m.end + MAIL_SLACK_S;
    if (cites.length !== 1) return `${m.from}: cited by ${cites.length} explanations`;
    const [e] = cites;
    return `${m.from}: ${e.rule}, ${e.logs.length} log, ${e.flows.length} flow, ${e.flows.every(own) ? 'its own' : 'another'} connection`;
  });
  return { lines, summaries: explanations.map((e) => e.summary) };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `scanner-${i + 1}@branch.e2e.test: smtp_in, 1 log, 1 flow, its own connection`);

test('ra text, no payload counts: every message of the burst is its own connection\'s delivery, no group takes one', async () => {
  const { lines, summaries } = await pairings(argusText, 'burst-ra.txt', 'burst-mail.log', 'burst-truth.jsonl');
  assert.deepEqual(lines, expected(12));
  // One delivery each, in the singular (`{count|plural:mail delivery}`); the noise mailer's too.
  assert.ok(summaries.length >= 12 && summaries.every((t) => /^1 mail delivery \([\d.]+ [KM]?i?B\) from 127\.0\.0\.2[23], 1 sender$/.test(t)), summaries.join('\n'));
  assert.ok(summaries.includes('1 mail delivery (299 KiB) from 127.0.0.23, 1 sender'), 'the largest message, 305874 bytes');
});

test('a connection that retransmitted 6% of its message is still that message\'s delivery (ra text and pcap)', async () => {
  // The fixture is the case: argus flags exactly one SMTP connection `s`, 830915 bytes for a 783838-byte message.
  const flagged = readFileSync(fixture('e2e-mail', 'retransmit-ra.txt'), 'utf8').split('\n').filter((l) => /\be s\w?\s/.test(l) && /\.25\s/.test(l));
  assert.equal(flagged.length, 1, flagged.join('\n'));
  assert.match(flagged[0], /\s50\s+830915\s+FIN/);
  assert.match(readFileSync(fixture('e2e-mail', 'retransmit-mail.log'), 'utf8'), /from=<scanner-6@branch\.e2e\.test>, size=783838,/);
  assert.deepEqual((await pairings(argusText, 'retransmit-ra.txt', 'retransmit-mail.log', 'retransmit-truth.jsonl')).lines, expected(12));
  assert.deepEqual((await pairings(pcapParser, 'retransmit-capture.pcap', 'retransmit-mail.log', 'retransmit-truth.jsonl')).lines, expected(12));
});
