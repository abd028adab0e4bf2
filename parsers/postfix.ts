// postfix through syslog: programs `postfix/<daemon>` and the instance forms
// `postfix-submission/smtpd`, `postfix/smtps/smtpd`, `postfix-smo/submission/smtpd`
// (the daemon is the tag's last part).
//
// A bare instance name (`postfix`, `postfix-out`) is postfix too: rsyslog's RFC 5424 template
// (RSYSLOG_SyslogProtocol23Format) writes the APP-NAME up to the tag's first `/`, so
// `postfix/smtpd[123]:` becomes `postfix 123` (test/fixtures/logs/rsyslog-protocol23-postfix.log).
// Such a line is read as any other and its daemon told from the message's shape:
//      smtpd    connect, disconnect, `QID: client=`, reject (NOQUEUE or not), SASL failure, lost connection
//      cleanup  `QID: message-id=`, and a milter's `reject: END-OF-MESSAGE` (cleanup holds the body)
//      pickup   `QID: uid=N from=<a>`            qmgr  `QID: from=<a>, size=`, `QID: removed`, `status=expired`
//      bounce   `QID: sender ... notification: NEWQID`
//      a `QID: to=<b>` line by its relay: `relay=local` local, `relay=virtual` virtual,
//               `host[private/socket]` or `host[ip]:24` lmtp, `(delivered via X service)` pipe,
//               any other `host[ip]:port` smtp
// Anything else (master's and postfix-script's lines, warnings, `relay=none`, which smtp, error
// and discard all write) gets no daemon rather than a guess; it stays a mail event, and with a
// queue id it still joins its message. A `postfix/<daemon>` line pays nothing for this.
//
// Two kinds of events, both emitted:
// 1. One event per line, service 'mail' (nothing is lost: NOQUEUE rejects, SASL failures
//    and connects have no queue id and would vanish from a join-only reader, and every line
//    keeps its own origin for `--verbose` and the timeline):
//      smtpd   `connect from host[ip]`                         connect       (client, client_host)
//              `disconnect from host[ip] ...`                  disconnect
//              `QID: client=host[ip][, sasl_method=, sasl_username=]`  accepted (client, user)
//              `NOQUEUE: reject: RCPT from host[ip]: 554 ...; from=<> to=<>`  reject (client, from, to, reason)
//              `warning: host[ip]: SASL LOGIN authentication failed: ...`      login-failed (client)
//              `lost connection after X from host[ip]`         lost-connection
//      pickup  `QID: uid=0 from=<root>`                        pickup        (from)
//      cleanup `QID: message-id=<...>`                         cleanup       (message_id)
//      qmgr    `QID: from=<a>, size=N, nrcpt=K (queue active)` queued        (from, size, nrcpt)
//              `QID: from=<a>, status=expired, returned to sender`         expired
//              `QID: removed`                                  removed
//      smtp, lmtp, local, virtual, pipe, error, discard
//              `QID: to=<b>, [orig_to=<>,] relay=h[ip]:25, delay=D, delays=a/b/c/d, dsn=X, status=S (text)`
//                                                              sent | deferred | bounced | expired | ... (status)
//      bounce  `QID: sender non-delivery notification: NEWQID` bounce        (bounce_id)
//    Every queue-id line has `queue_id`. Per-line events carry no `bytes`, so rules that add up
//    bytes count a message once, on its delivery event. A `sent` line to an address (relay_ip)
//    carries the message's `size` once per transaction: the leg out (see PostfixJoin.sizeLeg).
// 2. One `delivery` event per message, joined by queue id (mail-queue.ts), at its `removed`
//    line (or cut off, with incomplete=1): queue_id, from, to (comma-joined), nrcpt, size and
//    bytes, client, client_host, user, message_id, relay, relay_ip, status (each distinct
//    status, comma-joined), delay (the largest), lines (every contributing line number),
//    bounce_of / bounce_id (a bounce's new queue id names the old one), relayed_as (the
//    next hop's queue id from `250 2.0.0 Ok: queued as X`). Its time is its last line's, its
//    origin its first line's.
import type { FieldValue, LogEvent, ParseItem } from '../src/event.js';
import type { Parser } from './parser.js';
import { MailQueueJoin, type OpenMessage } from './mail-queue.js';
import { readSyslogLines, syslogTimeCompleteness } from './syslog.js';
import { splitSyslogLine, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

export interface PostfixLine {
  daemon: string;
  action?: string;
  fields: Record<string, FieldValue>;
}

/** The daemon of a postfix tag (`postfix/smtpd` -> smtpd), or undefined for other programs (and bare instance names). */
export function postfixDaemon(program: string | undefined): string | undefined {
  if (program === undefined || !program.startsWith('postfix')) return undefined;
  const slash = program.lastIndexOf('/');
  if (slash < 0) return undefined;
  if (!isPostfixInstance(program.slice(0, program.indexOf('/')))) return undefined;
  return program.slice(slash + 1);
}

/** `postfix` or `postfix-<instance>` (postmulti's names), the part of a tag before the daemon. */
function isPostfixInstance(name: string): boolean {
  return name === 'postfix' || /^postfix-[\w.-]+$/.test(name);
}

/** Whether a program is postfix's: a `postfix/<daemon>` tag or a bare instance name (see the header). */
function isPostfixProgram(program: string | undefined): boolean {
  return program !== undefined && (postfixDaemon(program) !== undefined || isPostfixInstance(program));
}

/**
 * Length of the queue id that opens `message` (`2BD192839B: ...`), 0 when it has none. Short
 * ids are hex (`2BD192839B`, 6-12 characters); long ids (enable_long_queue_ids,
 * `44JCRG5tYPzCqt2`, 12-20) use an alphabet without vowels, so no word such as `warning:` is
 * taken for one. The language of
 * `/^([0-9A-F]{6,12}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,20}): /`, by char codes.
 */
export function queueIdLength(message: string): number {
  let hex = true;
  let long = true;
  let n = 0;
  for (; n <= 20; n++) {
    const c = message.charCodeAt(n);
    if (c >= 48 && c <= 57) continue;
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    if (!upper && !lower) break;
    if (!upper || c > 70) hex = false;
    if (VOWELS[c & ~32] === 1) long = false;
  }
  if (message.charCodeAt(n) !== 58 /* : */ || message.charCodeAt(n + 1) !== 32) return 0;
  return (hex && n >= 6 && n <= 12) || (long && n >= 12 && n <= 20) ? n : 0;
}

const VOWELS = new Uint8Array(128);
for (const c of 'AEIOU') VOWELS[c.charCodeAt(0)] = 1;

/**
 * Scans the `key=value` list at `text[from..]` (see parseKeyValues) into `spans`, four
 * indices a pair: key start, key end, value start, value end. Returns where the `(...)`
 * comment starts (after the `(`), or -1. Indices only, so the hot path slices just the
 * values it keeps.
 */
function scanPairs(text: string, from: number, spans: number[]): number {
  spans.length = 0;
  let i = from;
  const n = text.length;
  while (i < n) {
    let c = text.charCodeAt(i);
    while (c === 32 || c === 44 /* , */) c = text.charCodeAt(++i);
    if (i >= n) break;
    if (c === 40 /* ( */) return i + 1;
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    if (!isKeyWord(text, i, eq)) {
      // Free text between pairs (`returned to sender`): skip a word.
      const sp = text.indexOf(' ', i);
      if (sp < 0) break;
      i = sp + 1;
      continue;
    }
    let j = eq + 1;
    let valueStart: number;
    let valueEnd: number;
    if (text.charCodeAt(j) === 60 /* < */) {
      const close = text.indexOf('>', j);
      valueStart = j + 1;
      valueEnd = close < 0 ? n : close;
      j = close < 0 ? n : close + 1;
    } else {
      let k = j;
      for (let ch = text.charCodeAt(k); k < n && ch !== 44 && ch !== 32; ch = text.charCodeAt(++k));
      valueStart = j;
      valueEnd = k;
      j = k;
    }
    spans.push(i, eq, valueStart, valueEnd);
    i = j;
  }
  return -1;
}

/** Whether text[from, to) matches `^[\w-]+$`. */
function isKeyWord(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45)) return false;
  }
  return true;
}

