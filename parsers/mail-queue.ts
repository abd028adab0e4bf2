// Joining the lines of one mail message by queue id (postfix, sendmail): an MTA writes a
// message's client, sender, size and each recipient's fate on separate lines, often far
// apart and interleaved with other messages. The join keeps one small record per open
// queue id and turns it into a single `delivery` event when the message is done.
//
// Memory stays bounded: a message is emitted when its MTA says it is done, or once its
// queue id has been idle for `idle` of log time (the newest stamp seen in the file, so a
// file that jumps backwards does not expire everything), or when more than `maxOpen` are
// open (the oldest first). Messages emitted that way carry `incomplete=1`, and one note
// per file says how many there were.
import type { FieldValue, LogEvent, Micros, Origin, ParseItem } from '../src/event.js';
import { MICROS_PER_SECOND } from '../src/time.js';

/** Default idle time: deferred mail waits longer, but its later attempts join up as a new record. */
export const MAIL_IDLE_MICROS: Micros = 3600 * MICROS_PER_SECOND;
export const MAIL_MAX_OPEN = 50_000;

export interface OpenMessage {
  qid: string;
  /** Its key in the join's map (see MailQueueJoin.key). */
  key: string;
  host?: string;
  program?: string;
  origin: Origin;
  lastTs: Micros;
  lines: number[];
  /** Scalar fields as the lines give them: from, size, nrcpt, client, message_id, bounce_of ... */
  fields: Record<string, FieldValue>;
  to: string[];
  statuses: string[];
  relays: string[];
  relayIps: string[];
  /** Recipients whose status is final (not deferred); sendmail's end-of-message test. */
  finals: number;
  maxDelay?: number;
}

export interface Recipient {
  to: string;
  status?: string;
  relay?: string;
  relayIp?: string;
  delay?: number;
}

export class MailQueueJoin {
  private open = new Map<string, OpenMessage>();
  private now = -Infinity;
  private incomplete = 0;

  constructor(
    /** 'postfix' or 'sendmail', for messages and the note. */
    private readonly mta: string,
    /** What a complete message has that a cut-off one lacks, for the note. */
    private readonly endMark: string,
    private readonly idle: Micros = MAIL_IDLE_MICROS,
    private readonly maxOpen: number = MAIL_MAX_OPEN,
  ) {}

  /** The host of the first message: its messages are keyed by queue id alone. */
  private mainHost?: string;
  /** The message touched last: touching it again needs no move to the map's end. */
  private lastTouched?: OpenMessage;

  /**
   * Queue ids are unique per host. A file mostly has one host, so its messages are keyed by
   * the bare queue id and only other hosts' by host and id: no string built per line.
   */
  private key(host: string | undefined, qid: string): string {
    if (host !== undefined && host === (this.mainHost ??= host)) return qid;
    return host === undefined ? `\u0000${qid}` : `${host}\u0000${qid}`;
  }

  /**
   * The map's first entry while it stays first (undefined once it is touched or finished):
   * tick asks for it at every line of every syslog file, where an iterator each time was an
   * allocation per line (BENCHMARKS.md (e), 2026-12-04).
   */
  private front?: OpenMessage;

  /** The least recently touched open message, undefined when none is open. */
  private oldest(): OpenMessage | undefined {
    if (this.open.size === 0) return undefined;
    return (this.front ??= this.open.values().next().value as OpenMessage);
  }

  /** Every event passes here first: moves the log clock on and expires idle messages. */
  tick(ts: Micros, out: ParseItem[]): void {
    if (ts > this.now) this.now = ts;
    const oldest = this.oldest();
    if (oldest === undefined || (this.now - oldest.lastTs <= this.idle && this.open.size <= this.maxOpen)) return;
    // The map is kept in last-touched order, so the idle ones are at its front.
    for (const msg of this.open.values()) {
      if (this.now - msg.lastTs <= this.idle && this.open.size <= this.maxOpen) break;
      this.finish(msg, out, true);
    }
  }

  /**
   * The open record of `qid` with `event`'s line added to it. A line that only mentions a
   * queue id (a reject, an AUTH failure in a session that never sent mail) does not open a
   * record (`create` false): it joins one that is open, else it stays a line event only.
   */
  touch(event: LogEvent, qid: string, create = true): OpenMessage | undefined {
    const key = this.key(event.host, qid);
    let msg = this.open.get(key);
    if (msg) {
      // Moved to the end, so the map stays in last-touched order (see tick).
      if (msg !== this.lastTouched) {
        this.open.delete(key);
        this.open.set(key, msg);
        if (msg === this.front) this.front = undefined;
      }
    } else if (!create) {
      return undefined;
    } else {
      msg = { qid, key, origin: event.origin, lastTs: event.ts, lines: [], fields: {}, to: [], statuses: [], relays: [], relayIps: [], finals: 0 };
      if (event.host !== undefined) msg.host = event.host;
      if (event.program !== undefined) msg.program = event.program;
      this.open.set(key, msg);
    }
    this.lastTouched = msg;
    msg.lines.push(event.origin.line);
    msg.lastTs = event.ts;
    return msg;
  }

