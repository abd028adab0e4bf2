// proftpd through syslog (tag `proftpd[pid]`), and the same messages in proftpd's own SystemLog
// (`2021-05-28 18:08:01,124 host proftpd[pid] ...`, local time, comma milliseconds). proftpd
// writes its transfers to its TransferLog (xferlog, read by parsers/xferlog.ts); its syslog
// lines say who logged in from where, which is what this parser reads. Other programs' lines
// in the same file stay generic syslog events, and so do proftpd lines it does not know.
//
// Message forms (after the tag):
//   1.3.x  `127.0.0.12 (127.0.0.20[127.0.0.20]) - FTP session opened.`   server (client-name[client]) - text
//          `127.0.0.12 - ProFTPD killed (signal 15)`                        server - text (the daemon)
//   older  `host.example (192.0.2.10[192.0.2.10]): FTP session opened.`    no colon after `proftpd[pid]`
//          `host.example: ProFTPD 1.2.10 (stable) ... STARTUP`
//
// Texts (text -> action):
//   `FTP session opened.`                                connect
//   `USER <user>: Login successful.`                     login        (user)
//   `ANON <user>: Login successful.`                     login        (user, anonymous=1)
//   `USER <user> (Login failed): <reason>`               login-failed (user, reason)
//   `USER <user>: no such user found from ... to ...`    login-failed (user, reason 'no such user')
//   `SECURITY VIOLATION: root login attempted.`          login-failed (user root, reason)
//   `Maximum login attempts (N) exceeded`                refused      (reason)
//   `FTP session closed.`                                logout
//   `Transfer completed: N bytes in S seconds`           transfer     (bytes, duration; debug level, no file name)
//   `Entering Passive Mode (127,0,0,12,125,80).`         passive      (data_addr, data_port: the port the client connects to)
//   `Entering Extended Passive Mode (|||32092|)`         passive      (data_port)
//   `no such user '<user>'`                              no action    (user; the `USER ...: no such user found` line that follows is the failure)
//   anything else from proftpd                           no action    (service ftp, server/client kept)
// The user of a failed login is what the client sent, so it may hold anything (fail2ban's
// tests have one with a forged `(name[addr])` in it): the client is read from the line's
// own prefix, before the text, never from inside it.
import type { FieldValue, LogEvent } from '../src/event.js';
import type { Parser } from './parser.js';
import { readSyslogLines } from './syslog.js';
import { splitSyslogLine, whyNotSyslog, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

export interface ProftpdMessage {
  action?: string;
  fields: Record<string, FieldValue>;
}

export function isProftpdProgram(program: string | undefined): boolean {
  return program === 'proftpd';
}

// `server (name[addr]) - text` (1.3.x) or `server (name[addr]): text` (older). Names and
// addresses hold no spaces or brackets, so a forged copy later in the text cannot shift them.
const SESSION_RE = /^(\S+) \(([^\s[\]()]*)\[([^\s[\]]+)\]\)(?: -|:) (.*)$/;
// The daemon's own lines: `server - text`; the older `host.example: text` only when the token
// looks like a host name or address, so that `fatal: ...` is not taken for a server.
const DAEMON_RE = /^(\S+) - (.*)$/;
const OLD_DAEMON_RE = /^([A-Za-z0-9_-]+(?:[.:][A-Za-z0-9_-]*)+): (.*)$/;

/** Reads a proftpd message (the syslog message part); undefined when it has none of proftpd's prefixes. */
export function parseProftpdMessage(message: string): ProftpdMessage | undefined {
  const fields: Record<string, FieldValue> = {};
  let text: string;
  const session = SESSION_RE.exec(message);
  if (session) {
    fields.server = session[1];
    fields.client = session[3];
    if (session[2] !== '' && session[2] !== session[3]) fields.client_name = session[2];
    text = session[4];
  } else {
    const daemon = DAEMON_RE.exec(message) ?? OLD_DAEMON_RE.exec(message);
    if (!daemon) return undefined;
    fields.server = daemon[1];
    text = daemon[2];
  }
  return { action: classify(text, fields), fields };
}

const NO_SUCH_USER = ': no such user found from ';

function classify(text: string, fields: Record<string, FieldValue>): string | undefined {
  if (text === 'FTP session opened.') return 'connect';
  if (text === 'FTP session closed.') return 'logout';
  let m = /^(USER|ANON) (.*): Login successful\.$/.exec(text);
  if (m) {
    fields.user = m[2];
    if (m[1] === 'ANON') fields.anonymous = 1;
    return 'login';
  }
  m = /^USER (.*) \(Login failed\): (.*)$/.exec(text);
  if (m) {
    fields.user = m[1];
    fields.reason = m[2];
    return 'login-failed';
  }
  if (text.startsWith('USER ')) {
    const at = text.indexOf(NO_SUCH_USER);
    if (at > 5) {
      fields.user = text.slice(5, at);
      fields.reason = 'no such user';
      return 'login-failed';
    }
  }
  if (/^SECURITY VIOLATION: root login attempted\.?$/i.test(text)) {
    fields.user = 'root';
    fields.reason = text;
    return 'login-failed';
  }
  if (/^Maximum login attempts \(\d+\) exceeded$/.test(text)) {
    fields.reason = text;
    return 'refused';
  }
  m = /^Transfer completed: (\d+) bytes in (\d+(?:\.\d+)?) seconds$/.exec(text);
  if (m) {
    fields.bytes = Number(m[1]);
    fields.duration = Number(m[2]);
    return 'transfer';
  }
  // Debug level: the data port a passive transfer will use (RFC 959 PASV, RFC 2428 EPSV).
  m = /^Entering Passive Mode \((\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})\)\.?$/.exec(text);
  if (m) {
    fields.data_addr = m.slice(1, 5).join('.');
    fields.data_port = Number(m[5]) * 256 + Number(m[6]);
    return 'passive';
  }
  m = /^Entering Extended Passive Mode \(\|\|\|(\d+)\|\)$/.exec(text);
  if (m) {
    fields.data_port = Number(m[1]);
    return 'passive';
  }
  m = /^no such user '(.*)'$/.exec(text);
  if (m) fields.user = m[1];
  return undefined;
}