/**
 * `key=value` lists as postfix writes them, comma- or space-separated; values in `<>` may hold
 * anything but `>`. A `(...)` after a value (`status=sent (250 ok)`, `nrcpt=1 (queue active)`)
 * ends the list: it is kept as `comment`.
 */
export function parseKeyValues(text: string): { values: Record<string, string>; comment?: string } {
  const spans: number[] = [];
  const commentAt = scanPairs(text, 0, spans);
  const values: Record<string, string> = {};
  for (let k = 0; k < spans.length; k += 4) values[text.slice(spans[k], spans[k + 1])] = text.slice(spans[k + 2], spans[k + 3]);
  const result: { values: Record<string, string>; comment?: string } = { values };
  if (commentAt >= 0) result.comment = commentOf(text, commentAt);
  return result;
}

/** The `(...)` comment from just after its `(`: to a closing `)` at the end, or to the end. */
function commentOf(text: string, at: number): string {
  return text.slice(at, text.charCodeAt(text.length - 1) === 41 /* ) */ ? text.length - 1 : text.length);
}

/**
 * The values of the keys postfix's queue-id lines use, read from one scan: each slot holds
 * the value's span in the text (start, end), -1 when the key is absent; a key given twice
 * keeps its last value, as parseKeyValues does.
 */
