// vsftpd: its own vsftpd.log (`Tue Dec  1 20:12:13 2026 [pid 26347] [user] OK UPLOAD: ...`,
// year written, local time, no zone) and the same messages through syslog
// (`vsftpd[1658]: [user] FAIL LOGIN: Client "ip"`, syslog_enable=YES), plus the PAM lines
// vsftpd logs through syslog. One interpreter reads the message part of both.
//
// Messages (text after `[pid N] [user] `; the `[user]` part is absent before USER):
//   `OK UPLOAD: Client "ip", "/path", N bytes, R.RRKbyte/sec`   upload (client, user, file, bytes, rate, duration)
//   `FAIL UPLOAD: ...`                                          upload + partial=1, failed=1 (bytes so far)
//   `OK DOWNLOAD: ...` / `FAIL DOWNLOAD: ...`                   download (the same fields)
//   `OK LOGIN: Client "ip"[, anon password "x"]`                login (anonymous=1 with a password)
//   `FAIL LOGIN: Client "ip"[, "reason"]`                       login-failed (reason)
//   `CONNECT: Client "ip"[, "reason"]`                           connect
//   `OK|FAIL MKDIR|RMDIR|DELETE|RENAME|CHMOD: Client "ip", "/path"`  mkdir | rmdir | delete | rename | chmod (file)
//   `FTP command: Client "ip", "STOR x"` (log_ftp_protocol)     command  (command; `PASS` is masked by vsftpd)
//   `FTP response: Client "ip", "226 ..."`                      response (response)
//   PAM `authentication failure; ... rhost=ip user=u`           login-failed (client, user)
// Any other vsftpd line is an event with service ftp and no action. The bytes field of a
// transfer may be missing (then no bytes and no duration). vsftpd prints the rate as
// bytes / seconds / 1024 with two decimals, so duration = bytes / rate is the transfer time
// to about 0.5% (rate's rounding) and the transfer ended at the line's time.
import type { FieldValue, LogEvent } from '../src/event.js';
import { parseCtime } from '../src/time.js';
import type { Parser } from './parser.js';
import { readSyslogLines } from './syslog.js';
import { splitSyslogLine, whyNotSyslog, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

export interface VsftpdMessage {
  action?: string;
  fields: Record<string, FieldValue>;
}

/** Programs whose syslog lines are vsftpd's: the daemon and its PAM tags. */
export function isVsftpdProgram(program: string | undefined): boolean {
  return program === 'vsftpd' || program === 'vsftpd(pam_unix)' || program === 'pam_unix(vsftpd:auth)';
}

const NATIVE_PID_RE = /^\[pid (\d+)\] /;
const VERB_RE = /^(?:\[([^\]]*)\] )?(?:(OK|FAIL) (UPLOAD|DOWNLOAD|LOGIN|MKDIR|RMDIR|DELETE|RENAME|CHMOD)|(CONNECT)|FTP (command|response)): Client "([^"]*)"(.*)$/;
const TRANSFER_RE = /^, "(.*)"(?:, (\d+) bytes)?(?:, (\d+(?:\.\d+)?)Kbyte\/sec)?$/;
const QUOTED_RE = /^, "(.*)"$/;

/** Reads a vsftpd message; undefined when it is none of vsftpd's forms. */
export function parseVsftpdMessage(message: string): VsftpdMessage | undefined {
  const m = VERB_RE.exec(message);
  if (!m) return parsePam(message);
  const fields: Record<string, FieldValue> = {};
  if (m[1] !== undefined && m[1] !== '') fields.user = m[1];
  fields.client = m[6];
  const rest = m[7];
  const ok = m[2] === 'OK';
  if (m[4] === 'CONNECT') {
    const reason = QUOTED_RE.exec(rest);
    if (reason) fields.reason = reason[1];
    return { action: 'connect', fields };
  }
  if (m[5] !== undefined) {
    const text = QUOTED_RE.exec(rest);
    if (text) fields[m[5]] = text[1];
    return { action: m[5], fields };
  }
  const verb = m[3];
  if (verb === 'UPLOAD' || verb === 'DOWNLOAD') {
    const t = TRANSFER_RE.exec(rest);
    if (t) {
      fields.file = t[1];
      if (t[2] !== undefined) fields.bytes = Number(t[2]);
      if (t[3] !== undefined) {
        const rate = Number(t[3]) * 1024;
        fields.rate = rate;
        if (t[2] !== undefined && rate > 0) fields.duration = Number(t[2]) / rate;
      }
    }
    if (!ok) {
      fields.partial = 1;
      fields.failed = 1;
    }
    return { action: verb === 'UPLOAD' ? 'upload' : 'download', fields };
  }
  if (verb === 'LOGIN') {
    const anon = /^, anon password "(.*)"$/.exec(rest);
    if (anon) {
      fields.anonymous = 1;
    } else {
      const reason = QUOTED_RE.exec(rest);
      if (reason) fields.reason = reason[1];
    }
    return { action: ok ? 'login' : 'login-failed', fields };
  }
  const file = QUOTED_RE.exec(rest);
  if (file) fields.file = file[1];
  if (!ok) fields.failed = 1;
  return { action: verb.toLowerCase(), fields };
}

