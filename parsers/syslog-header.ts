// Syslog line headers: the stamp, host, tag and message of each form syslog daemons write
// to files. Pure functions plus one small per-file clock; service parsers read `message`.
//
// Forms (FORMATS.md "Syslog headers"):
//   RFC 3164    `Mar  8 03:33:10 host prog[pid]: msg`, optional `<PRI>`, no year, no zone
//   RFC 3339    rsyslog high precision `2026-12-01T20:01:02.123456+00:00 host prog: msg`
//   short-iso   journalctl `2026-12-01T20:01:02+0000 host prog[pid]: msg` (offset without colon)
//   short-unix  journalctl `1764619262.000000 host prog[pid]: msg` (seconds since the epoch)
//   short-full  journalctl `Mon 2025-12-01 15:01:02 EST host prog[pid]: msg` (the zone's abbreviation)
//   RFC 5424    `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, `-` for nil; rsyslog also
//               writes it to files with `<PRI>1 ` left off
import type { Micros } from '../src/event.js';
import { TimeContextError } from '../src/errors.js';
import {
  abbreviatedOffset,
  MICROS_PER_SECOND,
  microsToLocalDate,
  monthNumber,
  parseClock,
  StampError,
  wallClockToMicros,
  YearResolver,
  ZonedClock,
  type TimeContext,
  type WallClock,
} from '../src/time.js';

/** `ctime`, `clf` and `journal-json` are not syslog: vsftpd.log / xferlog, access-log lines and journal entries read through the same loop. */
export type SyslogForm = 'rfc3164' | 'rfc3339' | 'short-iso' | 'short-unix' | 'short-full' | 'iso-local' | 'rfc5424' | 'ctime' | 'clf' | 'journal-json';

export interface ClockParts {
  hour: number;
  minute: number;
  second: number;
  micro: number;
}

export type SyslogStamp =
  /** RFC 3164: month, day and clock; the year and zone come from the context. */
  | { kind: 'no-year'; month: number; day: number; clock: ClockParts; text: string }
  /**
   * ISO stamps: full date; `offsetMinutes` undefined means no zone was written (context zone),
   * unless `abbreviation` is: journalctl short-full's `EST`, `+04`, resolved in the context zone.
   */
  | { kind: 'dated'; wall: WallClock; offsetMinutes?: number; abbreviation?: string; text: string }
  /** journalctl short-unix: the instant itself. */
  | { kind: 'instant'; micros: Micros; text: string };

export interface SyslogHeader {
  form: SyslogForm;
  stamp: SyslogStamp;
  /** `<PRI>` value when the line carries one (facility * 8 + severity). */
  pri?: number;
  host?: string;
  /** The tag without `[pid]` and `:`: `postfix/smtpd`, `sshd(pam_unix)`, `pure-ftpd`. */
  program?: string;
  pid?: number;
  /** RFC 5424 MSGID, when not nil. */
  msgid?: string;
  /** RFC 5424 STRUCTURED-DATA, verbatim, when not nil. */
  structuredData?: string;
  /** The rest of the line, trailing white space removed. */
  message: string;
}

// Every quantifier is bounded or followed by a fixed character, so a failing line costs
// one pass at position 0 (the patterns are anchored).
// `<PRI>` without a version is rsyslog's RSYSLOG_ForwardFormat (RFC 3339 stamp, 3164 tag), as a collector stores it raw.
const ISO_RE =
  /^(?:<(\d{1,3})>(?:(\d{1,2}) )?)?(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)(Z|z|[+-]\d{2}(?::?\d{2})?)?(?: +|$)/;
const NIL_STAMP_RE = /^<\d{1,3}>\d{1,2} - /;

/** Splits one line, or undefined when it has no syslog header (see `whyNotSyslog`). */
export function splitSyslogLine(line: string): SyslogHeader | undefined {
  const c = line.charCodeAt(0);
  // A digit or `<PRI>1 2026-`: ISO forms (short-unix when no `-` follows the year); a letter or
  // `<PRI>Mar`: RFC 3164, else short-full (a weekday is no month).
  if (isDigit(c)) return line.charCodeAt(4) === 45 ? splitIso(line) : splitShortUnix(line);
  if (c === 60 && isDigit(line.charCodeAt(line.indexOf('>') + 1))) return splitIso(line);
  return splitRfc3164(line) ?? splitShortFull(line);
}

