// proftpd's ExtendedLog (mod_log) with the stock LogFormats of Debian's proftpd-core 1.3.8
// sample configuration (/usr/share/doc/proftpd-core/sample-configurations/complex-virtual.conf.gz;
// Debian's /etc/proftpd/proftpd.conf has no LogFormat), one line per FTP command:
//
//   default, write  `%h %l %u %t "%r" %s %b`
//                   `127.0.0.46 UNKNOWN backup [03/Dec/2026:13:59:37 -0500] "STOR nightly.tar" 226 3000000`
//   auth            `%v [%P] %h %t "%r" %s`
//                   `flowlink proftpd extlog [11381] 127.0.0.46 [03/Dec/2026:13:59:37 -0500] "PASS (hidden)" 230`
//
// Seen on the real daemon (test/fixtures/logs/SOURCES.md): `%l` is `UNKNOWN` (no ident
// lookup), `%u` is `-` until a PASS succeeds (the 230 line already names the user), `%r` of
// PASS is `PASS (hidden)`, `%b` is `-` when no data moved, and DELE's `%b` is the deleted
// file's size. `%v` (ServerName) may hold spaces. The shape is a web access log's; what tells
// them apart is the request: an FTP command, no protocol after it.
//
// Mapping, as the other FTP parsers name things:
//   STOR/APPE/STOU  upload (file, bytes);  RETR  download (file, bytes)
//                   a reply other than 2xx (426 cut off, 451, 550 no such file): the same
//                   action with partial=1 and failed=1 (xferlog's `i`, vsftpd's FAIL), status kept
//   PASS 230 login, PASS 5xx login-failed (user from the session's USER line);  QUIT logout
//   DELE delete, MKD/XMKD mkdir, RMD/XRMD rmdir, RNTO rename, LIST/NLST/MLSD list
//   anything else   an ftp event with no action (command, argument, status)
import type { FieldValue, LogEvent } from '../src/event.js';
import { monthNumber, type WallClock } from '../src/time.js';
import type { Parser } from './parser.js';
import { lineShare } from './line-share.js';
import { readRecordLines, type RecordFormat } from './record-lines.js';

const STAMP = String.raw`\[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]`;
const REQUEST = String.raw`"([A-Za-z]{3,4})(?: ((?:[^"\\]|\\.)*))?"`;
const DEFAULT_RE = new RegExp(String.raw`^(\S+) (\S+) (\S+) ${STAMP} ${REQUEST} (\d{3}) (\d+|-)$`);
const AUTH_RE = new RegExp(String.raw`^(.+) \[(\d+)\] (\S+) ${STAMP} ${REQUEST} (\d{3})$`);

// RFC 959, 2228, 2389, 2428, 3659 and proftpd's own: the words a request may start with.
const FTP_COMMANDS = new Set(
  ('USER PASS ACCT CWD CDUP XCWD XCUP SMNT REIN QUIT PORT PASV EPRT EPSV TYPE STRU MODE RETR STOR ' +
    'STOU APPE ALLO REST RNFR RNTO ABOR DELE RMD XRMD MKD XMKD PWD XPWD LIST NLST MLSD MLST SITE SYST ' +
    'STAT HELP NOOP FEAT OPTS AUTH PBSZ PROT CCC ADAT SIZE MDTM MFMT MFF LANG HOST CLNT CSID RANG').split(' '),
);
const ACTIONS: Record<string, string> = {
  STOR: 'upload', APPE: 'upload', STOU: 'upload', RETR: 'download', QUIT: 'logout',
  DELE: 'delete', MKD: 'mkdir', XMKD: 'mkdir', RMD: 'rmdir', XRMD: 'rmdir', RNTO: 'rename',
  LIST: 'list', NLST: 'list', MLSD: 'list',
};

export interface ExtlogRecord {
  wall: WallClock;
  /** Minutes east of UTC the stamp is written in. */
  offsetMinutes: number;
  stampText: string;
  format: 'default' | 'auth';
  client: string;
  /** `%u`, absent when `-` (not logged in yet). */
  user?: string;
  /** `%v` and `%P` of the auth format. */
  server?: string;
  pid?: number;
  command: string;
  argument?: string;
  status: number;
  bytes?: number;
}

function readStamp(m: RegExpExecArray, at: number): Pick<ExtlogRecord, 'wall' | 'offsetMinutes' | 'stampText'> | undefined {
  const month = monthNumber(m[at + 1]);
  if (month === undefined) return undefined;
  const wall = { year: Number(m[at + 2]), month, day: Number(m[at]), hour: Number(m[at + 3]), minute: Number(m[at + 4]), second: Number(m[at + 5]), micro: 0 };
  const offset = (Number(m[at + 7]) * 60 + Number(m[at + 8])) * (m[at + 6] === '-' ? -1 : 1);
  const stampText = `${m[at]}/${m[at + 1]}/${m[at + 2]}:${m[at + 3]}:${m[at + 4]}:${m[at + 5]} ${m[at + 6]}${m[at + 7]}${m[at + 8]}`;
  return { wall, offsetMinutes: offset, stampText };
}