const KEY_SLOTS = ['client', 'sasl_method', 'sasl_username', 'message-id', 'from', 'size', 'nrcpt', 'to', 'orig_to', 'relay', 'delay', 'delays', 'dsn', 'status', 'uid'] as const;
type KeySlot = (typeof KEY_SLOTS)[number];
/** Slot numbers by name (KeySlot checks the names when compiled): PairSlots reads by index, no lookup per value. */
const slot = (key: KeySlot): number => KEY_SLOTS.indexOf(key);
const CLIENT = slot('client'), SASL_METHOD = slot('sasl_method'), SASL_USERNAME = slot('sasl_username'), MESSAGE_ID = slot('message-id');
const FROM = slot('from'), SIZE = slot('size'), NRCPT = slot('nrcpt'), TO = slot('to'), ORIG_TO = slot('orig_to'), RELAY = slot('relay');
const DELAY = slot('delay'), DELAYS = slot('delays'), DSN = slot('dsn'), STATUS = slot('status'), UID = slot('uid');
/**
 * A key's slot by its length and first char (no two of the keys share both), so a key is
 * found without slicing it: one table read and one startsWith. -1: not a key kept.
 */
const MAX_KEY = 16;
const SLOT_BY_START = new Int8Array(MAX_KEY * 128).fill(-1);
for (const [i, k] of KEY_SLOTS.entries()) {
  const at = k.length * 128 + k.charCodeAt(0);
  if (SLOT_BY_START[at] >= 0) throw new Error(`postfix keys ${k} and ${KEY_SLOTS[SLOT_BY_START[at]]} share a length and first char`);
  SLOT_BY_START[at] = i;
}

class PairSlots {
  readonly starts = new Int32Array(KEY_SLOTS.length);
  readonly ends = new Int32Array(KEY_SLOTS.length);
  private readonly spans: number[] = [];
  text = '';
  commentAt = -1;

  read(text: string, from: number): void {
    this.text = text;
    this.starts.fill(-1);
    this.commentAt = scanPairs(text, from, this.spans);
    const spans = this.spans;
    for (let k = 0; k < spans.length; k += 4) {
      const ks = spans[k];
      const len = spans[k + 1] - ks;
      const c = text.charCodeAt(ks);
      if (len >= MAX_KEY || c >= 128) continue;
      const slot = SLOT_BY_START[len * 128 + c];
      if (slot >= 0 && text.startsWith(KEY_SLOTS[slot], ks)) {
        this.starts[slot] = spans[k + 2];
        this.ends[slot] = spans[k + 3];
      }
    }
  }

  has(slot: number): boolean {
    return this.starts[slot] >= 0;
  }

  get(slot: number): string | undefined {
    const start = this.starts[slot];
    return start < 0 ? undefined : this.text.slice(start, this.ends[slot]);
  }

  /** The value as a number when it is `\d+` (or `\d+(\.\d+)?` with `decimal`), else undefined. */
  number(slot: number, decimal = false): number | undefined {
    const start = this.starts[slot];
    if (start < 0) return undefined;
    return decimalAt(this.text, start, this.ends[slot], decimal);
  }
}