/** A header object a line reader fills again for every line (see `splitSyslogLineInto`). */
export function scratchHeader(): SyslogHeader {
  return { form: 'rfc3164', stamp: NO_STAMP, pri: undefined, host: undefined, program: undefined, pid: undefined, msgid: undefined, structuredData: undefined, message: '' };
}

const NO_STAMP: SyslogStamp = { kind: 'no-year', month: 1, day: 1, clock: { hour: 0, minute: 0, second: 0, micro: 0 }, text: '' };

/**
 * `splitSyslogLine`, with an RFC 3164 line's header written into `scratch` (from
 * `scratchHeader`) instead of a new object: the line loop's hot path, where the header is
 * read and dropped before the next line. Other forms still get their own object.
 */
export function splitSyslogLineInto(line: string, scratch: SyslogHeader): SyslogHeader | undefined {
  const c = line.charCodeAt(0);
  if (isDigit(c)) return line.charCodeAt(4) === 45 ? splitIso(line) : splitShortUnix(line);
  if (c === 60 && isDigit(line.charCodeAt(line.indexOf('>') + 1))) return splitIso(line);
  scratch.pri = scratch.host = scratch.program = scratch.pid = scratch.msgid = scratch.structuredData = undefined;
  return splitRfc3164(line, scratch) ?? splitShortFull(line);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * RFC 3164 stamp by char codes: the language of
 * `/^(?:<(\d{1,3})>)?([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(?: +|$)/`
 * without a match array and five substrings per line. This and the stamp cache below are most of what made syslog reading 1M lines/s.
 */
export function splitRfc3164(line: string, into?: SyslogHeader): SyslogHeader | undefined {
  let i = 0;
  let pri: number | undefined;
  if (line.charCodeAt(0) === 60 /* < */) {
    pri = 0;
    for (i = 1; i <= 4; i++) {
      const c = line.charCodeAt(i);
      if (c === 62 /* > */) break;
      if (c < 48 || c > 57 || i === 4) return undefined;
      pri = pri * 10 + c - 48;
    }
    if (i === 1) return undefined;
    i++;
  }
  const stampStart = i;
  let stamp: SyslogStamp;
  let end: number;
  const cached = lastStamp;
  if (cached !== undefined && line.startsWith(cached.text, i) && afterStamp(line, i + cached.text.length)) {
    // Bursts share a stamp: a line with the same stamp text as the line before reuses it.
    stamp = cached;
    end = i + cached.text.length;
  } else {
    const month = monthOfCodes(line.charCodeAt(i), line.charCodeAt(i + 1), line.charCodeAt(i + 2));
    if (month === 0) return undefined;
    i += 3;
    if (line.charCodeAt(i) !== 32) return undefined;
    i++;
    if (line.charCodeAt(i) === 32) i++;
    let day = digit(line.charCodeAt(i));
    if (day < 0) return undefined;
    i++;
    const d2 = digit(line.charCodeAt(i));
    if (d2 >= 0) {
      day = day * 10 + d2;
      i++;
    }
    if (line.charCodeAt(i) !== 32 || day < 1 || day > 31) return undefined;
    i++;
    const hour = twoDigits(line, i);
    const minute = twoDigits(line, i + 3);
    const second = twoDigits(line, i + 6);
    if (hour < 0 || minute < 0 || second < 0 || line.charCodeAt(i + 2) !== 58 || line.charCodeAt(i + 5) !== 58) return undefined;
    if (hour > 23 || minute > 59 || second > 60) return undefined;
    i += 8;
    let micro = 0;
    if (line.charCodeAt(i) === 46 /* . */) {
      let n = 0;
      let scale = 100_000;
      for (i++; n < 7; n++, i++) {
        const c = digit(line.charCodeAt(i));
        if (c < 0) break;
        micro += c * scale;
        scale /= 10;
      }
      if (n === 0 || n > 6) return undefined;
      micro = Math.round(micro);
    }
    if (!afterStamp(line, i)) return undefined;
    end = i;
    stamp = { kind: 'no-year', month, day, clock: { hour, minute, second, micro }, text: line.slice(stampStart, end) };
    lastStamp = stamp;
  }
  // `<PRI>` is part of the stamp text, as RFC3164_RE's m[0] had it.
  if (pri !== undefined) stamp = { ...stamp, text: line.slice(0, end) };
  let start = end;
  while (line.charCodeAt(start) === 32) start++;
  let header: SyslogHeader;
  if (into) {
    header = into;
    header.form = 'rfc3164';
    header.stamp = stamp;
    header.message = '';
  } else header = { form: 'rfc3164', stamp, message: '' };
  if (pri !== undefined) header.pri = pri;
  splitHostAndTag(line, start, header);
  return header;
}

/** The last RFC 3164 stamp read (any file): consecutive lines mostly share it. */
let lastStamp: (SyslogStamp & { kind: 'no-year' }) | undefined;

/** A stamp ends at a space or the end of the line. */
function afterStamp(line: string, i: number): boolean {
  return i === line.length || line.charCodeAt(i) === 32;
}

function digit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : -1;
}

