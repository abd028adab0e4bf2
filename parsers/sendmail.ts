// sendmail through syslog (tags `sendmail`, `sm-mta`, `sm-msp-queue`, and the process
// titles `sm-acceptingconnections` / `sm-accepting-connections` some systems log under).
//
// As with postfix (see postfix.ts), every line is an event of its own, and the lines of one
// message are joined by queue id into a `delivery` event:
//   `QID: from=<a>, size=N, class=0, nrcpts=K, msgid=<...>, proto=ESMTP, daemon=MTA, relay=host [ip]`
//        queued   (from, size, nrcpt, message_id, client, client_host: the sending host)
//   `QID: to=<b>[,<c>], ctladdr=..., delay=hh:mm:ss, xdelay=..., mailer=esmtp, pri=..., relay=host. [ip], dsn=2.0.0, stat=Sent (...)`
//        sent | deferred | bounced   (to, delay (s), mailer, relay, relay_ip, dsn, status, response)
//   `QID: NEWQID: DSN: text`          bounce   (bounce_id; the new message gets bounce_of)
//   `[QID: ]ruleset=check_rcpt, arg1=<x>, relay=host [ip], reject=550 ...`  reject (client, to/arg, reason)
//   `QID: AUTH failure (LOGIN): ... relay=host [ip]`   login-failed (client)
//   `QID: lost input channel from host [ip] to MTA after rcpt`  lost-connection (client)
// sendmail writes no `removed` line: a message is done when as many recipients as its
// `nrcpts` have a final status (anything but Deferred), else it is cut off by the idle
// rule of mail-queue.ts (incomplete=1). The delivery event has the same fields as postfix's.
// A DSN's delivery has bounce_of; the bounced message's own delivery usually ends (its last
// recipient bounced) before the DSN line, so it carries bounce_id only when still open.
import type { FieldValue, LogEvent, ParseItem } from '../src/event.js';
import type { Parser } from './parser.js';
import { MailQueueJoin } from './mail-queue.js';
import { readSyslogLines, syslogTimeCompleteness } from './syslog.js';
import { splitSyslogLine, type SyslogHeader } from './syslog-header.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';

export function isSendmailProgram(program: string | undefined): boolean {
  return (
    program === 'sendmail' ||
    program === 'sm-mta' ||
    program === 'sm-msp-queue' ||
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

/** Joins a file's sendmail lines by queue id (see the header). */
export class SendmailJoin {
  private readonly join = new MailQueueJoin('sendmail', 'final status for each of its recipients');
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
    if (typeof qid !== 'string' || event.fields.mta !== 'sendmail') return;
    this.file ??= event.origin.file;
    const f = event.fields;
    // `nrcpts=0`: every recipient was refused, nothing was queued.
    const opens = (event.action === 'queued' && f.nrcpt !== 0) || event.action === 'bounce' || (typeof f.to === 'string' && f.status !== undefined);
    const msg = this.join.touch(event, qid, opens);
    if (!msg) return;
    if (event.action === 'bounce') {
      const bounce = f.bounce_id as string;
      msg.fields.bounce_id = bounce;
      // sendmail names the new id before the new message's own lines.
      this.join.touch(event, bounce)!.fields.bounce_of = qid;
      return;
    }
    for (const key of ['client', 'client_host', 'message_id', 'size', 'nrcpt', 'proto'] as const) {
      if (f[key] !== undefined && event.action === 'queued') msg.fields[key] = f[key];
    }
    if (event.action === 'queued' && f.from !== undefined) msg.fields.from = f.from;
    if (typeof f.to === 'string' && event.action !== 'reject') {
      const recipients = f.to.split(',');
      const final = f.status !== undefined && f.status !== 'deferred';
      for (const to of recipients) {
        const r: { to: string; status?: string; relay?: string; relayIp?: string; delay?: number } = { to };
        if (typeof f.status === 'string') r.status = f.status;
        if (typeof f.relay === 'string') r.relay = f.relay;
        if (typeof f.relay_ip === 'string') r.relayIp = f.relay_ip;
        if (typeof f.delay === 'number') r.delay = f.delay;
        this.join.addRecipient(msg, r, final);
      }
      // A DSN sendmail makes itself has no from= line: one final recipient ends it.
      const nrcpt = msg.fields.nrcpt ?? (msg.fields.bounce_of !== undefined ? 1 : undefined);
      if (typeof nrcpt === 'number' && nrcpt > 0 && msg.finals >= nrcpt) this.join.finish(msg, out);
    }
  }

  flush(out: ParseItem[]): void {
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
