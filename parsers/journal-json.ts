// The systemd journal as `journalctl -o json` (and `-o json-seq`) prints it: one JSON object
// per entry and line, every field a string (systemd.io/JOURNAL_EXPORT_FORMATS). On a Debian
// 12 machine without rsyslog this is the machine-readable form of what its daemons logged,
// with exact UTC times: no year or zone to guess.
//
// An entry becomes the event its `-o short-iso` line gives (checked on real journalctl 252
// output, test/fixtures/logs/SOURCES.md), so pure-ftpd, postfix, sendmail ... entries are read
// and joined as in any syslog file:
//   time     `_SOURCE_REALTIME_TIMESTAMP` (when the client logged), else `__REALTIME_TIMESTAMP`
//            (when journald got it): microseconds since the epoch, as journalctl shows them
//   host     `_HOSTNAME`
//   program  `SYSLOG_IDENTIFIER`, else `_COMM`;  pid `_PID`, else `SYSLOG_PID`
//   message  `MESSAGE`, trailing white space removed; its newlines kept (no continuation lines)
//   unit     `_SYSTEMD_UNIT`, as a field
// journalctl writes a value that is not printable UTF-8 (an ANSI colour escape) as an array
// of bytes, read here as UTF-8; a field given twice as an array of its values, joined by
// newlines; and a value over 4096 bytes as null unless run with --all: such an entry keeps
// its time and program with an empty message, and one note per file counts them.
// `-o json-pretty` (an entry over many lines) is refused with the command that writes json.
import { InputError } from '../src/errors.js';
import type { TimeContext } from '../src/time.js';
import type { InputFile, Parser, ParseStream } from './parser.js';
import { readRecordLines, type RecordFormat } from './record-lines.js';
import type { SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

type Entry = Record<string, unknown>;

/** `-o json-seq` starts each entry with RS (RFC 7464). */
const RS = 0x1e;

/** The entry on a line, or why it is none (the skipped line's reason). */
export function readJournalEntry(line: string): Entry | string {
  const text = line.charCodeAt(0) === RS ? line.slice(1) : line;
  if (text.charCodeAt(0) !== 123 /* { */) return 'not a journal entry (a journalctl -o json line is a JSON object)';
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch (error) {
    return `not a journal entry: invalid JSON (${(error as Error).message})`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'not a journal entry (a journalctl -o json line is a JSON object)';
  const e = entry as Entry;
  if (entryMicros(e) === undefined) return 'journal entry without a valid __REALTIME_TIMESTAMP';
  return e;
}

/** The entry's time as journalctl shows it: the client's stamp when it gave one. */
function entryMicros(e: Entry): number | undefined {
  return micros(e._SOURCE_REALTIME_TIMESTAMP) ?? micros(e.__REALTIME_TIMESTAMP);
}

function micros(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,17}$/.test(value)) return undefined;
  return Number(value);
}

/** A field's text: a string, bytes (an array of numbers, as UTF-8), or several values joined; null and absent are undefined. */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) return Buffer.from(value as number[]).toString('utf8');
  const parts = value.map(fieldText).filter((t): t is string => t !== undefined);
  return parts.length === 0 ? undefined : parts.join('\n');
}

function pidOf(value: unknown): number | undefined {
  const text = fieldText(value);
  return text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/** The syslog header an entry stands for (see the file's header). */
function headerOf(e: Entry): SyslogHeader {
  const us = entryMicros(e)!;
  const header: SyslogHeader = { form: 'journal-json', stamp: { kind: 'instant', micros: us, text: String(us) }, message: '' };
  const host = fieldText(e._HOSTNAME);
  if (host !== undefined) header.host = host;
  const program = fieldText(e.SYSLOG_IDENTIFIER) ?? fieldText(e._COMM);
  if (program !== undefined) header.program = program;
  const pid = pidOf(e._PID) ?? pidOf(e.SYSLOG_PID);
  if (pid !== undefined) header.pid = pid;
  const message = fieldText(e.MESSAGE);
  if (message !== undefined) header.message = message.trimEnd();
  return header;
}

/** One file's entries as records of the line loop; counts the entries whose MESSAGE journalctl left out. */
function makeFormat(): RecordFormat<Entry> {
  let omitted = 0;
  return {
    read: (line) => {
      const entry = readJournalEntry(line);
      return typeof entry === 'string' ? undefined : entry;
    },
    header: headerOf,
    apply(entry, event, header) {
      interpretKnownPrograms(header, event);
      const unit = fieldText(entry._SYSTEMD_UNIT);
      if (unit !== undefined) event.fields.unit = unit;
      if (entry.MESSAGE === null) omitted++;
    },
    // Only lines that are not entries get here: reading them again costs nothing worth keeping.
    explain: (line) => readJournalEntry(line) as string,
    assemble: createProgramAssembler,
    notes: () =>
      omitted === 0
        ? []
        : [
            `${omitted} journal entr${omitted === 1 ? 'y has' : 'ies have'} MESSAGE null (journalctl -o json leaves out values over 4096 bytes): their messages are empty; write the journal with journalctl -o json --all to keep them`,
          ],
  };
}

function parseJournalJson(input: InputFile, time: TimeContext): ParseStream {
  if (isJsonPretty(input.head)) {
    throw new InputError(`${input.path}: journalctl -o json-pretty output (an entry over many lines) is not read`, 'write the journal with journalctl -o json (an entry a line)');
  }
  return readRecordLines(input, time, makeFormat());
}

/** `-o json-pretty`: `{` alone on the first line, then tab-indented `"FIELD" : value,` lines. */
function isJsonPretty(head: Buffer): boolean {
  const text = head.subarray(0, 4096).toString('utf8');
  return /^\{\r?\n\t"[A-Z_]+" : /.test(text) && text.includes('"__REALTIME_TIMESTAMP" : ');
}

/** The first non-blank head line is a journal entry; json-pretty is claimed too, to be refused with its fix. */
function detectJournalJson(head: Buffer, headLines: string[]): number {
  if (isJsonPretty(head)) return 90;
  const first = headLines.find((l) => l.trim() !== '');
  if (first === undefined) return 0;
  const read = readJournalEntry(first);
  return typeof read !== 'string' && ('MESSAGE' in read || '__CURSOR' in read) ? 90 : 0;
}

export const journalJsonParser: Parser = {
  name: 'journal-json',
  description: 'the systemd journal as journalctl -o json (or json-seq) prints it: every entry an event, read by its program as syslog lines are',
  produces: 'logs',
  samples: [
    // journalctl 252 -o json of a journal made by systemd-journal-remote (test/fixtures/logs/journalctl-json-json.log), fields trimmed
    '{"__REALTIME_TIMESTAMP":"1764991810000000","_SOURCE_REALTIME_TIMESTAMP":"1764991808500000","_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"pure-ftpd","_PID":"3301","_SYSTEMD_UNIT":"pure-ftpd.service","MESSAGE":"(backup@198.51.100.20) [NOTICE] /srv/ftp/backup/db.tar.gz uploaded  (891289600 bytes, 2428.22KB/sec)"}',
  ],
  detect: detectJournalJson,
  timeCompleteness: () => 'full',
  parse: parseJournalJson,
};

