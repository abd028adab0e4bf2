// pure-ftpd's transfer log (`AltLog`, `-O FORMAT:FILE`): one line per finished transfer, in
// the format chosen. Debian's pure-ftpd-common ships `AltLog` = `clf:/var/log/pure-ftpd/transfer.log`,
// so that is the file a Debian admin has beside syslog. The forms, as pure-ftpd 1.0.50 writes
// them (src/altlog.c; checked on Debian's pure-ftpd 1.0.50-2.1+b2, test/fixtures/logs/SOURCES.md):
//
//   clf    `127.0.0.122 - backup7 [03/Dec/2026:14:29:24 +0100] "PUT /srv/ftp/nightly%20db.tar" 200 2600000`
//          local time with its offset; PUT = upload, GET = download; the path URL-encoded;
//          the status always 200 and no protocol after the path: what tells it from a web
//          server's access log, which the access-log parser reads
//   w3c    `#Software: Pure-FTPd 1.0.50`, `#Version`, `#Date`, `#Fields: date time c-ip
//          cs-method cs-uri-stem sc-status cs-username sc-bytes` at each start (directives,
//          not entries), then `2026-12-03 13:28:17 127.0.0.122 []created /srv/ftp/up.bin 226 backup7 1500000`:
//          UTC; created = upload, sent = download; the path URL-encoded
//   stats  `1796304493 6b116e6b.3a5d backup7 127.0.0.122 U 1500000 0 /srv/ftp/up.bin`: epoch
//          seconds, the session's start and pid in hex, U/D, bytes, seconds (rounded), the
//          path as it is (spaces kept)
//   xferlog is parsers/xferlog.ts's.
//
// Each line is written when its transfer ends (`time(NULL)` then), so the event's time is
// the transfer's end; only stats says how long it took. A user not logged in is `-`.
import type { FieldValue } from '../src/event.js';
import { epochToUtcWallClock, type WallClock } from '../src/time.js';
import type { Parser } from './parser.js';
import { parseAccessLine } from './access-log.js';
import { lineShare } from './line-share.js';
import { readRecordLines, type RecordFormat } from './record-lines.js';

const CLF_RE = /^\S+ - \S+ \[[^\]]+\] "(?:GET|PUT) [^" ]+" 200 \d+$/;
const W3C_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) (\S+) \[\](created|sent) (\S+) 226 (\S*) (\d+)$/;
const STATS_RE = /^(\d{9,11}) ([0-9a-f]+)\.([0-9a-f]+) (\S+) (\S+) ([UD]) (\d+) (\d+) (.+)$/;

interface AltlogRecord {
  wall: WallClock;
  /** Minutes east of UTC the stamp is written in. */
  offsetMinutes: number;
  stampText: string;
  action: 'upload' | 'download';
  fields: Record<string, FieldValue>;
}

/** A URL-encoded path (`%20`) as the server had it; a malformed escape is left as written. */
function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function transfer(client: string, user: string, file: string, bytes: number): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = { client };
  if (user !== '-' && user !== '') fields.user = user;
  fields.file = file;
  fields.bytes = bytes;
  return fields;
}

/** Reads one line of any of the three forms; undefined when it is none. */
export function parseAltlogLine(line: string): AltlogRecord | undefined {
  if (CLF_RE.test(line)) {
    const rec = parseAccessLine(line);
    if (!rec || typeof rec.fields.path !== 'string' || typeof rec.fields.client !== 'string') return undefined;
    const fields = transfer(rec.fields.client, typeof rec.fields.user === 'string' ? rec.fields.user : '-', decodePath(rec.fields.path), Number(rec.fields.bytes));
    fields.altlog = 'clf';
    return { wall: rec.wall, offsetMinutes: rec.offsetMinutes, stampText: rec.stampText, action: rec.fields.method === 'PUT' ? 'upload' : 'download', fields };
  }
  let m = W3C_RE.exec(line);
  if (m) {
    const wall = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), micro: 0 };
    const fields = transfer(m[7], m[10], decodePath(m[9]), Number(m[11]));
    fields.altlog = 'w3c';
    return { wall, offsetMinutes: 0, stampText: line.slice(0, 19), action: m[8] === 'created' ? 'upload' : 'download', fields };
  }
  m = STATS_RE.exec(line);
  if (m) {
    const seconds = Number(m[8]);
    const bytes = Number(m[7]);
    const fields = transfer(m[5], m[4], m[9], bytes);
    fields.duration = seconds;
    if (seconds > 0) fields.rate = bytes / seconds;
    fields.session = `${m[2]}.${m[3]}`;
    fields.altlog = 'stats';
    return { wall: epochToUtcWallClock(Number(m[1])), offsetMinutes: 0, stampText: m[1], action: m[6] === 'U' ? 'upload' : 'download', fields };
  }
  return undefined;
}

/** W3C directives pure-ftpd writes at each start: `#Software:`, `#Version:`, `#Date:`, `#Fields:`. */
export function isW3cDirective(line: string): boolean {
  return /^#(?:Software|Version|Date|Fields|Remark): /.test(line);
}

export function whyNotAltlog(line: string): string {
  if (line.trim() === '') return 'empty line';
  if (/ HTTP\/\d/.test(line)) return 'a web server access log line (the request has a protocol), not pure-ftpd clf';
  return "not a pure-ftpd transfer log line (clf 'ip - user [date] \"PUT /path\" 200 bytes', w3c or stats)";
}

const FORMAT: RecordFormat<AltlogRecord> = {
  read: parseAltlogLine,
  header: (r) => ({ form: 'clf', stamp: { kind: 'dated', wall: r.wall, offsetMinutes: r.offsetMinutes, text: r.stampText }, program: 'pure-ftpd', message: `${r.action} ${r.fields.file} ${r.fields.bytes}` }),
  apply(r, event) {
    event.service = 'ftp';
    event.action = r.action;
    Object.assign(event.fields, r.fields);
  },
  explain: whyNotAltlog,
  skip: isW3cDirective,
};

export const pureFtpdAltlogParser: Parser = {
  name: 'pure-ftpd-altlog',
  description: "pure-ftpd's transfer log (AltLog clf, w3c or stats; Debian's /var/log/pure-ftpd/transfer.log): uploads and downloads",
  produces: 'logs',
  samples: [
    // Debian's pure-ftpd 1.0.50 with AltLog clf (its default), made for flowlink
    '127.0.0.122 - backup7 [03/Dec/2026:14:29:24 +0100] "PUT /tmp/pf6/root/nightly%20db.tar" 200 2600000',
    // the same with AltLog w3c and stats
    '2026-12-03 13:28:17 127.0.0.122 []created /tmp/pf6/root/up.bin 226 backup7 1500000',
    '1796304493 6b116e6b.3a5d backup7 127.0.0.122 U 1500000 0 /tmp/pf6/root/up.bin',
  ],
  detect(_head, headLines) {
    // Above access-log (50), which also reads clf lines, and xferlog (70).
    return lineShare(headLines.filter((l) => !isW3cDirective(l)), parseAltlogLine) >= 0.5 ? 75 : 0;
  },
  timeCompleteness() {
    return 'full';
  },
  parse(input, time) {
    return readRecordLines(input, time, FORMAT);
  },
};