/** Reads one ExtendedLog line of the default/write or auth format; undefined when it is neither. */
export function parseExtlogLine(line: string): ExtlogRecord | undefined {
  let m = DEFAULT_RE.exec(line);
  let format: ExtlogRecord['format'] = 'default';
  if (!m) {
    m = AUTH_RE.exec(line);
    format = 'auth';
  }
  if (!m) return undefined;
  // Both forms have three groups before the stamp (%h %l %u or %v %P %h).
  const at = 4;
  const command = m[at + 9].toUpperCase();
  if (!FTP_COMMANDS.has(command)) return undefined;
  const stamp = readStamp(m, at);
  if (!stamp) return undefined;
  const rec: ExtlogRecord = { ...stamp, format, client: format === 'default' ? m[1] : m[3], command, status: Number(m[at + 11]) };
  const argument = m[at + 10];
  if (argument !== undefined && argument !== '' && command !== 'PASS') rec.argument = argument.replace(/\\(.)/g, '$1');
  if (format === 'default') {
    if (m[3] !== '-') rec.user = m[3];
    if (m[at + 12] !== '-') rec.bytes = Number(m[at + 12]);
  } else {
    rec.server = m[1];
    rec.pid = Number(m[2]);
  }
  return rec;
}

export function whyNotExtlog(line: string): string {
  if (line.trim() === '') return 'empty line';
  if (/ HTTP\/\d/.test(line)) return 'a web server access log line (the request has a protocol), not a proftpd ExtendedLog line';
  return `not a proftpd ExtendedLog line ('%h %l %u %t "%r" %s %b' or '%v [%P] %h %t "%r" %s' with an FTP command)`;
}

/** The event's action and fields for one record; `sessionUser` is the last USER the session sent. */
function meaning(r: ExtlogRecord, sessionUser: string | undefined): { action?: string; fields: Record<string, FieldValue> } {
  const fields: Record<string, FieldValue> = { client: r.client };
  const user = r.user ?? sessionUser;
  if (user !== undefined) fields.user = user;
  fields.command = r.command;
  if (r.argument !== undefined) fields.argument = r.argument;
  fields.status = r.status;
  if (r.bytes !== undefined) fields.bytes = r.bytes;
  if (r.server !== undefined) fields.server = r.server;
  if (r.pid !== undefined) fields.pid = r.pid;
  fields.extlog = r.format;
  const ok = r.status >= 200 && r.status < 300;
  if (r.command === 'PASS') {
    if (r.status === 230) return { action: 'login', fields };
    return r.status >= 500 ? { action: 'login-failed', fields } : { fields };
  }
  const action = ACTIONS[r.command];
  if (action === undefined) return { fields };
  if (r.argument !== undefined && action !== 'list') fields.file = r.argument;
  if (action === 'upload' || action === 'download') {
    if (!ok) {
      fields.partial = 1;
      fields.failed = 1;
    }
  } else if (!ok && action !== 'logout') {
    fields.failed = 1;
  }
  return { action, fields };
}

/** Sessions whose USER is remembered at once; the oldest goes first. */
const MAX_SESSIONS = 4096;

function makeFormat(): RecordFormat<ExtlogRecord> {
  // The user a session named in its USER line, for its PASS lines (a failed PASS logs `-`,
  // the auth format no user at all); keyed by the client and, in auth, the session's pid.
  const sessionUsers = new Map<string, string>();
  return {
    read: parseExtlogLine,
    header: (r) => ({
      form: 'clf',
      stamp: { kind: 'dated', wall: r.wall, offsetMinutes: r.offsetMinutes, text: r.stampText },
      program: 'proftpd',
      message: `${r.command}${r.argument !== undefined ? ` ${r.argument}` : ''} ${r.status}`,
    }),
    apply(r, event: LogEvent) {
      const key = `${r.client} ${r.pid ?? ''}`;
      if (r.command === 'USER' && r.argument !== undefined) {
        sessionUsers.delete(key);
        sessionUsers.set(key, r.argument);
        // Sessions that never QUIT (timeouts, resets) must not make memory grow with the file.
        if (sessionUsers.size > MAX_SESSIONS) sessionUsers.delete(sessionUsers.keys().next().value!);
      }
      const { action, fields } = meaning(r, sessionUsers.get(key));
      if (r.command === 'QUIT') sessionUsers.delete(key);
      event.service = 'ftp';
      if (action !== undefined) event.action = action;
      Object.assign(event.fields, fields);
    },
    explain: whyNotExtlog,
  };
}

export const proftpdExtlogParser: Parser = {
  name: 'proftpd-extlog',
  description: "proftpd's ExtendedLog with the stock LogFormats (default, write, auth): uploads, downloads, logins and every FTP command",
  produces: 'logs',
  samples: [
    // Debian's proftpd-core 1.3.8 with the `write` and `auth` LogFormats, made for flowlink
    '127.0.0.46 UNKNOWN backup [03/Dec/2026:13:59:37 -0500] "STOR nightly.tar" 226 3000000',
    'flowlink proftpd extlog [11381] 127.0.0.46 [03/Dec/2026:13:59:37 -0500] "PASS (hidden)" 230',
  ],
  detect(_head, headLines) {
    // Above access-log (50) and pure-ftpd-altlog (75), which read the same clf shape.
    return lineShare(headLines, parseExtlogLine) >= 0.5 ? 80 : 0;
  },
  timeCompleteness() {
    return 'full';
  },
  parse(input, time) {
    return readRecordLines(input, time, makeFormat());
  },
};