function twoDigits(line: string, i: number): number {
  const a = digit(line.charCodeAt(i));
  const b = digit(line.charCodeAt(i + 1));
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** English month abbreviation, any case, to 1..12; 0 otherwise (monthNumber by char codes). */
function monthOfCodes(a: number, b: number, c: number): number {
  if (!isLetter(a) || !isLetter(b) || !isLetter(c)) return 0;
  return MONTH_KEYS.get(((a | 32) << 16) | ((b | 32) << 8) | (c | 32)) ?? 0;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const MONTH_KEYS = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, k) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), k + 1]),
);

export function splitIso(line: string): SyslogHeader | undefined {
  if (NIL_STAMP_RE.test(line)) return undefined;
  const m = ISO_RE.exec(line);
  if (!m) return undefined;
  const clock = parseClock(m[6].replace(',', '.'));
  if (!clock) return undefined;
  const wall: WallClock = { year: Number(m[3]), month: Number(m[4]), day: Number(m[5]), ...clock };
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31) return undefined;
  let offsetMinutes: number | undefined;
  const zone = m[7];
  if (zone !== undefined) {
    if (zone === 'Z' || zone === 'z') offsetMinutes = 0;
    else {
      const digits = zone.replace(':', '');
      const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || '0');
      offsetMinutes = zone[0] === '-' ? -minutes : minutes;
    }
  }
  const stamp: SyslogStamp = { kind: 'dated', wall, offsetMinutes, text: m[0].trimEnd() };
  const start = m[0].length;
  if (m[2] !== undefined) {
    // `<PRI>VERSION `: only RFC 5424 has a version.
    const header: SyslogHeader = { form: 'rfc5424', stamp, pri: Number(m[1]), message: '' };
    return splitRfc5424Fields(line, start, header) ? header : undefined;
  }
  const form: SyslogForm =
    zone === undefined ? 'iso-local' : zone.length === 5 && zone.indexOf(':') < 0 ? 'short-iso' : 'rfc3339';
  const header: SyslogHeader = { form, stamp, message: '' };
  if (m[1] !== undefined) {
    header.pri = Number(m[1]);
    splitHostAndTag(line, start, header);
    return header;
  }
  // rsyslog's file forms: a traditional `host tag: msg` after the stamp, or RFC 5424
  // fields with the `<PRI>1 ` left off. A tag ends in `:` (or `[pid]`), 5424's APP never does.
  const hostEnd = line.indexOf(' ', start);
  if (hostEnd > start) {
    const tagEnd = line.indexOf(' ', hostEnd + 1);
    const tag = line.slice(hostEnd + 1, tagEnd < 0 ? line.length : tagEnd);
    if (!isTagToken(tag)) {
      const as5424: SyslogHeader = { form: 'rfc5424', stamp, message: '' };
      if (splitRfc5424Fields(line, start, as5424)) return as5424;
    }
  }
  splitHostAndTag(line, start, header);
  return header;
}