/** Fills a generic syslog event from a proftpd line; lines without proftpd's prefix keep service ftp and no fields. */
export function interpretProftpd(header: SyslogHeader, event: LogEvent): void {
  if (!isProftpdProgram(header.program)) return;
  event.service = 'ftp';
  const parsed = parseProftpdMessage(header.message);
  if (!parsed) return;
  if (parsed.action !== undefined) event.action = parsed.action;
  Object.assign(event.fields, parsed.fields);
}

// SystemLog: `YYYY-MM-DD HH:MM:SS,mmm host proftpd[pid] message` (a colon after `]` on the
// daemon's own lines), local time without a zone.
const SYSTEMLOG_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) (\S+) proftpd\[(\d+)\]:? /;

/** A SystemLog line as a header, or undefined when it is not one. */
export function splitProftpdSystemLogLine(line: string): SyslogHeader | undefined {
  const m = SYSTEMLOG_RE.exec(line);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, milli] = m.slice(1, 8).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  return {
    form: 'iso-local',
    stamp: { kind: 'dated', wall: { year, month, day, hour, minute, second, micro: milli * 1000 }, text: line.slice(0, 23) },
    host: m[8],
    program: 'proftpd',
    pid: Number(m[9]),
    message: line.slice(m[0].length).trimEnd(),
  };
}

/** SystemLog lines first (their stamp has a space where ISO has `T`, so no syslog line is taken for one), then syslog. */
function splitSystemLogOrSyslog(line: string): SyslogHeader | undefined {
  return splitProftpdSystemLogLine(line) ?? splitSyslogLine(line);
}

function explainNotProftpd(line: string): string {
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} /.test(line)) return "SystemLog stamp without 'host proftpd[pid]' after it";
  return whyNotSyslog(line);
}

export const proftpdParser: Parser = {
  name: 'proftpd',
  description: 'proftpd syslog lines and its SystemLog: sessions, logins, failed logins (transfers are in its TransferLog, read as xferlog)',
  produces: 'logs',
  samples: [
    // written by this project's e2e run (test/e2e/run.sh s6) with Debian's proftpd-core 1.3.8
    'Dec  2 03:55:42 vm proftpd[16923]: 127.0.0.12 (127.0.0.20[127.0.0.20]) - USER backup: Login successful.',
    '2026-12-02T03:53:18.906307+00:00 vm proftpd[13493]: 127.0.0.12 - ProFTPD 1.3.8 (stable) (built Fri May 1 2026 20:02:15 UTC) standalone mode STARTUP',
    // crowdsecurity/hub .tests/proftpd-logs/proftpd-logs.log (MIT)
    'Jan  7 18:26:52 amazing-ishizaka proftpd[80686]: 172.31.39.97 (1.1.1.1[1.1.1.1]) - USER unruffled-feynman (Login failed): Incorrect password',
    '2021-05-28 18:08:01,124 mantis proftpd[498625] mantis (192.168.1.142[192.168.1.142]): USER asd: no such user found from 192.168.1.142 [192.168.1.142] to ::ffff:192.168.1.23:21',
  ],
  detect(_head, headLines) {
    for (const line of headLines) {
      if (splitProftpdSystemLogLine(line)) return 70;
      const header = splitSyslogLine(line);
      if (header && isProftpdProgram(header.program) && parseProftpdMessage(header.message)) return 60;
    }
    return 0;
  },
  timeCompleteness(headLines) {
    // SystemLog stamps have their year; syslog lines among them may not.
    return headLines.some((l) => !splitProftpdSystemLogLine(l) && splitSyslogLine(l)?.stamp.kind === 'no-year') ? 'no-year' : 'full';
  },
  parse(input, time) {
    return readSyslogLines(input, time, {
      split: splitSystemLogOrSyslog,
      interpret: interpretKnownPrograms,
      assemble: createProgramAssembler,
      explainUnheaded: explainNotProftpd,
    });
  },
};