/** text[from, to) as a number when it matches `^\d+$` (`^\d+(\.\d+)?$` with `fraction`). */
function decimalAt(text: string, from: number, to: number, fraction: boolean): number | undefined {
  let k = from;
  let value = 0;
  for (; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) break;
    value = value * 10 + c - 48;
  }
  if (k === from) return undefined;
  // Past 15 digits the sum above can round differently from Number().
  if (k === to) return k - from > 15 ? Number(text.slice(from, to)) : value;
  if (!fraction || text.charCodeAt(k) !== 46 || k + 1 === to) return undefined;
  for (let d = k + 1; d < to; d++) {
    const c = text.charCodeAt(d);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(text.slice(from, to));
}

/**
 * End of `\S+\[[^\]]*\](?::\d+)?` at `from` (`host[ip]`, `host[ip]:port`), or -1: the
 * address a postfix message names after `from `. Like the regex, the last `[` of the word
 * that a `]` follows.
 */
function bracketAddressEnd(text: string, from: number): number {
  let wordEnd = text.indexOf(' ', from);
  if (wordEnd < 0) wordEnd = text.length;
  for (let open = text.lastIndexOf('[', wordEnd - 1); open > from; open = text.lastIndexOf('[', open - 1)) {
    const close = text.indexOf(']', open);
    if (close < 0) continue;
    let end = close + 1;
    if (text.charCodeAt(end) === 58 /* : */) {
      let k = end + 1;
      while (isDigitCode(text.charCodeAt(k))) k++;
      if (k > end + 1) end = k;
    }
    return end;
  }
  return -1;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The field names an address is written under: constants, so no key string is built per line. */
interface AddressKeys {
  ip: string;
  host: string;
  port: string;
}
const CLIENT_KEYS: AddressKeys = { ip: 'client', host: 'client_host', port: 'client_port' };
const RELAY_KEYS: AddressKeys = { ip: 'relay', host: 'relay_host', port: 'relay_port' };

/** `splitHostAddress(text.slice(from, to))` into fields, without the intermediate strings. */
function setClientAt(fields: Record<string, FieldValue>, text: string, from: number, to: number, keys: AddressKeys = CLIENT_KEYS): boolean {
  const open = text.lastIndexOf('[', to - 1);
  if (open < from) return false;
  const close = text.indexOf(']', open);
  if (close < 0 || close >= to) return false;
  const v6 = text.startsWith('IPv6:', open + 1);
  fields[keys.ip] = text.slice(v6 ? open + 6 : open + 1, close);
  let hostStart = from;
  let hostEnd = open;
  while (hostStart < hostEnd && text.charCodeAt(hostStart) <= 32) hostStart++;
  while (hostEnd > hostStart && text.charCodeAt(hostEnd - 1) <= 32) hostEnd--;
  // As splitHostAddress: trimmed, not '' or 'unknown', one trailing dot (`mx.example.org.`) dropped.
  if (hostEnd > hostStart && !(hostEnd - hostStart === 7 && text.startsWith('unknown', hostStart))) {
    if (text.charCodeAt(hostEnd - 1) === 46 /* . */) hostEnd--;
    fields[keys.host] = text.slice(hostStart, hostEnd);
  }
  if (text.charCodeAt(close + 1) === 58 && close + 2 < to) {
    const port = decimalAt(text, close + 2, to, false);
    if (port !== undefined) fields[keys.port] = port;
  }
  return true;
}

function setClient(fields: Record<string, FieldValue>, text: string, keys: AddressKeys = CLIENT_KEYS): boolean {
  return setClientAt(fields, text, 0, text.length, keys);
}

/** Reads one postfix message (the syslog message part) of `daemon`. */
export function parsePostfixMessage(daemon: string, message: string): PostfixLine {
  const fields: Record<string, FieldValue> = {};
  const action = readPostfixMessage(daemon, message, fields);
  const line: PostfixLine = { daemon, fields };
  if (action !== undefined) line.action = action;
  return line;
}

const pairs = new PairSlots();

/**
 * Reads a postfix message into `fields` and returns its action. Dispatch is on the text's
 * first char (after the queue id): most lines are decided by one comparison, and the
 * regular expressions left run only on the rare lines they are for.
 */
function readPostfixMessage(daemon: string, message: string, fields: Record<string, FieldValue>): string | undefined {
  let at = 0;
  const qid = queueIdLength(message);
  if (qid > 0) {
    fields.queue_id = message.slice(0, qid);
    at = qid + 2;
  } else if (message.startsWith('NOQUEUE: ')) {
    at = 'NOQUEUE: '.length;
  }
  switch (message.charCodeAt(at)) {
    case 99 /* c */:
      if (message.startsWith('connect from ', at)) return connection(message, at + 'connect from '.length, fields, 'connect');
      break;
    case 100 /* d */:
      if (message.startsWith('disconnect from ', at)) return connection(message, at + 'disconnect from '.length, fields, 'disconnect');
      break;
    case 114 /* r */:
      if (message.startsWith('reject: ', at)) return reject(message.slice(at), fields);
      if (message.length - at === 7 && message.startsWith('removed', at)) return 'removed';
      break;
    case 109 /* m */:
      if (message.startsWith('milter-reject: ', at)) return reject(message.slice(at), fields);
      break;
    case 119 /* w */:
      if (message.startsWith('warning: ', at)) {
        const text = message.slice(at);
        const m = /^warning: (\S+\[[^\]]*\](?::\d+)?): SASL (\S+) authentication failed/.exec(text);
        if (m) {
          setClient(fields, m[1]);
          fields.sasl_method = m[2];
          const user = /sasl_username=(\S+)/.exec(text);
          if (user) fields.user = user[1];
          return 'login-failed';
        }
      }
      break;
    case 108 /* l */: {
      const m = message.startsWith('lost connection after ', at) ? /^lost connection after (\S+) from (\S+\[[^\]]*\])/.exec(message.slice(at)) : null;
      if (m) {
        setClient(fields, m[2]);
        fields.command = m[1];
        return 'lost-connection';
      }
      break;
    }
    case 115 /* s */: {
      const m = message.startsWith('sender ', at) ? /^sender (non-delivery|delivery status|delay status) notification: ([0-9A-Za-z]+)$/.exec(message.slice(at)) : null;
      if (m) {
        fields.bounce_id = m[2];
        fields.notification = m[1];
        return 'bounce';
      }
      break;
    }
  }
  if (qid > 0 && isKeyStart(message, at)) return queueIdPairs(daemon, message, at, fields);
  // Anything else (warnings, postscreen, `too many errors after RCPT from h[ip]`): keep the
  // client when the text names one, no action.
  const m = / from (\S*\[[^\]]+\](?::\d+)?)/.exec(at === 0 ? message : message.slice(at));
  if (m) setClient(fields, m[1]);
  return undefined;
}