// journalctl's `-o short-unix` and `-o short-full` stamps (systemd 252 seen): no fraction in
// short-full, six digits in short-unix; the zone as tzdata abbreviates it (letters, or the
// offset as `+04`, `+0530` for zones without letters).
const SHORT_UNIX_RE = /^(\d{1,11})\.(\d{6})(?: +|$)/;
const SHORT_FULL_RE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2}) ([A-Za-z]{3,6}|[+-]\d{2}(?:\d{2})?)(?: +|$)/;

/** journalctl `-o short-unix`: `1764619262.000000 host tag: msg`. */
export function splitShortUnix(line: string): SyslogHeader | undefined {
  const m = SHORT_UNIX_RE.exec(line);
  if (!m) return undefined;
  const stamp: SyslogStamp = { kind: 'instant', micros: Number(m[1]) * MICROS_PER_SECOND + Number(m[2]), text: m[0].trimEnd() };
  const header: SyslogHeader = { form: 'short-unix', stamp, message: '' };
  splitHostAndTag(line, m[0].length, header);
  return header;
}

/** journalctl `-o short-full`: `Mon 2025-12-01 15:01:02 EST host tag: msg`; the weekday is not checked (the date says enough). */
export function splitShortFull(line: string): SyslogHeader | undefined {
  const m = SHORT_FULL_RE.exec(line);
  if (!m) return undefined;
  const clock = parseClock(m[4]);
  if (!clock) return undefined;
  const wall: WallClock = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), ...clock };
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31) return undefined;
  const stamp: SyslogStamp = { kind: 'dated', wall, abbreviation: m[5], text: m[0].trimEnd() };
  const header: SyslogHeader = { form: 'short-full', stamp, message: '' };
  splitHostAndTag(line, m[0].length, header);
  return header;
}

/** Host and tag after an RFC 3164 / RFC 3339 stamp; `start` is the index after the stamp. */
function splitHostAndTag(line: string, start: number, header: SyslogHeader): void {
  let i = start;
  // sendmail setups that log `<mail.notice>` (facility.level) between the stamp and the host.
  if (line.charCodeAt(i) === 60 /* < */) {
    const close = line.indexOf('> ', i);
    if (close > 0 && /^<[a-z0-9]+\.[a-z]+$/.test(line.slice(i, close))) i = close + 2;
  }
  // A file's lines mostly repeat the host and often the tag of the line before: compared in
  // place, the previous strings are reused instead of sliced again.
  const host = lastHost;
  if (host !== undefined && line.charCodeAt(i + host.length) === 32 && line.startsWith(host, i)) {
    header.host = host;
    i += host.length + 1;
  } else {
    let sp = line.indexOf(' ', i);
    const first = sp < 0 ? line.slice(i) : line.slice(i, sp);
    if (first === '---') {
      // `Mar 24 14:26:01 --- last message repeated 2 times ---`: syslogd's own line, no host.
      header.message = trimEnd(line, i);
      return;
    }
    if (isTagToken(first)) {
      setTag(first, header);
      header.message = sp < 0 ? '' : trimEnd(line, sp + 1);
      return;
    }
    if (first.length > 0) {
      header.host = first;
      lastHost = first;
    }
    if (sp < 0) return;
    i = sp + 1;
  }
  // The tag is read in place: its program string comes from a small cache (a file has a
  // few programs and a new pid on many lines), so a line costs no token slices.
  const sp = line.indexOf(' ', i);
  const end = sp < 0 ? line.length : sp;
  if (!setTagAt(line, i, end, header)) {
    splitUntagged(line, i, sp, header);
    return;
  }
  header.message = sp < 0 ? '' : trimEnd(line, sp + 1);
}

