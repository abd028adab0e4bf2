// pure-ftpd through syslog (tag `pure-ftpd:`, or `ftpd:` on some systems). Each message is
// `(user@client) [LEVEL] text`; the texts are pure-ftpd's messages_en.h strings. Other
// programs' lines in the same file become generic syslog events, so nothing is dropped.
//
// Actions (text -> action):
//   `<file> uploaded  (N bytes, R.RRKB/sec)`            upload   (file, bytes, rate, duration)
//   `<file> partially uploaded  (...)`                  upload   (+ partial=1)
//   `<file> downloaded  (...)`                          download
//   `New connection from <ip>`                          connect
//   `<user> is now logged in`                           login    (user)
//   `Anonymous user logged in[ the virtual FTP]`        login    (anonymous=1)
//   `Authentication failed for user [<name>]`           login-failed (user)
//   `Can't login as [<name>]: account disabled`         login-failed (user, reason)
//   `Logout.`                                           logout
//   `Timeout ...`                                       timeout
//   `Deleted <file>`                                    delete   (file)
//   `Too many connections (N) from this IP`,
//   `N users (the maximum) are already logged in, sorry`,
//   `I can't accept more than N connections as the same user`   refused
//   anything else from pure-ftpd                        no action (service ftp, user/client/level kept)
import type { FieldValue, LogEvent } from '../src/event.js';
import type { Parser } from './parser.js';
import { readSyslogLines, syslogTimeCompleteness } from './syslog.js';
import { splitSyslogLine, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

export interface PureFtpdMessage {
  action?: string;
  fields: Record<string, FieldValue>;
}

/** Programs pure-ftpd logs as. */
export function isPureFtpdProgram(program: string | undefined): boolean {
  return program === 'pure-ftpd' || program === 'ftpd';
}

// `<file> uploaded  (N bytes, R.RRKB/sec)`: pure-ftpd writes two spaces before `(`.
const TRANSFER_RE = / (uploaded|downloaded|partially uploaded) +\((\d+) bytes, (\d+(?:\.\d+)?)([KM]?)B\/sec\)$/;
const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 * 1024 };

/** Reads a pure-ftpd message (the syslog message part); undefined when it is not `(user@ip) [LEVEL] ...`. */
export function parsePureFtpdMessage(message: string): PureFtpdMessage | undefined {
  const fields: Record<string, FieldValue> = {};
  const action = readPureFtpdMessage(message, fields);
  return action === false ? undefined : { action, fields };
}

/**
 * Reads a pure-ftpd message into `fields` (written only when it is one) and returns its
 * action; false when it is not `(user@ip) [LEVEL] ...`. The line loop's path: the event's
 * own fields object is filled, no second one copied into it.
 */
function readPureFtpdMessage(message: string, fields: Record<string, FieldValue>): string | undefined | false {
  if (message.charCodeAt(0) !== 40 /* ( */) return false;
  const close = message.indexOf(') [');
  if (close < 0) return false;
  const levelEnd = message.indexOf(']', close + 3);
  if (levelEnd < 0) return false;
  // The user may itself hold `@` (`xxx@xxx.com@192.168.134.56`): the address follows the last one.
  const at = message.lastIndexOf('@', close - 1);
  if (at < 1) return false;
  const level = levelAt(message, close + 3, levelEnd);
  if (level === undefined) return false;
  // `?` is pure-ftpd's placeholder before login.
  if (at > 1 && !(at === 2 && message.charCodeAt(1) === 63 /* ? */)) fields.user = message.slice(1, at);
  fields.client = message.slice(at + 1, close);
  fields.level = level;
  const text = message.slice(message.charCodeAt(levelEnd + 1) === 32 ? levelEnd + 2 : levelEnd + 1);
  return classify(text, fields);
}

/** Levels pure-ftpd writes, reused instead of sliced from every line. */
const LEVELS = ['INFO', 'NOTICE', 'WARNING', 'ERROR', 'DEBUG'];

/** message[from, to) when it matches `^[A-Z]+$`, else undefined. */
function levelAt(message: string, from: number, to: number): string | undefined {
  if (to <= from) return undefined;
  for (let k = from; k < to; k++) {
    const c = message.charCodeAt(k);
    if (c < 65 || c > 90) return undefined;
  }
  for (const level of LEVELS) if (level.length === to - from && message.startsWith(level, from)) return level;
  return message.slice(from, to);
}

