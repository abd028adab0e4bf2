// postfix through syslog: programs `postfix/<daemon>` and the instance forms
// `postfix-submission/smtpd`, `postfix/smtps/smtpd`, `postfix-smo/submission/smtpd`
// (the daemon is the tag's last part).
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
//    bytes count a message once, on its delivery event.
// 2. One `delivery` event per message, joined by queue id (mail-queue.ts), at its `removed`
//    line (or cut off, with incomplete=1): queue_id, from, to (comma-joined), nrcpt, size and
//    bytes, client, client_host, user, message_id, relay, relay_ip, status (each distinct
//    status, comma-joined), delay (the largest), lines (every contributing line number),
//    bounce_of / bounce_id (a bounce's new queue id names the old one), relayed_as (the
//    next hop's queue id from `250 2.0.0 Ok: queued as X`). Its time is its last line's, its
//    origin its first line's.
import type { FieldValue, LogEvent, ParseItem } from '../src/event.js';
import type { Parser } from './parser.js';
import { MailQueueJoin, splitHostAddress } from './mail-queue.js';
import { readSyslogLines, syslogTimeCompleteness } from './syslog.js';
import { splitSyslogLine, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

export interface PostfixLine {
  daemon: string;
  action?: string;
  fields: Record<string, FieldValue>;
}

/** The daemon of a postfix tag (`postfix/smtpd` -> smtpd), or undefined for other programs. */
export function postfixDaemon(program: string | undefined): string | undefined {
  if (program === undefined || !program.startsWith('postfix')) return undefined;
  const slash = program.lastIndexOf('/');
  if (slash < 0) return undefined;
  const instance = program.slice(0, program.indexOf('/'));
  if (instance !== 'postfix' && !/^postfix-[\w.-]+$/.test(instance)) return undefined;
  return program.slice(slash + 1);
}

// Short ids are hex (`2BD192839B`); long ids (enable_long_queue_ids, `44JCRG5tYPzCqt2`) use an
// alphabet without vowels, so no word such as `warning:` is taken for one.
const QID_RE = /^([0-9A-F]{6,12}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,20}): /;

/**
 * `key=value` lists as postfix writes them, comma- or space-separated; values in `<>` may hold
 * anything but `>`. A `(...)` after a value (`status=sent (250 ok)`, `nrcpt=1 (queue active)`)
 * ends the list: it is kept as `comment`.
 */
export function parseKeyValues(text: string): { values: Record<string, string>; comment?: string } {
  const values: Record<string, string> = {};
  let comment: string | undefined;
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 44)) i++;
    if (i >= n) break;
    if (text.charCodeAt(i) === 40 /* ( */) {
      comment = text.slice(i + 1, text.endsWith(')') ? n - 1 : n);
      break;
    }
    const eq = text.indexOf('=', i);
    if (eq < 0) break;
    const key = text.slice(i, eq);
    if (!/^[\w-]+$/.test(key)) {
      // Free text between pairs (`returned to sender`): skip a word.
      const sp = text.indexOf(' ', i);
      if (sp < 0) break;
      i = sp + 1;
      continue;
    }
    let j = eq + 1;
    let value: string;
    if (text.charCodeAt(j) === 60 /* < */) {
      const close = text.indexOf('>', j);
      const end = close < 0 ? n : close + 1;
      value = text.slice(j + 1, close < 0 ? n : close);
      j = end;
    } else {
      let k = j;
      while (k < n && text.charCodeAt(k) !== 44 && text.charCodeAt(k) !== 32) k++;
      value = text.slice(j, k);
      j = k;
    }
    values[key] = value;
    i = j;
  }
  const result: { values: Record<string, string>; comment?: string } = { values };
  if (comment !== undefined) result.comment = comment;
  return result;
}

function setClient(fields: Record<string, FieldValue>, text: string, prefix = 'client'): boolean {
  const addr = splitHostAddress(text);
  if (!addr) return false;
  fields[prefix] = addr.ip;
  if (addr.host !== undefined) fields[`${prefix}_host`] = addr.host;
  if (addr.port !== undefined) fields[`${prefix}_port`] = addr.port;
  return true;
}