/**
 * The rest of a line whose word after the host, line[i, sp), is no tag: the message, or,
 * after busybox syslogd's `facility.level`, the tag and message. Kept out of
 * splitHostAndTag so that hot function stays small.
 */
function splitUntagged(line: string, i: number, sp: number, header: SyslogHeader): void {
  if (sp > 0 && isBusyboxPriority(line, i, sp)) {
    // Skipped, not kept as `pri`: that is the `<PRI>` the line starts with, which it has not.
    i = sp + 1;
    const next = line.indexOf(' ', i);
    if (setTagAt(line, i, next < 0 ? line.length : next, header)) {
      header.message = next < 0 ? '' : trimEnd(line, next + 1);
      return;
    }
  }
  header.message = trimEnd(line, i);
}

/**
 * busybox syslogd (1.35, without -S) writes `host facility.level tag: msg`, names as glibc's
 * tables give them (`ftp.info`, `auth.err`, `local3.warn`), `<PRI>` for facilities without a
 * name (ntp and above). Whether token line[from, to) is one.
 */
function isBusyboxPriority(line: string, from: number, to: number): boolean {
  if (line.charCodeAt(from) === 60 /* < */) return to - from <= 5 && line.charCodeAt(to - 1) === 62 && allDigits(line, from + 1, to - 1);
  const dot = line.indexOf('.', from);
  return dot > from && dot < to && FACILITIES.has(line.slice(from, dot)) && LEVELS.has(line.slice(dot + 1, to));
}