function classify(text: string, fields: Record<string, FieldValue>): string | undefined {
  // Only a transfer line ends in `/sec)`: the regex runs on those alone.
  const transfer = text.endsWith('/sec)') ? TRANSFER_RE.exec(text) : null;
  if (transfer) {
    const bytes = Number(transfer[2]);
    const rate = Number(transfer[3]) * UNIT[transfer[4]];
    fields.file = text.slice(0, transfer.index);
    fields.bytes = bytes;
    fields.rate = rate;
    // pure-ftpd computes the rate as bytes / seconds, so the transfer took bytes / rate and
    // ended at the line's time.
    if (rate > 0) fields.duration = bytes / rate;
    if (transfer[1] === 'partially uploaded') fields.partial = 1;
    return transfer[1] === 'downloaded' ? 'download' : 'upload';
  }
  if (text.startsWith('New connection from ')) return 'connect';
  if (text.endsWith(' is now logged in')) {
    fields.user = text.slice(0, -' is now logged in'.length);
    return 'login';
  }
  if (text.startsWith('Anonymous user logged in')) {
    fields.anonymous = 1;
    return 'login';
  }
  let m = /^Authentication failed for user \[(.*)\]$/.exec(text);
  if (m) {
    fields.user = m[1];
    return 'login-failed';
  }
  m = /^Can't login as \[(.*)\]: (.*)$/.exec(text);
  if (m) {
    fields.user = m[1];
    fields.reason = m[2];
    return 'login-failed';
  }
  if (text === 'Logout.') return 'logout';
  if (text.startsWith('Timeout')) return 'timeout';
  if (text.startsWith('Deleted ')) {
    fields.file = text.slice('Deleted '.length);
    return 'delete';
  }
  if (
    text.startsWith('Too many connections') ||
    / users \(the maximum\) are already logged in/.test(text) ||
    text.startsWith("I can't accept more than ")
  ) {
    return 'refused';
  }
  return undefined;
}

/** Fills a generic syslog event from a pure-ftpd line; other programs' lines stay generic. */
export function interpretPureFtpd(header: SyslogHeader, event: LogEvent): void {
  if (!isPureFtpdProgram(header.program)) return;
  const action = readPureFtpdMessage(header.message, event.fields);
  if (action === false) return;
  event.service = 'ftp';
  if (action !== undefined) event.action = action;
}

/** `pure-ftpd: (?@ip) [INFO] ...` with the syslog stamp and host left off. */
function bareMessage(line: string): string | undefined {
  const colon = line.indexOf(': ');
  if (colon < 0) return undefined;
  const program = line.slice(0, colon).replace(/\[\d+\]$/, '');
  return isPureFtpdProgram(program) && parsePureFtpdMessage(line.slice(colon + 2)) ? line.slice(colon + 2) : undefined;
}

export const pureFtpdParser: Parser = {
  name: 'pure-ftpd',
  description: 'pure-ftpd syslog lines: uploads, downloads, logins, failed logins (other programs kept as generic syslog)',
  produces: 'logs',
  samples: [
    // flowlink samples/backup-spike/messages (the upload story in the README)
    'Mar  8 03:33:42 server ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] /home/xxx/backup//xxx.com_2008.03.08_03-21-02 uploaded  (891289600 bytes, 2428.22KB/sec)',
    'Mar  8 03:27:42 server ftpd: (?@192.168.134.56) [INFO] xxx@xxx.com is now logged in',
    // crowdsecurity/hub .tests/pureftpd-logs/pureftpd-logs.log (MIT)
    'Jan  7 14:19:31 ftpcdr pure-ftpd: (?@172.21.10.2) [WARNING] Authentication failed for user [root]',
    'Jan  7 14:20:06 ftpcdr pure-ftpd: (?@172.21.10.2) [INFO] user@test.com is now logged in',
  ],
  detect(_head, headLines) {
    let bare = false;
    for (const line of headLines) {
      const header = splitSyslogLine(line);
      if (header) {
        if (isPureFtpdProgram(header.program) && parsePureFtpdMessage(header.message)) return 60;
      } else if (bareMessage(line)) {
        bare = true;
      }
    }
    // Messages without stamps give no events, but claiming them reports why line by line.
    return bare ? 20 : 0;
  },
  timeCompleteness: syslogTimeCompleteness,
  parse(input, time) {
    return readSyslogLines(input, time, {
      interpret: interpretKnownPrograms,
      assemble: createProgramAssembler,
      explainUnheaded: (line) =>
        bareMessage(line) !== undefined
          ? 'pure-ftpd message without a syslog time stamp and host (only the message part was logged)'
          : undefined,
    });
  },
};
