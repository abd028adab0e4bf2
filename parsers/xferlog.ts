// xferlog, the transfer log wu-ftpd defined and vsftpd (xferlog_enable), proftpd
// (TransferLog) and pure-ftpd (altlog xferlog) also write, one line per transfer:
//
//   current-time transfer-seconds remote-host bytes filename type special-action
//   direction access-mode username service auth-method auth-user-id [status]
//   `Sat Mar  8 03:33:42 2008 355 192.168.134.56 891289600 /path b _ i r user ftp 0 * c`
//
// The time is when the transfer ended, in the server's local zone (no zone written), day
// space-padded (`Mar  8`, vsftpd) or zero-padded (`Mar 08`, pure-ftpd). Fields:
//   direction i/o/d   -> action upload / download / delete
//   transfer-seconds  -> duration (whole seconds as written, so the log's window
//                        [time - duration, time] is the one the server measured); rate = bytes/duration
//   remote-host       -> client;  bytes, file, user
//   type a/b          -> transfer_type ascii/binary;  access a -> anonymous=1, g -> guest=1
//   status c/i        -> partial=1 for i (incomplete); absent in old wu-ftpd logs
// The filename runs up to the nine trailing fields, so names with spaces (proftpd writes
// them as they are) are kept whole. vsftpd writes `_` for each space instead, so its xferlog
// name can differ from its vsftpd.log name, and its transfer-seconds is end second minus
// start second, at least 1 (a 5 ms transfer reads 1; seen in flowlink's e2e suite).
import type { FieldValue } from '../src/event.js';
import { parseCtime, type WallClock } from '../src/time.js';
import type { Parser } from './parser.js';
import { lineShare } from './line-share.js';
import { readRecordLines, type RecordFormat } from './record-lines.js';

const REST_RE = /^ +(\d+) (\S+) (\d+) (.+) ([ab]) ([CUT_]{1,3}) ([oid]) ([agr]) (\S+) (\S+) ([01]) (\S+)(?: ([ci]))? *$/;

export interface XferlogRecord {
  action: string;
  fields: Record<string, FieldValue>;
}

/** Reads the part after the stamp; undefined when it is not xferlog's fields. */
export function parseXferlogFields(rest: string): XferlogRecord | undefined {
  const m = REST_RE.exec(rest);
  if (!m) return undefined;
  const seconds = Number(m[1]);
  const bytes = Number(m[3]);
  const fields: Record<string, FieldValue> = {
    client: m[2],
    bytes,
    file: m[4],
    user: m[9],
    duration: seconds,
    transfer_type: m[5] === 'a' ? 'ascii' : 'binary',
  };
  if (seconds > 0) fields.rate = bytes / seconds;
  if (m[6] !== '_') fields.special_action = m[6];
  if (m[8] === 'a') fields.anonymous = 1;
  else if (m[8] === 'g') fields.guest = 1;
  if (m[10] !== 'ftp') fields.ftp_service = m[10];
  if (m[12] !== '*') fields.auth_user = m[12];
  if (m[13] === 'i') fields.partial = 1;
  const action = m[7] === 'i' ? 'upload' : m[7] === 'o' ? 'download' : 'delete';
  return { action, fields };
}

/** Why a line is not xferlog: the ParseIssue reason. */
export function whyNotXferlog(line: string): string {
  if (line.trim() === '') return 'empty line';
  const stamp = parseCtime(line);
  if (!stamp) return "no xferlog time stamp (expected 'Www Mmm dd hh:mm:ss yyyy' at the start)";
  const rest = line.slice(stamp.length);
  const tokens = rest.trim().split(/ +/);
  if (tokens.length < 12) return `xferlog line with ${tokens.length} fields after the time stamp (expected 12 or 13)`;
  if (!/^\d+$/.test(tokens[0]) || !/^\d+$/.test(tokens[2])) return 'xferlog transfer time or byte count is not a number';
  return 'xferlog fields out of range (type a/b, direction o/i/d, access a/g/r, auth 0/1, status c/i)';
}

/** A line's stamp and fields. */
interface XferlogLine {
  wall: WallClock;
  stampText: string;
  rest: string;
  record: XferlogRecord;
}

function readXferlogLine(line: string): XferlogLine | undefined {
  const stamp = parseCtime(line);
  if (!stamp) return undefined;
  const rest = line.slice(stamp.length);
  const record = parseXferlogFields(rest);
  return record && { wall: stamp.wall, stampText: line.slice(0, stamp.length), rest, record };
}

const FORMAT: RecordFormat<XferlogLine> = {
  read: readXferlogLine,
  header: (l) => ({ form: 'ctime', stamp: { kind: 'dated', wall: l.wall, text: l.stampText }, program: 'xferlog', message: l.rest.trim() }),
  apply(l, event) {
    event.service = 'ftp';
    event.action = l.record.action;
    Object.assign(event.fields, l.record.fields);
    delete event.program;
  },
  explain: whyNotXferlog,
};

export function isXferlogLine(line: string): boolean {
  return readXferlogLine(line) !== undefined;
}

export const xferlogParser: Parser = {
  name: 'xferlog',
  description: 'xferlog transfer logs (vsftpd, proftpd, wu-ftpd, pure-ftpd): uploads, downloads and deletes with their transfer time',
  produces: 'logs',
  samples: [
    // google/mtail internal/mtail/testdata/vsftpd_xferlog (Apache-2.0)
    'Mon Feb 21 15:21:32 2011 1 198.51.100.36 528 /incoming/example_324589822_all.deb b _ i a anonymous@ ftp 0 * c',
    // written for flowlink: the README's backup upload as xferlog would have it
    'Sat Mar 08 03:33:42 2008 367 192.168.134.56 891289600 /home/xxx/backup//xxx.com_2008.03.08_03-21-02 b _ i r xxx@xxx.com ftp 1 * c',
  ],
  detect(_head, headLines) {
    return lineShare(headLines, isXferlogLine) >= 0.5 ? 70 : 0;
  },
  timeCompleteness() {
    return 'full';
  },
  parse(input, time) {
    return readRecordLines(input, time, FORMAT);
  },
};