const FACILITIES = new Set(['kern', 'user', 'mail', 'daemon', 'auth', 'security', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp']);
for (let k = 0; k < 8; k++) FACILITIES.add(`local${k}`);
const LEVELS = new Set(['emerg', 'panic', 'alert', 'crit', 'err', 'error', 'warn', 'warning', 'notice', 'info', 'debug']);

/** The host of the last line split (any file). */
let lastHost: string | undefined;

/** Programs of recent lines (any file), reused instead of sliced again; a ring of 16. */
const recentPrograms: string[] = [];
let nextProgramSlot = 0;

/** The slot of the last program found in the ring: lines of one daemon come in runs. */
let lastProgramSlot = 0;

/** line.slice(from, to), the cached string when a recent line had the same program. */
function programAt(line: string, from: number, to: number): string {
  const n = to - from;
  const last = recentPrograms[lastProgramSlot];
  if (last !== undefined && last.length === n && line.startsWith(last, from)) return last;
  for (let k = 0; k < recentPrograms.length; k++) {
    const p = recentPrograms[k];
    if (p.length === n && line.startsWith(p, from)) {
      lastProgramSlot = k;
      return p;
    }
  }
  const program = line.slice(from, to);
  lastProgramSlot = nextProgramSlot;
  recentPrograms[nextProgramSlot] = program;
  nextProgramSlot = (nextProgramSlot + 1) & 15;
  return program;
}

/**
 * When line[from, to) is a tag (`isTagToken` without the slice), `setTag` on it without the
 * slices but the program's, and true; false otherwise, `header` untouched. One pass: the
 * `[pid]` is read once for both.
 */
function setTagAt(line: string, from: number, to: number, header: SyslogHeader): boolean {
  if (to - from < 2) return false;
  let end = to;
  const last = line.charCodeAt(to - 1);
  if (last === 58 /* : */) end = to - 1;
  else if (last !== 93 /* ] */) return false;
  if (line.charCodeAt(end - 1) === 93 /* ] */) {
    // Digits back to the `[`: the pid, when there is one (`lastIndexOf('[')` and allDigits in one).
    let k = end - 2;
    let c = line.charCodeAt(k);
    while (k > from && c >= 48 && c <= 57) c = line.charCodeAt(--k);
    if (c === 91 /* [ */ && k > from && k < end - 2) {
      let pid = 0;
      for (let d = k + 1; d < end - 1; d++) pid = pid * 10 + line.charCodeAt(d) - 48;
      header.pid = pid;
      end = k;
    } else if (last === 93) {
      return false;
    }
  }
  if (end > from) header.program = programAt(line, from, end);
  return true;
}

/** line.slice(from).trimEnd(), without the second string when nothing trails. */
function trimEnd(line: string, from: number): string {
  const last = line.charCodeAt(line.length - 1);
  return last > 32 || line.length <= from ? line.slice(from) : line.slice(from).trimEnd();
}

/**
 * RFC 3164 TAG: ends with `:`, e.g. `logrotate:`, `postfix/smtpd[123]:`,
 * `pam_unix(vsftpd:auth):`; proftpd's `proftpd[12345]` without a colon counts too.
 */
function isTagToken(token: string): boolean {
  const n = token.length;
  if (n < 2) return false;
  const last = token.charCodeAt(n - 1);
  if (last === 58 /* : */) return true;
  if (last === 93 /* ] */) {
    const open = token.lastIndexOf('[');
    return open > 0 && allDigits(token, open + 1, n - 1);
  }
  return false;
}

/** Whether token[from, to) is one or more ASCII digits. */
function allDigits(token: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k++) if (digit(token.charCodeAt(k)) < 0) return false;
  return true;
}

function setTag(token: string, header: SyslogHeader): void {
  let tag = token.charCodeAt(token.length - 1) === 58 ? token.slice(0, -1) : token;
  if (tag.charCodeAt(tag.length - 1) === 93 /* ] */) {
    const open = tag.lastIndexOf('[');
    if (open > 0 && allDigits(tag, open + 1, tag.length - 1)) {
      let pid = 0;
      for (let k = open + 1; k < tag.length - 1; k++) pid = pid * 10 + tag.charCodeAt(k) - 48;
      header.pid = pid;
      tag = tag.slice(0, open);
    }
  }
  if (tag.length > 0) header.program = tag;
}

/** RFC 5424 `HOST APP PROCID MSGID SD [MSG]` from `start`; false when the fields are not there. */
function splitRfc5424Fields(line: string, start: number, header: SyslogHeader): boolean {
  const fields: string[] = [];
  let i = start;
  for (let k = 0; k < 4; k++) {
    const sp = line.indexOf(' ', i);
    if (sp <= i) return false;
    fields.push(line.slice(i, sp));
    i = sp + 1;
  }
  const sdEnd = skipStructuredData(line, i);
  if (sdEnd === undefined || (sdEnd < line.length && line.charCodeAt(sdEnd) !== 32)) return false;
  const [host, app, procid, msgid] = fields;
  if (host !== '-') header.host = host;
  if (app !== '-') header.program = app;
  if (/^\d+$/.test(procid)) header.pid = Number(procid);
  if (msgid !== '-') header.msgid = msgid;
  if (line.charCodeAt(i) === 91 /* [ */) header.structuredData = line.slice(i, sdEnd);
  let msg = sdEnd < line.length ? line.slice(sdEnd + 1) : '';
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1); // the UTF-8 BOM RFC 5424 puts before MSG
  // rsyslog's msg of a local (RFC 3164) message keeps the space after `tag:`, so its
  // RSYSLOG_SyslogProtocol23Format writes `- -  msg`: that space is not the program's.
  else if (msg.charCodeAt(0) === 32) msg = msg.slice(1);
  header.message = msg.trimEnd();
  return true;
}

/**
 * Index just after STRUCTURED-DATA at `i` (`-` or `[id k="v"]...`), or undefined when malformed.
 * Inside a quoted PARAM-VALUE, `\"`, `\\` and `\]` are escapes and `]` does not close.
 */
export function skipStructuredData(line: string, i: number): number | undefined {
  const c = line.charCodeAt(i);
  if (c === 45 /* - */) return i + 1;
  if (c !== 91) return undefined;
  while (line.charCodeAt(i) === 91) {
    let quoted = false;
    for (i++; i < line.length; i++) {
      const ch = line.charCodeAt(i);
      if (quoted) {
        if (ch === 92 /* \ */) i++;
        else if (ch === 34 /* " */) quoted = false;
      } else if (ch === 34) quoted = true;
      else if (ch === 93 /* ] */) break;
    }
    if (i >= line.length) return undefined;
    i++;
  }
  return i;
}

