// sendmail through syslog (tags `sendmail`, Debian's `-L` names `sm-mta`, `sm-msp-queue`, ...
// (SENDMAIL_PROGRAMS), and the process titles `sm-acceptingconnections` /
// `sm-accepting-connections` some systems log under).
//
// As with postfix (see postfix.ts), every line is an event of its own, and the lines of one
// message are joined by queue id into a `delivery` event:
//   `QID: from=<a>, size=N, class=0, nrcpts=K, msgid=<...>, proto=ESMTP, daemon=MTA, relay=host [ip]`
//        queued   (from, size, nrcpt, message_id, client, client_host: the sending host)
//   `QID: to=<b>[,<c>], ctladdr=..., delay=hh:mm:ss, xdelay=..., mailer=esmtp, pri=..., relay=host. [ip], dsn=2.0.0, [reply=...,] stat=Sent (...)`
//        sent | deferred | bounced   (to, delay (s), mailer, relay, relay_ip, dsn, reply, status,
//        response; with a relay_ip, also the message's size: the leg to the next hop)
//   `QID: NEWQID: DSN: text`          bounce   (bounce_id; the new message gets bounce_of)
//   `QID: <b>... User unknown`        reject   (to, reason: a recipient refused at RCPT)
//   `[QID: ]ruleset=check_rcpt, arg1=<x>, relay=host [ip], reject=550 ...`  reject (client, to/arg, reason)
//   `QID: AUTH failure (LOGIN): ... relay=host [ip]`   login-failed (client)
//   `QID: lost input channel from host [ip] to MTA after rcpt`  lost-connection (client)
// sendmail writes no `removed` line, and its to= lines do not add up to `nrcpts`: they name
// the addresses after alias expansion (a real 8.17 logged one `to=root` for two recipients
// aliased to root, and `to=nobody` and `to=root` for one recipient aliased to both). So a
// message is done once none of its recipients waits for a retry (its latest line is not
// Deferred) and no line for it came for SENDMAIL_SETTLE_MICROS of log time, or at the end of
// the file; else it is cut off by the idle rule of mail-queue.ts (incomplete=1). A line for
// a message already emitted opens no new record. The delivery event has postfix's fields.
// A DSN's delivery has bounce_of, and the bounced message bounce_id. A DSN has no from=
// line: its delivery and its leg out carry no size.
import type { FieldValue, LogEvent, Micros, ParseItem } from '../src/event.js';
import { MICROS_PER_SECOND } from '../src/time.js';
import type { Parser } from './parser.js';
import { MAIL_IDLE_MICROS, MAIL_MAX_OPEN, MailQueueJoin, type OpenMessage } from './mail-queue.js';
import { readSyslogLines, syslogTimeCompleteness } from './syslog.js';
import { splitSyslogLine, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

// Debian's init script names its daemons with -L: sm-mta (listener, and queue runner unless
// split), sm-mta-queue, sm-mta-runq, sm-que, sm-que-runq, sm-msp, sm-msp-queue.
const SENDMAIL_PROGRAMS = new Set(['sendmail', 'sm-mta', 'sm-mta-queue', 'sm-mta-runq', 'sm-que', 'sm-que-runq', 'sm-msp', 'sm-msp-queue']);

export function isSendmailProgram(program: string | undefined): boolean {
  return (
    (program !== undefined && SENDMAIL_PROGRAMS.has(program)) ||
    program === 'sm-acceptingconnections' ||
    program === 'sm-accepting-connections'
  );
}

// sendmail queue ids: 14 characters (8.12+, `jA9J1UvC004306`), older ones shorter.
const QID_RE = /^([0-9A-Za-z]{8,20}): /;

/** sendmail's `key=value, key=value` list; values run to the next `, key=` (they hold spaces: `relay=host [ip]`). */
export function parseSendmailPairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|, )([a-z][\w]*)=/g;
  const starts: { key: string; at: number; valueAt: number }[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) starts.push({ key: m[1], at: m.index, valueAt: m.index + m[0].length });
  for (let i = 0; i < starts.length; i++) {
    const end = i + 1 < starts.length ? starts[i + 1].at : text.length;
    // A key given twice (`relay=[a], relay=[b] (may be forged)`) keeps the first.
    if (out[starts[i].key] === undefined) out[starts[i].key] = text.slice(starts[i].valueAt, end);
  }
  return out;
}