  /**
   * The last-line time of the least recently touched open message: no joined event this
   * join emits later is stamped earlier (up to lines that step back). Undefined when none is open.
   */
  oldestOpenTs(): Micros | undefined {
    return this.oldest()?.lastTs;
  }

  /** An open record, without touching it. */
  peek(host: string | undefined, qid: string): OpenMessage | undefined {
    return this.open.get(this.key(host, qid));
  }

  addRecipient(msg: OpenMessage, r: Recipient, final: boolean): void {
    addUnique(msg.to, r.to);
    if (r.status !== undefined) addUnique(msg.statuses, r.status);
    if (r.relay !== undefined) addUnique(msg.relays, r.relay);
    if (r.relayIp !== undefined) addUnique(msg.relayIps, r.relayIp);
    if (r.delay !== undefined && (msg.maxDelay === undefined || r.delay > msg.maxDelay)) msg.maxDelay = r.delay;
    if (final) msg.finals++;
  }

  /** Emits the joined delivery event of `msg` and forgets it. */
  finish(msg: OpenMessage, out: ParseItem[], incomplete = false): void {
    this.open.delete(msg.key);
    if (this.lastTouched === msg) this.lastTouched = undefined;
    if (this.front === msg) this.front = undefined;
    // A cut-off record with no sender, recipient or size (a session's `client=` line and
    // nothing after it) says nothing its line events do not: no delivery for it.
    if (incomplete && msg.fields.from === undefined && msg.to.length === 0 && msg.fields.size === undefined) return;
    if (incomplete) this.incomplete++;
    out.push(this.deliveryEvent(msg, incomplete));
  }

  /** End of file: every message still open is emitted as incomplete, then the note. */
  flush(file: string | undefined, out: ParseItem[]): void {
    for (const msg of [...this.open.values()]) this.finish(msg, out, true);
    if (this.incomplete > 0 && file !== undefined) {
      out.push({
        kind: 'note',
        file,
        message:
          `${this.incomplete} ${this.mta} message${this.incomplete === 1 ? '' : 's'} had no ${this.endMark} ` +
          `(cut off by the file's start or end, or idle over ${Math.round(this.idle / MICROS_PER_SECOND / 60)} min of log time): ` +
          'joined from the lines seen, with incomplete=1',
      });
    }
  }

  private deliveryEvent(msg: OpenMessage, incomplete: boolean): LogEvent {
    const fields: Record<string, FieldValue> = { queue_id: msg.qid, ...msg.fields };
    if (msg.to.length > 0) fields.to = msg.to.join(',');
    if (typeof fields.size === 'number') fields.bytes = fields.size;
    if (msg.statuses.length > 0) fields.status = msg.statuses.join(',');
    if (msg.relays.length > 0) fields.relay = msg.relays.join(',');
    if (msg.relayIps.length > 0) fields.relay_ip = msg.relayIps.join(',');
    if (msg.maxDelay !== undefined) fields.delay = msg.maxDelay;
    fields.lines = msg.lines.join(',');
    if (incomplete) fields.incomplete = 1;
    const event: LogEvent = {
      kind: 'log',
      ts: msg.lastTs,
      service: 'mail',
      action: 'delivery',
      fields,
      message: describe(msg.qid, fields),
      origin: msg.origin,
    };
    if (msg.host !== undefined) event.host = msg.host;
    if (msg.program !== undefined) event.program = msg.program;
    return event;
  }
}

function addUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

function describe(qid: string, f: Record<string, FieldValue>): string {
  // Concatenated, not parts joined: one of these per message.
  let text = 'message ' + qid;
  if (f.from !== undefined) text += ' from <' + f.from + '>';
  if (f.to !== undefined) text += ' to <' + String(f.to).replaceAll(',', '>, <') + '>';
  if (f.size !== undefined) text += ' ' + f.size + ' bytes';
  if (f.client !== undefined) text += ' client ' + f.client;
  if (f.relay !== undefined) text += ' relay ' + f.relay;
  if (f.status !== undefined) text += ' status ' + f.status;
  if (f.incomplete) text += ' (incomplete)';
  return text;
}

/** `host[ip]` or `host[ip]:port` -> parts; `[ip]` alone too. undefined when there are no brackets. */
export function splitHostAddress(text: string): { host?: string; ip: string; port?: number } | undefined {
  const open = text.lastIndexOf('[');
  const close = text.indexOf(']', open);
  if (open < 0 || close < 0) return undefined;
  let ip = text.slice(open + 1, close);
  if (ip.startsWith('IPv6:')) ip = ip.slice(5);
  const host = text.slice(0, open).trim();
  const result: { host?: string; ip: string; port?: number } = { ip };
  if (host !== '' && host !== 'unknown') result.host = host.endsWith('.') ? host.slice(0, -1) : host;
  const rest = text.slice(close + 1);
  if (/^:\d+$/.test(rest)) result.port = Number(rest.slice(1));
  return result;
}