/** Why a line has no syslog header: the reason reported in its ParseIssue. */
export function whyNotSyslog(line: string): string {
  if (line.trim() === '') return 'empty line';
  if (NIL_STAMP_RE.test(line)) return 'RFC 5424 line with a nil (-) time stamp';
  const word = /^(?:<\d{1,3}>)?(\S+) +\d{1,2} \d{2}:\d{2}:\d{2}/.exec(line);
  if (word && monthNumber(word[1]) === undefined) return `no syslog header: '${word[1]}' is not an English month name`;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d/.test(line)) return 'no syslog header: ISO date not followed by a valid clock and host';
  if (/^[\w./()-]+(\[\d+\])?: /.test(line)) return 'no syslog time stamp (the line starts with the program tag)';
  if (isShortMonotonicLine(line)) return `journalctl -o short-monotonic line: ${MONOTONIC_NO_TIME}`;
  return "no syslog header (expected 'Mmm dd hh:mm:ss host tag: msg' or an ISO 8601 stamp)";
}

/** journalctl `-o short-monotonic`'s `[    0.001000] host tag: msg`: seconds since boot. */
export function isShortMonotonicLine(line: string): boolean {
  return line.charCodeAt(0) === 91 /* [ */ && /^\[ *\d+\.\d{6}\] \S+ /.test(line);
}

export const MONOTONIC_NO_TIME = 'seconds since boot, no wall-clock time to put on the timeline: print the journal with -o short-iso';

/** Whether a line has an RFC 3164 (yearless) header. */
export function isRfc3164Line(line: string): boolean {
  return splitRfc3164(line) !== undefined;
}