/** `^[\w-]+=` at `at`. */
function isKeyStart(text: string, at: number): boolean {
  const eq = text.indexOf('=', at);
  return eq > at && isKeyWord(text, at, eq);
}

/** `connect from host[ip]`, `disconnect from host[ip] ehlo=1 ...`: the client, when bracketed. */
function connection(message: string, from: number, fields: Record<string, FieldValue>, action: string): string | undefined {
  const end = bracketAddressEnd(message, from);
  if (end < 0) {
    const m = / from (\S*\[[^\]]+\](?::\d+)?)/.exec(message);
    if (m) setClient(fields, m[1]);
    return undefined;
  }
  setClientAt(fields, message, from, end);
  return action;
}

function reject(text: string, fields: Record<string, FieldValue>): string | undefined {
  const m = /^(?:milter-)?reject: (\S+) from (\S+\[[^\]]*\](?::\d+)?): (.*)$/.exec(text);
  if (!m) {
    const from = / from (\S*\[[^\]]+\](?::\d+)?)/.exec(text);
    if (from) setClient(fields, from[1]);
    return undefined;
  }
  setClient(fields, m[2]);
  fields.command = m[1];
  const semi = m[3].lastIndexOf('; from=');
  const tail = semi >= 0 ? m[3].slice(semi + 2) : /; proto=/.test(m[3]) ? m[3].slice(m[3].lastIndexOf('; proto=') + 2) : '';
  fields.reason = semi >= 0 ? m[3].slice(0, semi) : m[3].replace(/; proto=.*$/, '');
  const kv = parseKeyValues(tail).values;
  if (kv.from !== undefined) fields.from = kv.from;
  if (kv.to !== undefined) fields.to = kv.to;
  if (kv.helo !== undefined) fields.helo = kv.helo;
  return 'reject';
}