/** `host [ip]`, `host. [ip] (may be forged)`, `[ip]`, `[IPv6:2001:db8::1]` -> parts. */
export function splitSendmailRelay(text: string): { host?: string; ip?: string } {
  const m = /^(\S*?)\.? ?\[(?:IPv6:)?([^\]]+)\]/.exec(text);
  if (!m) {
    const host = text.split(' ')[0];
    return host === '' ? {} : { host };
  }
  const result: { host?: string; ip?: string } = { ip: m[2] };
  if (m[1] !== '' && !m[1].startsWith('[')) result.host = m[1];
  return result;
}

/** `hh:mm:ss` or `d+hh:mm:ss` -> seconds. */
function sendmailDelay(text: string): number | undefined {
  const m = /^(?:(\d+)\+)?(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

function unbracket(address: string): string {
  return address
    .split(',')
    .map((a) => a.replace(/^<|>$/g, ''))
    .join(',');
}

export interface SendmailLine {
  action?: string;
  fields: Record<string, FieldValue>;
}

export function parseSendmailMessage(message: string): SendmailLine {
  const fields: Record<string, FieldValue> = {};
  const line: SendmailLine = { fields };
  let text = message;
  const q = QID_RE.exec(message);
  if (q) {
    fields.queue_id = q[1];
    text = message.slice(q[0].length);
    const dsn = /^([0-9A-Za-z]{8,20}): (DSN|postmaster notify|return to sender): (.*)$/.exec(text);
    if (dsn) {
      fields.bounce_id = dsn[1];
      fields.reason = dsn[3];
      line.action = 'bounce';
      return line;
    }
  }
  const client = (relay: string | undefined): void => {
    if (relay === undefined) return;
    const r = splitSendmailRelay(relay);
    if (r.ip !== undefined) fields.client = r.ip;
    if (r.host !== undefined) fields.client_host = r.host;
  };
  if (/^(?:from|to|ruleset)=/.test(text)) {
    const kv = parseSendmailPairs(text);
    if (kv.ruleset !== undefined) {
      fields.ruleset = kv.ruleset;
      client(kv.relay);
      if (kv.arg1 !== undefined) fields[kv.ruleset === 'check_rcpt' ? 'to' : 'arg'] = unbracket(kv.arg1);
      if (kv.reject !== undefined) fields.reason = kv.reject;
      line.action = kv.reject !== undefined ? 'reject' : undefined;
      return line;
    }
    if (kv.from !== undefined) {
      fields.from = unbracket(kv.from);
      if (kv.size !== undefined && /^\d+$/.test(kv.size)) fields.size = Number(kv.size);
      if (kv.nrcpts !== undefined && /^\d+$/.test(kv.nrcpts)) fields.nrcpt = Number(kv.nrcpts);
      if (kv.msgid !== undefined) fields.message_id = unbracket(kv.msgid);
      if (kv.proto !== undefined) fields.proto = kv.proto;
      client(kv.relay);
      line.action = 'queued';
      return line;
    }
    if (kv.to !== undefined) {
      fields.to = unbracket(kv.to);
      const delay = kv.delay === undefined ? undefined : sendmailDelay(kv.delay);
      if (delay !== undefined) fields.delay = delay;
      if (kv.mailer !== undefined) fields.mailer = kv.mailer;
      if (kv.dsn !== undefined) fields.dsn = kv.dsn;
      // The next hop's own answer (`reply=550 5.1.1 <b>: Recipient address rejected: ...`).
      if (kv.reply !== undefined) fields.reply = kv.reply;
      if (kv.relay !== undefined) {
        fields.relay = kv.relay;
        const r = splitSendmailRelay(kv.relay);
        if (r.ip !== undefined) fields.relay_ip = r.ip;
      }
      if (kv.stat !== undefined) {
        fields.response = kv.stat;
        const status = /^Sent\b/.test(kv.stat) ? 'sent' : /^Deferred\b/.test(kv.stat) ? 'deferred' : 'bounced';
        fields.status = status;
        line.action = status;
      }
      return line;
    }
  }
  let m: RegExpExecArray | null;
  if ((m = /^AUTH failure \(([^)]*)\): .*?relay=([^,]*)/.exec(text))) {
    fields.auth_method = m[1];
    client(m[2]);
    const user = /, user=([^,]*)/.exec(text);
    if (user) fields.user = user[1];
    line.action = 'login-failed';
    return line;
  }
  if ((m = /^lost input channel from (.*?) to \S+ after (\S+)$/.exec(text))) {
    client(m[1]);
    fields.command = m[2];
    line.action = 'lost-connection';
    return line;
  }
  // A recipient refused at RCPT: `QID: <a@example.org>... User unknown` (the id is the
  // envelope being built, whose from= line comes after).
  if ((m = /^<([^>]*)>\.\.\. (.+)$/.exec(text))) {
    fields.to = m[1];
    fields.reason = m[2];
    line.action = 'reject';
    return line;
  }
  // `[ip]: possible SMTP attack: ...`, `rejecting commands from host [ip] due to ...`: the client only.
  if ((m = /(?:^|from )((?:\S+ )?\[(?:IPv6:)?[0-9A-Fa-f:.]+\])/.exec(text))) client(m[1]);
  return line;
}

export function interpretSendmail(header: SyslogHeader, event: LogEvent): void {
  if (!isSendmailProgram(header.program)) return;
  const parsed = parseSendmailMessage(header.message);
  event.service = 'mail';
  if (parsed.action !== undefined) event.action = parsed.action;
  event.fields.mta = 'sendmail';
  Object.assign(event.fields, parsed.fields);
}

/** How long a message whose every logged recipient is final waits for more `to=` lines. */
export const SENDMAIL_SETTLE_MICROS: Micros = 60 * MICROS_PER_SECOND;

/** Joins a file's sendmail lines by queue id (see the header). */
export class SendmailJoin {
  private readonly join = new MailQueueJoin('sendmail', 'final status for every recipient it logged');
  private file: string | undefined;
  private now = -Infinity;
  /** Open messages' recipients whose latest line is Deferred (gone with the message). */
  private readonly deferred = new WeakMap<OpenMessage, Set<string>>();
  /** Settled messages (no recipient deferred), in last-touched order: done once quiet. */
  private readonly settled = new Map<string, OpenMessage>();
  /** Queue ids of messages already emitted, with when: their late lines open no new record. */
  private readonly done = new Map<string, Micros>();

  tick(event: LogEvent, out: ParseItem[]): void {
    if (event.ts > this.now) this.now = event.ts;
    // Asked at every line of every syslog file: no iterator unless there is something to look at.
    if (this.settled.size > 0) {
      for (const [key, msg] of this.settled) {
        if (this.now - msg.lastTs <= SENDMAIL_SETTLE_MICROS) break;
        this.end(key, msg, out);
      }
    }
    if (this.done.size > 0) {
      for (const [key, at] of this.done) {
        if (this.now - at <= MAIL_IDLE_MICROS && this.done.size <= MAIL_MAX_OPEN) break;
        this.done.delete(key);
      }
    }
    this.join.tick(event.ts, out);
  }

  /** See MailQueueJoin.oldestOpenTs: the merge's reorder window (src/sources/merge.ts). */
  oldestOpenTs(): number | undefined {
    return this.join.oldestOpenTs();
  }

  private end(key: string, msg: OpenMessage, out: ParseItem[]): void {
    this.settled.delete(key);
    // The join may have let it go already (more than MAIL_MAX_OPEN open).
    if (this.join.peek(msg.host, msg.qid) !== msg) return;
    this.done.delete(key);
    this.done.set(key, this.now);
    this.join.finish(msg, out);
  }

  take(event: LogEvent, out: ParseItem[]): void {
    const qid = event.fields.queue_id;
    if (typeof qid !== 'string' || event.fields.mta !== 'sendmail') return;
    this.file ??= event.origin.file;
    const f = event.fields;
    const key = `${event.host ?? ''}\u0000${qid}`;
    if (event.action === 'bounce') {
      const bounce = f.bounce_id as string;
      // sendmail names the new id before the new message's own lines.
      const dsn = this.join.touch(event, bounce)!;
      dsn.fields.bounce_of = qid;
      dsn.fields.mta = 'sendmail';
      this.settled.delete(`${event.host ?? ''}\u0000${bounce}`);
      const msg = this.join.touch(event, qid, false);
      if (msg) {
        msg.fields.bounce_id = bounce;
        if (this.settled.delete(key)) this.settled.set(key, msg);
      }
      return;
    }
    // `nrcpts=0`: every recipient was refused, nothing was queued. A message already emitted
    // opens no second record (its lines stay line events).
    const opens = !this.done.has(key) && ((event.action === 'queued' && f.nrcpt !== 0) || (typeof f.to === 'string' && f.status !== undefined));
    const msg = this.join.touch(event, qid, opens);
    if (!msg) return;
    this.settled.delete(key);
    for (const k of ['client', 'client_host', 'message_id', 'size', 'nrcpt', 'proto'] as const) {
      if (f[k] !== undefined && event.action === 'queued') msg.fields[k] = f[k];
    }
    if (event.action === 'queued' && f.from !== undefined) msg.fields.from = f.from;
    // The delivery says whose it is: rules/mail.rule's smtp_out takes sendmail's relay legs
    // from its to= lines instead.
    msg.fields.mta = 'sendmail';
    if (typeof f.to === 'string' && event.action !== 'reject') {
      // The leg to the next hop is a transfer of its own: the line carries the message's size
      // so that its connection can be matched (rules/mail.rule, smtp_out).
      if (typeof msg.fields.size === 'number' && f.relay_ip !== undefined) f.size = msg.fields.size;
      let deferred = this.deferred.get(msg);
      for (const to of f.to.split(',')) {
        const r: { to: string; status?: string; relay?: string; relayIp?: string; delay?: number } = { to };
        if (typeof f.status === 'string') r.status = f.status;
        if (typeof f.relay === 'string') r.relay = f.relay;
        if (typeof f.relay_ip === 'string') r.relayIp = f.relay_ip;
        if (typeof f.delay === 'number') r.delay = f.delay;
        const final = f.status !== undefined && f.status !== 'deferred';
        this.join.addRecipient(msg, r, final);
        if (!final) this.deferred.set(msg, (deferred ??= new Set()).add(to));
        else deferred?.delete(to);
      }
    }
    if (msg.to.length > 0 && (this.deferred.get(msg)?.size ?? 0) === 0) this.settled.set(key, msg);
  }

  flush(out: ParseItem[]): void {
    for (const [key, msg] of [...this.settled]) this.end(key, msg, out);
    this.join.flush(this.file, out);
  }
}

export const sendmailParser: Parser = {
  name: 'sendmail',
  description: 'sendmail / sm-mta syslog lines: one event per line, and one delivery event per message joined by queue id',
  produces: 'logs',
  samples: [
    // written for flowlink, in sendmail's from=/to= shapes (test/fixtures/logs/sendmail-transactions.log)
    'Nov  9 12:01:31 relay sendmail[4306]: jA9J1UvC004306: from=<root@relay.example.org>, size=629060, class=0, nrcpts=1, msgid=<200511091901.jA9J1UvC004306@relay.example.org>, proto=ESMTP, daemon=MTA, relay=client.example.org [192.0.2.41]',
    'Nov  9 12:01:33 relay sendmail[4307]: jA9J1UvC004306: to=<ops@example.net>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=659060, relay=mx.example.net. [198.51.100.25], dsn=2.0.0, stat=Sent (ok 1131566493 qp 7781)',
    'Feb 23 07:00:08 mail sm-mta[3992]: s1N706jo003992: ruleset=check_rcpt, arg1=<joe@example.com>, relay=[203.0.113.226], reject=550 5.7.1 <joe@example.com>... Rejected: 203.0.113.226 listed at a block list',
  ],
  detect(_head, headLines) {
    for (const line of headLines) {
      const header = splitSyslogLine(line);
      if (header && isSendmailProgram(header.program)) return 60;
    }
    return 0;
  },
  timeCompleteness: syslogTimeCompleteness,
  parse(input, time) {
    return readSyslogLines(input, time, { interpret: interpretKnownPrograms, assemble: createProgramAssembler });
  },
};