/** Last message repeats: `last message repeated 4 times`, rsyslog's `message repeated 4 times: [...]`. */
export function repeatCount(message: string): number | undefined {
  // Asked of every line: only `l`, `m` and `-` can start one, so the rest skip the regex.
  const c = message.charCodeAt(0);
  if (c !== 108 && c !== 109 && c !== 45) return undefined;
  const m = /^(?:--- )?(?:last )?message repeated (\d+) times?(?: ---|:|$)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

function offsetZone(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * Puts one file's stamps on the UTC timeline. RFC 3164 stamps go through one YearResolver
 * (so a file crossing New Year moves on a year) in the context's zone; zoned stamps are
 * exact; ISO stamps without a zone are taken in the context's zone, and so are the zone
 * abbreviations of journalctl short-full.
 */
export class SyslogClock {
  private years?: YearResolver;
  private hourKey = -1;
  private hourBase: Micros = 0;
  private hourEven = false;
  private lastText = '';
  private lastMicros: Micros = 0;
  /** Local midnight of fixed-offset days already converted: one luxon call per day, not per line. */
  private midnights = new Map<string, Micros>();
  /** Latest dated stamp, a year anchor for RFC 3164 lines in a file whose head was all ISO. */
  private lastDated?: Micros;
  /** Zone-less dated stamps (ISO without offset, vsftpd.log, xferlog): one luxon call per hour. */
  private zoned?: ZonedClock;
  /** The minute and abbreviation of the last short-full stamp and its offset (or why it has none). */
  private abbreviationKey = '';
  private abbreviationOffset: number | StampError = 0;
  /** Set when the year of RFC 3164 stamps had to come from `fallbackAnchor` or the file's dated lines. */
  anchorNote?: string;

  constructor(
    private readonly ctx: TimeContext,
    private readonly fallbackAnchor?: { micros: Micros; source: string },
  ) {}

  /**
   * UTC microseconds; throws RangeError for a date that does not exist (Feb 30), StampError
   * (its message the reason) for a short-full stamp that does not fit the context's zone.
   */
  toMicros(stamp: SyslogStamp): Micros {
    // Bursts share a stamp: the same text gives the same instant (YearResolver included).
    if (stamp.text === this.lastText) return this.lastMicros;
    const us =
      stamp.kind === 'no-year'
        ? this.noYear(stamp.month, stamp.day, stamp.clock)
        : stamp.kind === 'instant'
          ? (this.lastDated = stamp.micros)
          : this.dated(stamp.wall, stamp.abbreviation === undefined ? stamp.offsetMinutes : this.abbreviated(stamp.wall, stamp.abbreviation));
    this.lastText = stamp.text;
    this.lastMicros = us;
    return us;
  }

  private noYear(month: number, day: number, clock: ClockParts): Micros {
    if (!this.years) {
      let ctx = this.ctx;
      if (ctx.year === undefined && ctx.anchor === undefined) {
        if (this.lastDated !== undefined) {
          ctx = { ...ctx, anchor: this.lastDated };
          this.anchorNote = 'year of RFC 3164 lines taken from the dated lines before them';
        } else if (this.fallbackAnchor) {
          ctx = { ...ctx, anchor: this.fallbackAnchor.micros };
          this.anchorNote = `year of RFC 3164 lines taken from ${this.fallbackAnchor.source}`;
        } else {
          throw new TimeContextError('no year for yearless syslog stamps', 'pass --year YYYY');
        }
      }
      this.years = new YearResolver(ctx);
    }
    // One YearResolver call per hour, not per line: within an hour whose wall clock runs
    // evenly (checked once, against the hour's last second) the rest is arithmetic. Hours
    // broken by a zone change go through the resolver line by line.
    const key = (month * 32 + day) * 24 + clock.hour;
    if (key !== this.hourKey) {
      this.hourKey = key;
      this.hourBase = this.years.resolve(month, day, { hour: clock.hour, minute: 0, second: 0, micro: 0 });
      const year = microsToLocalDate(this.hourBase, this.ctx.zone).year;
      const lastSecond = wallClockToMicros({ year, month, day, hour: clock.hour, minute: 59, second: 59, micro: 0 }, this.ctx.zone);
      this.hourEven = lastSecond - this.hourBase === 3599 * MICROS_PER_SECOND;
    }
    if (!this.hourEven || clock.minute > 59 || clock.second > 59) return this.years.resolve(month, day, clock);
    return this.hourBase + (clock.minute * 60 + clock.second) * MICROS_PER_SECOND + clock.micro;
  }

  /** The offset a short-full abbreviation stands for: one luxon look-up per minute (no zone changes within one). */
  private abbreviated(wall: WallClock, abbreviation: string): number {
    const key = `${wall.year}-${wall.month}-${wall.day} ${wall.hour}:${wall.minute} ${abbreviation}`;
    if (key !== this.abbreviationKey) {
      this.abbreviationKey = key;
      try {
        this.abbreviationOffset = abbreviatedOffset({ ...wall, second: 0, micro: 0 }, abbreviation, this.ctx.zone);
      } catch (error) {
        if (!(error instanceof StampError)) throw error;
        this.abbreviationOffset = error;
      }
    }
    if (this.abbreviationOffset instanceof StampError) throw this.abbreviationOffset;
    return this.abbreviationOffset;
  }

  private dated(wall: WallClock, offsetMinutes: number | undefined): Micros {
    let us: Micros;
    if (offsetMinutes === undefined) {
      this.zoned ??= new ZonedClock(this.ctx.zone);
      us = this.zoned.toMicros(wall);
    } else {
      if (wall.hour > 23 || wall.minute > 59 || wall.second > 60) throw new RangeError(`invalid clock in ${JSON.stringify(wall)}`);
      const key = `${wall.year}-${wall.month}-${wall.day}${offsetMinutes}`;
      let midnight = this.midnights.get(key);
      if (midnight === undefined) {
        midnight = wallClockToMicros({ ...wall, hour: 0, minute: 0, second: 0, micro: 0 }, offsetZone(offsetMinutes));
        this.midnights.set(key, midnight);
      }
      us = midnight + ((wall.hour * 60 + wall.minute) * 60 + wall.second) * MICROS_PER_SECOND + wall.micro;
    }
    this.lastDated = us;
    return us;
  }
}