/** A queue-id line of `key=value` pairs: client=, message-id=, from=/size=/nrcpt=, to=/relay=/status= ... */
function queueIdPairs(daemon: string, message: string, at: number, fields: Record<string, FieldValue>): string | undefined {
  pairs.read(message, at);
  let action: string | undefined;
  const client = pairs.get(CLIENT);
  if (client !== undefined) {
    setClient(fields, client);
    const method = pairs.get(SASL_METHOD);
    if (method !== undefined) fields.sasl_method = method;
    const user = pairs.get(SASL_USERNAME);
    if (user !== undefined) fields.user = user;
    action = 'accepted';
  }
  const messageId = pairs.get(MESSAGE_ID);
  if (messageId !== undefined) {
    fields.message_id = messageId;
    action = 'cleanup';
  }
  const from = pairs.get(FROM);
  if (from !== undefined) fields.from = from;
  const size = pairs.number(SIZE);
  if (size !== undefined) fields.size = size;
  const nrcpt = pairs.number(NRCPT);
  if (nrcpt !== undefined) fields.nrcpt = nrcpt;
  const to = pairs.get(TO);
  if (to !== undefined) {
    fields.to = to;
    const origTo = pairs.get(ORIG_TO);
    if (origTo !== undefined) fields.orig_to = origTo;
    const relay = pairs.get(RELAY);
    if (relay !== undefined) {
      fields.relay = relay;
      const ip: Record<string, FieldValue> = {};
      // `host[private/dovecot-lmtp]` is a socket, not an address.
      if (setClient(ip, relay, RELAY_KEYS) && !String(ip.relay).includes('/')) {
        fields.relay_ip = ip.relay;
        if (ip.relay_port !== undefined) fields.relay_port = ip.relay_port;
      }
    }
    const delay = pairs.number(DELAY, true);
    if (delay !== undefined) fields.delay = delay;
    const delays = pairs.get(DELAYS);
    if (delays !== undefined) fields.delays = delays;
    const dsn = pairs.get(DSN);
    if (dsn !== undefined) fields.dsn = dsn;
    if (pairs.commentAt >= 0) {
      const comment = commentOf(message, pairs.commentAt);
      fields.response = comment;
      const queued = comment.includes('queued as ') ? /queued as ([0-9A-Za-z]+)\)?$/.exec(comment) : null;
      if (queued) fields.relayed_as = queued[1];
    }
  }
  const status = pairs.get(STATUS);
  if (status !== undefined) {
    fields.status = status;
    action = status;
  } else if (to === undefined && from !== undefined) {
    action = daemon === 'pickup' ? 'pickup' : 'queued';
  }
  // pickup writes `QID: uid=N from=<a>`; no other daemon logs a uid= on a queue-id line.
  if ((daemon === 'pickup' || daemon === BARE) && pairs.has(UID)) action = 'pickup';
  return action;
}

/** The daemon of a bare instance name (`postfix`, `postfix-out`): to be told by the message. */
const BARE = '';

/** postfixDaemon per program string (BARE for a bare instance): a file has a handful, asked on every postfix line. */
const daemonOf = new Map<string, string | null>();

function cachedDaemon(program: string | undefined): string | undefined {
  if (program === undefined) return undefined;
  let daemon = daemonOf.get(program);
  if (daemon === undefined) {
    if (daemonOf.size >= 256) daemonOf.clear();
    daemon = postfixDaemon(program) ?? (isPostfixInstance(program) ? BARE : null);
    daemonOf.set(program, daemon);
  }
  return daemon ?? undefined;
}

/** Fills a generic syslog event from a postfix line. */
export function interpretPostfix(header: SyslogHeader, event: LogEvent): void {
  const daemon = cachedDaemon(header.program);
  if (daemon === undefined) return;
  event.service = 'mail';
  if (daemon === BARE) return interpretBarePostfix(header.message, event);
  event.fields.daemon = daemon;
  const action = readPostfixMessage(daemon, header.message, event.fields);
  if (action !== undefined) event.action = action;
}