/** Reads one postfix message (the syslog message part) of `daemon`. */
export function parsePostfixMessage(daemon: string, message: string): PostfixLine {
  const fields: Record<string, FieldValue> = {};
  const line: PostfixLine = { daemon, fields };
  let text = message;
  const q = QID_RE.exec(message);
  if (q && q[1] !== 'NOQUEUE') {
    fields.queue_id = q[1];
    text = message.slice(q[0].length);
  } else if (message.startsWith('NOQUEUE: ')) {
    text = message.slice('NOQUEUE: '.length);
  }

  let m: RegExpExecArray | null;
  if ((m = /^(connect|disconnect) from (\S+\[[^\]]*\](?::\d+)?)/.exec(text))) {
    setClient(fields, m[2]);
    line.action = m[1];
    return line;
  }
  if ((m = /^(?:milter-)?reject: (\S+) from (\S+\[[^\]]*\](?::\d+)?): (.*)$/.exec(text))) {
    setClient(fields, m[2]);
    fields.command = m[1];
    const semi = m[3].lastIndexOf('; from=');
    const tail = semi >= 0 ? m[3].slice(semi + 2) : /; proto=/.test(m[3]) ? m[3].slice(m[3].lastIndexOf('; proto=') + 2) : '';
    fields.reason = semi >= 0 ? m[3].slice(0, semi) : m[3].replace(/; proto=.*$/, '');
    const kv = parseKeyValues(tail).values;
    if (kv.from !== undefined) fields.from = kv.from;
    if (kv.to !== undefined) fields.to = kv.to;
    if (kv.helo !== undefined) fields.helo = kv.helo;
    line.action = 'reject';
    return line;
  }
  if ((m = /^warning: (\S+\[[^\]]*\](?::\d+)?): SASL (\S+) authentication failed/.exec(text))) {
    setClient(fields, m[1]);
    fields.sasl_method = m[2];
    const user = /sasl_username=(\S+)/.exec(text);
    if (user) fields.user = user[1];
    line.action = 'login-failed';
    return line;
  }
  if ((m = /^lost connection after (\S+) from (\S+\[[^\]]*\])/.exec(text))) {
    setClient(fields, m[2]);
    fields.command = m[1];
    line.action = 'lost-connection';
    return line;
  }
  if ((m = /^sender (non-delivery|delivery status|delay status) notification: ([0-9A-Za-z]+)$/.exec(text))) {
    fields.bounce_id = m[2];
    fields.notification = m[1];
    line.action = 'bounce';
    return line;
  }
  if (text === 'removed') {
    line.action = 'removed';
    return line;
  }
  if (fields.queue_id !== undefined && /^[\w-]+=/.test(text)) {
    const { values, comment } = parseKeyValues(text);
    if (values.client !== undefined) {
      setClient(fields, values.client);
      if (values.sasl_method !== undefined) fields.sasl_method = values.sasl_method;
      if (values.sasl_username !== undefined) fields.user = values.sasl_username;
      line.action = 'accepted';
    }
    if (values['message-id'] !== undefined) {
      fields.message_id = values['message-id'];
      line.action = 'cleanup';
    }
    if (values.from !== undefined) fields.from = values.from;
    if (values.size !== undefined && /^\d+$/.test(values.size)) fields.size = Number(values.size);
    if (values.nrcpt !== undefined && /^\d+$/.test(values.nrcpt)) fields.nrcpt = Number(values.nrcpt);
    if (values.to !== undefined) {
      fields.to = values.to;
      if (values.orig_to !== undefined) fields.orig_to = values.orig_to;
      if (values.relay !== undefined) {
        fields.relay = values.relay;
        const relay = splitHostAddress(values.relay);
        // `host[private/dovecot-lmtp]` is a socket, not an address.
        if (relay && !relay.ip.includes('/')) {
          fields.relay_ip = relay.ip;
          if (relay.port !== undefined) fields.relay_port = relay.port;
        }
      }
      if (values.delay !== undefined && /^\d+(\.\d+)?$/.test(values.delay)) fields.delay = Number(values.delay);
      if (values.delays !== undefined) fields.delays = values.delays;
      if (values.dsn !== undefined) fields.dsn = values.dsn;
      if (comment !== undefined) {
        fields.response = comment;
        const queued = /queued as ([0-9A-Za-z]+)\)?$/.exec(comment);
        if (queued) fields.relayed_as = queued[1];
      }
    }
    if (values.status !== undefined) {
      fields.status = values.status;
      line.action = values.status;
    } else if (values.to === undefined && values.from !== undefined) {
      line.action = daemon === 'pickup' ? 'pickup' : 'queued';
    }
    if (values.uid !== undefined && daemon === 'pickup') line.action = 'pickup';
    return line;
  }
  // Anything else (warnings, postscreen, `too many errors after RCPT from h[ip]`): keep the
  // client when the text names one, no action.
  if ((m = / from (\S*\[[^\]]+\](?::\d+)?)/.exec(text))) setClient(fields, m[1]);
  return line;
}

/** Fills a generic syslog event from a postfix line. */
export function interpretPostfix(header: SyslogHeader, event: LogEvent): void {
  const daemon = postfixDaemon(header.program);
  if (daemon === undefined) return;
  const parsed = parsePostfixMessage(daemon, header.message);
  event.service = 'mail';
  if (parsed.action !== undefined) event.action = parsed.action;
  event.fields.daemon = daemon;
  Object.assign(event.fields, parsed.fields);
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
    if (typeof qid !== 'string' || event.fields.daemon === undefined) return;
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
    for (const key of ['client', 'client_host', 'user', 'message_id', 'from', 'size', 'nrcpt'] as const) {
      if (f[key] !== undefined && !(key === 'from' && f.to !== undefined)) msg.fields[key] = f[key];
    }
    if (typeof f.to === 'string' && event.action !== 'reject') {
      const recipient: { to: string; status?: string; relay?: string; relayIp?: string; delay?: number } = { to: f.to };
      if (typeof f.status === 'string') recipient.status = f.status;
      if (typeof f.relay === 'string') recipient.relay = f.relay;
      if (typeof f.relay_ip === 'string') recipient.relayIp = f.relay_ip;
      if (typeof f.delay === 'number') recipient.delay = f.delay;
      this.join.addRecipient(msg, recipient, f.status !== 'deferred');
      if (typeof f.relayed_as === 'string') msg.fields.relayed_as = f.relayed_as;
    }
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
      if (header && postfixDaemon(header.program) !== undefined) return 60;
    }
    return 0;
  },
  timeCompleteness: syslogTimeCompleteness,
  parse(input, time) {
    return readSyslogLines(input, time, { interpret: interpretKnownPrograms, assemble: createProgramAssembler });
  },
};