/** PAM's `authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=ip [user=u]`. */
function parsePam(message: string): VsftpdMessage | undefined {
  const at = message.indexOf('authentication failure;');
  if (at < 0) return undefined;
  const fields: Record<string, FieldValue> = {};
  const rhost = /\brhost=(\S+)/.exec(message);
  if (rhost) fields.client = rhost[1];
  const user = /\buser=(\S+)/.exec(message) ?? /\bruser=(\S+)/.exec(message);
  if (user) fields.user = user[1];
  return { action: 'login-failed', fields };
}

export function interpretVsftpd(header: SyslogHeader, event: LogEvent): void {
  if (!isVsftpdProgram(header.program)) return;
  const parsed = parseVsftpdMessage(header.message);
  event.service = 'ftp';
  if (!parsed) return;
  if (parsed.action !== undefined) event.action = parsed.action;
  Object.assign(event.fields, parsed.fields);
}

/** A vsftpd.log line as a header: `program` vsftpd, `pid`, and the text after `[pid N] `. */
export function splitVsftpdLogLine(line: string): SyslogHeader | undefined {
  const stamp = parseCtime(line);
  if (!stamp) return undefined;
  const rest = line.slice(stamp.length + 1);
  const pid = NATIVE_PID_RE.exec(rest);
  if (!pid) return undefined;
  return {
    form: 'ctime',
    stamp: { kind: 'dated', wall: stamp.wall, text: line.slice(0, stamp.length) },
    program: 'vsftpd',
    pid: Number(pid[1]),
    message: rest.slice(pid[0].length).trimEnd(),
  };
}

/** Native lines first (their stamp has a weekday, so no syslog line is mistaken for one), then syslog. */
function splitVsftpdOrSyslog(line: string): SyslogHeader | undefined {
  return splitVsftpdLogLine(line) ?? splitSyslogLine(line);
}

function explainNotVsftpd(line: string): string {
  if (parseCtime(line)) return "vsftpd.log stamp without '[pid N]' after it";
  return whyNotSyslog(line).replace(/^no syslog header/, "no vsftpd.log stamp ('Tue Dec  1 20:12:13 2026 [pid N]') or syslog header");
}

export const vsftpdParser: Parser = {
  name: 'vsftpd',
  description: 'vsftpd.log (uploads, downloads, logins, failed logins, FTP commands) and vsftpd lines in syslog',
  produces: 'logs',
  samples: [
    // google/mtail internal/mtail/testdata/vsftpd_log (Apache-2.0)
    'Mon Feb 21 18:31:54 2011 [pid 3] [ftp] OK UPLOAD: Client "198.51.100.36", "/incoming/example_324592677_all.deb", 530 bytes, 1.56Kbyte/sec',
    'Mon Feb 21 17:44:30 2011 [pid 2] CONNECT: Client "192.0.2.143"',
    'Mon Feb 21 17:44:31 2011 [pid 1] [ftp] OK LOGIN: Client "192.0.2.143", anon password "?"',
    // crowdsecurity/hub .tests/vsftpd-logs/vsftpd-logs.log (MIT)
    'Mon Jun 8 12:08:53 2020 [pid 27244] [user] FAIL LOGIN: Client "::ffff:93.24.101.89"',
  ],
  detect(_head, headLines) {
    let syslog = false;
    for (const line of headLines) {
      if (splitVsftpdLogLine(line)) return 70;
      const header = splitSyslogLine(line);
      if (header && isVsftpdProgram(header.program) && parseVsftpdMessage(header.message)) syslog = true;
    }
    return syslog ? 60 : 0;
  },
  timeCompleteness(headLines) {
    // vsftpd.log stamps have their year; syslog lines among them may not.
    return headLines.some((l) => !splitVsftpdLogLine(l) && splitSyslogLine(l)?.stamp.kind === 'no-year') ? 'no-year' : 'full';
  },
  parse(input, time) {
    return readSyslogLines(input, time, {
      split: splitVsftpdOrSyslog,
      interpret: interpretKnownPrograms,
      assemble: createProgramAssembler,
      explainUnheaded: explainNotVsftpd,
    });
  },
};