/** A line whose tag lost its daemon (see the header): read as postfix, the daemon told by its shape. */
function interpretBarePostfix(message: string, event: LogEvent): void {
  const fields: Record<string, FieldValue> = {};
  const action = readPostfixMessage(BARE, message, fields);
  const daemon = daemonByShape(action, fields);
  // `daemon` first, as on a `postfix/<daemon>` line, so both give the same fields in the same order.
  if (daemon !== undefined) event.fields.daemon = daemon;
  Object.assign(event.fields, fields);
  if (action !== undefined) event.action = action;
}

/**
 * The daemon that writes a message of this action and fields (the table in the header), or
 * undefined when more than one could have: `relay=none` is smtp's failed connection as well
 * as error's and discard's deliveries, and a line without an action is anyone's warning.
 */
function daemonByShape(action: string | undefined, fields: Record<string, FieldValue>): string | undefined {
  switch (action) {
    case 'connect':
    case 'disconnect':
    case 'accepted':
    case 'login-failed':
    case 'lost-connection':
      return 'smtpd';
    case 'reject':
      // A milter's verdict on the message body is cleanup's (it holds the content); the rest are smtpd's.
      return fields.command === 'END-OF-MESSAGE' ? 'cleanup' : 'smtpd';
    case 'cleanup':
    case 'pickup':
    case 'bounce':
      return action;
    case 'queued':
    case 'removed':
      return 'qmgr';
    case undefined:
      return undefined;
  }
  // A status: a delivery agent's `to=` line, or qmgr's `from=<a>, status=expired, returned to sender`.
  if (typeof fields.to !== 'string') return action === 'expired' && typeof fields.from === 'string' ? 'qmgr' : undefined;
  return deliveryAgentByRelay(fields.relay, fields.response);
}

/** local and virtual name themselves; lmtp's next hop is a socket or port 24; smtp's another host[ip]:port; pipe says `delivered via X service`. */
function deliveryAgentByRelay(relay: FieldValue | undefined, response: FieldValue | undefined): string | undefined {
  if (relay === 'local' || relay === 'virtual') return relay;
  if (typeof response === 'string' && response.startsWith('delivered via ') && response.endsWith(' service')) return 'pipe';
  if (typeof relay !== 'string') return undefined;
  const open = relay.lastIndexOf('[');
  const close = relay.indexOf(']', open);
  if (open < 0 || close < 0) return undefined;
  if (relay.slice(open + 1, close).includes('/') || relay.slice(close) === ']:24') return 'lmtp';
  return 'smtp';
}


/** Lines that belong to a message's life; other lines with a queue id join an open record only. */
const OPENING_ACTIONS = new Set(['accepted', 'pickup', 'cleanup', 'queued', 'sent', 'deferred', 'bounced', 'expired', 'bounce', 'removed']);

/**
 * Joins a file's postfix lines into delivery events (see the header). It sees every event;
 * the caller has already emitted `event` itself.
 */
export class PostfixJoin {
  private readonly join = new MailQueueJoin('postfix', "'removed' line");
  private file: string | undefined;

  tick(event: LogEvent, out: ParseItem[]): void {
    this.join.tick(event.ts, out);
  }

  /** See MailQueueJoin.oldestOpenTs: the merge's reorder window (src/sources/merge.ts). */
  oldestOpenTs(): number | undefined {
    return this.join.oldestOpenTs();
  }

  take(event: LogEvent, out: ParseItem[]): void {
    const qid = event.fields.queue_id;
    // A bare `postfix` line whose daemon was not told still belongs to its message (sendmail's lines have no daemon either).
    if (typeof qid !== 'string' || (event.fields.daemon === undefined && event.program?.startsWith('postfix') !== true)) return;
    this.file ??= event.origin.file;
    const f = event.fields;
    const opens = event.action !== undefined && OPENING_ACTIONS.has(event.action);
    const msg = this.join.touch(event, qid, opens);
    if (!msg) return;
    switch (event.action) {
      case 'removed':
        this.join.finish(msg, out);
        return;
      case 'bounce': {
        const bounce = f.bounce_id as string;
        msg.fields.bounce_id = bounce;
        // The notification's own lines (cleanup, qmgr) come first: link it if it is still open.
        const other = this.join.peek(event.host, bounce);
        if (other) other.fields.bounce_of = qid;
        else this.pendingBounces.set(bounce, qid);
        return;
      }
      case 'reject':
        msg.fields.rejected = 1;
        break;
    }
    if (msg.lines.length === 1) {
      const of = this.pendingBounces.get(qid);
      if (of !== undefined) {
        msg.fields.bounce_of = of;
        this.pendingBounces.delete(qid);
      }
    }
    // The per-line fields a delivery takes from its lines (the sender only from lines without a
    // recipient), as named reads: a keyed read over fields of many shapes was slower.
    const into = msg.fields;
    if (f.client !== undefined) into.client = f.client;
    if (f.client_host !== undefined) into.client_host = f.client_host;
    if (f.user !== undefined) into.user = f.user;
    if (f.message_id !== undefined) into.message_id = f.message_id;
    if (f.from !== undefined && f.to === undefined) into.from = f.from;
    if (f.size !== undefined) into.size = f.size;
    if (f.nrcpt !== undefined) into.nrcpt = f.nrcpt;
    if (typeof f.to === 'string' && event.action !== 'reject') {
      const recipient: { to: string; status?: string; relay?: string; relayIp?: string; delay?: number } = { to: f.to };
      if (typeof f.status === 'string') recipient.status = f.status;
      if (typeof f.relay === 'string') recipient.relay = f.relay;
      if (typeof f.relay_ip === 'string') recipient.relayIp = f.relay_ip;
      if (typeof f.delay === 'number') recipient.delay = f.delay;
      this.join.addRecipient(msg, recipient, f.status !== 'deferred');
      if (typeof f.relayed_as === 'string') msg.fields.relayed_as = f.relayed_as;
      if (event.action === 'sent' && typeof f.relay_ip === 'string' && typeof msg.fields.size === 'number') this.sizeLeg(msg, f);
    }
  }

  /** The transaction the last sized line belonged to: its message, relay and answer. */
  private legMsg?: OpenMessage;
  private legRelay?: FieldValue;
  private legResponse?: FieldValue;

  /**
   * A message relayed on crossed two connections, and a log event explains one: its delivery
   * the way in, this line the way out (rules/mail.rule, smtp_out). postfix writes a line per
   * recipient, and recipients at one next hop go in one transaction, their lines one after
   * another (a real postfix 3.7 relaying to two addresses wrote both with the same `queued as`
   * answer): the first line of each transaction, told by relay and answer, carries the size.
   */
  private sizeLeg(msg: OpenMessage, f: Record<string, FieldValue>): void {
    if (msg === this.legMsg && f.relay_ip === this.legRelay && f.response === this.legResponse) return;
    this.legMsg = msg;
    this.legRelay = f.relay_ip;
    this.legResponse = f.response;
    f.size = msg.fields.size as number;
  }

  /** Bounce ids named before their own first line; bounded like the join (a bounce is followed at once). */
  private readonly pendingBounces = new BoundedMap<string, string>(1000);

  flush(out: ParseItem[]): void {
    this.join.flush(this.file, out);
  }
}

/** A Map that forgets its oldest entry past `limit`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}

export const postfixParser: Parser = {
  name: 'postfix',
  description: 'postfix syslog lines (mail.log/maillog): one event per line, and one delivery event per message joined by queue id',
  produces: 'logs',
  samples: [
    // crowdsecurity/hub .tests/postfix-logs/postfix-logs.log (MIT)
    'May 11 04:02:37 host1 postfix/smtpd[26897]: NOQUEUE: reject: RCPT from unknown[192.168.1.1]: 554 5.7.1 Service unavailable',
    '2024-10-31T12:38:21.817327+00:00 machine postfix/submission/smtpd[2634372]: warning: non-SMTP command from unknown[192.168.1.1]: GET / HTTP/1.1',
    // written for flowlink, in the shape of a real transaction (test/fixtures/logs/postfix-transactions.log)
    'Mar 22 18:20:29 mx postfix/smtp[22601]: AA10A2839B: to=<support@example.net>, relay=mail1.example.net[198.51.100.55]:25, delay=0.14, delays=0.08/0.01/0.05/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C4232266C9)',
  ],
  detect(_head, headLines) {
    for (const line of headLines) {
      const header = splitSyslogLine(line);
      if (header && isPostfixProgram(header.program)) return 60;
    }
    return 0;
  },
  timeCompleteness: syslogTimeCompleteness,
  parse(input, time) {
    return readSyslogLines(input, time, { interpret: interpretKnownPrograms, assemble: createProgramAssembler });
  },
};
