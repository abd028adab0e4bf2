import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem, ParseNote } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { parseKeyValues, parsePostfixMessage, postfixDaemon, postfixParser, queueIdLength } from '../../parsers/postfix.js';
import { splitHostAddress } from '../../parsers/mail-queue.js';
import { pureFtpdParser } from '../../parsers/pure-ftpd.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const notes = (items: ParseItem[]) => items.filter((i): i is ParseNote => i.kind === 'note');
const deliveries = (items: ParseItem[]) => logs(items).filter((e) => e.action === 'delivery');
const Y2011: TimeContext = { zone: 'UTC', year: 2011 };
const read = (name: string, time: TimeContext = Y2011) => parseFile(postfixParser, fixture('logs', name), time);

describe('postfix: messages joined by queue id (look-alike transactions)', () => {
  it('every line is an event, plus one delivery per message, each after its last line', async () => {
    const items = await read('postfix-transactions.log');
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.equal(events.filter((e) => e.action !== 'delivery').length, 29);
    assert.deepEqual(deliveries(items).map((e) => e.fields.queue_id), ['2BD192839B', 'AA10A2839B', '3372E982BC', '09ABB982BE', '44JCRG5tYPzCqt2']);
    // The delivery follows the line that ended it (removed) in the output.
    const i = events.findIndex((e) => e.action === 'delivery');
    assert.deepEqual([events[i - 1].action, events[i - 1].origin.line], ['removed', 8]);
  });

  it('an incoming message: client, sender, size, recipient, relay, status, message-id, lines', async () => {
    const [d] = deliveries(await read('postfix-transactions.log'));
    assert.deepEqual(d.fields, {
      queue_id: '2BD192839B',
      client: '198.51.100.55',
      client_host: 'mail1.example.net',
      message_id: 'D4887A5E-DEAC-45CE@example.net',
      from: 'support@example.net',
      size: 1156,
      nrcpt: 1,
      to: 'alice@example.org',
      bytes: 1156,
      status: 'sent',
      relay: 'mx.example.org[private/dovecot-lmtp]',
      delay: 0.09,
      lines: '2,3,4,7,8',
    });
    assert.equal(iso(d.ts), '2011-03-22T18:18:15.000Z');
    assert.deepEqual([d.service, d.host, d.origin.line], ['mail', 'mx', 2]);
    assert.match(d.origin.raw, /2BD192839B: client=/);
  });

  it('two recipients, one deferred: comma-joined, cut off as incomplete when the queue id goes idle', async () => {
    const items = await read('postfix-transactions.log');
    const d = deliveries(items)[1];
    assert.deepEqual(
      [d.fields.to, d.fields.status, d.fields.relay_ip, d.fields.delay, d.fields.user, d.fields.size, d.fields.relayed_as, d.fields.incomplete, d.fields.lines],
      ['support@example.net,bob@example.com', 'sent,deferred', '198.51.100.55,203.0.113.7', 15, 'alice@example.org', 48200311, 'C4232266C9', 1, '10,11,12,13,14'],
    );
    // Its last line's time, emitted when the log clock passed an hour of idleness (line 17, May 11).
    assert.equal(iso(d.ts), '2011-03-22T18:20:44.000Z');
    const events = logs(items);
    assert.equal(events[events.indexOf(d) + 1].origin.line, 17);
    assert.deepEqual(notes(items).map((n) => n.message.slice(0, 47)), ["2 postfix messages had no 'removed' line (cut o"]);
  });

  it('a bounce: the notification names the old queue id, and each names the other', async () => {
    const [, , old, bounce, late] = deliveries(await read('postfix-transactions.log'));
    assert.deepEqual([old.fields.status, old.fields.bounce_id, old.fields.lines], ['bounced', '09ABB982BE', '17,18,19,20,23,24']);
    assert.deepEqual([bounce.fields.from, bounce.fields.bounce_of, bounce.fields.status, bounce.fields.relay_ip], ['', '3372E982BC', 'sent', '198.51.100.27']);
    // Long queue ids, `relay=none`, and the end of the file cutting a message off.
    assert.deepEqual([late.fields.queue_id, late.fields.status, late.fields.incomplete, late.fields.client], ['44JCRG5tYPzCqt2', 'deferred', 1, '192.0.2.80']);
  });

  it('per-line actions and fields', async () => {
    const events = logs(await read('postfix-transactions.log')).filter((e) => e.action !== 'delivery');
    assert.deepEqual(events.slice(0, 8).map((e) => e.action ?? '-'), ['connect', 'accepted', 'cleanup', 'queued', 'disconnect', '-', 'sent', 'removed']);
    assert.equal(events[5].service, 'syslog');
    const reject = events[14];
    assert.deepEqual([reject.action, reject.program, reject.fields.client, reject.fields.from, reject.fields.to, reject.fields.queue_id], ['reject', 'postfix-submission/smtpd', '192.0.2.66', 'spam@example.com', 'x@example.org', undefined]);
    assert.match(String(reject.fields.reason), /^554 5.7.1 .*Relay access denied$/);
    assert.deepEqual([events[15].action, events[15].fields.client], ['login-failed', '192.0.2.66']);
    // Line events carry no bytes: only deliveries are summed.
    assert.ok(events.every((e) => e.fields.bytes === undefined));
  });

  it('a message touched again no longer holds back the idle cut-off of the ones opened after it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-postfix-'));
    const file = path.join(dir, 'maillog');
    // A opens first, B next, then A is deferred (touched again): B is now the oldest open one.
    await fs.writeFile(file, [
      'Mar 22 18:00:00 mx postfix/qmgr[15878]: AA10A2839B: from=<alice@example.org>, size=1156, nrcpt=1 (queue active)',
      'Mar 22 18:00:10 mx postfix/qmgr[15878]: BB20B2839B: from=<bob@example.org>, size=2048, nrcpt=1 (queue active)',
      'Mar 22 18:00:20 mx postfix/smtp[22601]: AA10A2839B: to=<x@example.net>, relay=none, delay=20, delays=0/0/20/0, dsn=4.4.1, status=deferred (connect to example.net[192.0.2.1]:25: Connection timed out)',
      'Mar 22 19:00:15 mx postfix/smtpd[22574]: connect from mail1.example.net[198.51.100.55]',
      'Mar 22 19:00:25 mx postfix/smtpd[22574]: disconnect from mail1.example.net[198.51.100.55] ehlo=1 quit=1 commands=2',
    ].join('\n') + '\n');
    const items = await parseFile(postfixParser, file, Y2011);
    const order = logs(items).map((e) => (e.action === 'delivery' ? `delivery ${e.fields.queue_id}` : `line ${e.origin.line}`));
    // B is idle past the hour at 19:00:15 (65 min after 18:00:10), A only at 19:00:25 (its line at 18:00:20).
    assert.deepEqual(order, ['line 1', 'line 2', 'line 3', 'delivery BB20B2839B', 'line 4', 'delivery AA10A2839B', 'line 5']);
    await fs.rm(dir, { recursive: true });
  });

  it('the idle cut-off keeps memory bounded: 20 000 messages without removed lines are emitted as they go idle', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-postfix-'));
    const file = path.join(dir, 'maillog');
    const lines: string[] = [];
    for (let k = 0; k < 20000; k++) {
      const qid = (0x100000 + k).toString(16).toUpperCase();
      const t = k * 10; // one message every 10 s
      const hh = String(Math.floor(t / 3600) % 24).padStart(2, '0');
      const mm = String(Math.floor(t / 60) % 60).padStart(2, '0');
      const ss = String(t % 60).padStart(2, '0');
      const day = String(1 + Math.floor(t / 86400)).padStart(2, ' ');
      lines.push(`Jan ${day} ${hh}:${mm}:${ss} mx postfix/qmgr[1]: ${qid}: from=<a@example.org>, size=10, nrcpt=1 (queue active)`);
    }
    await fs.writeFile(file, lines.join('\n') + '\n');
    const items = await parseFile(postfixParser, file, Y2011);
    const ds = deliveries(items);
    assert.equal(ds.length, 20000);
    assert.ok(ds.every((d) => d.fields.incomplete === 1));
    // Emitted an hour (360 messages) after their line, not all at the end.
    const firstDelivery = items.findIndex((i) => i.kind === 'log' && i.action === 'delivery');
    assert.ok(firstDelivery > 300 && firstDelivery < 400, String(firstDelivery));
    await fs.rm(dir, { recursive: true });
  });
});

describe('postfix: real lines (crowdsec, MIT)', () => {
  it('crowdsec-postfix-mixed-ts.log: rejects and warnings, mixed stamps, no delivery, no issues', async () => {
    const items = await read('crowdsec-postfix-mixed-ts.log', { zone: 'UTC', anchor: Date.UTC(2024, 8, 1) * 1000 });
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.equal(events.length, 7);
    assert.ok(events.every((e) => e.service === 'mail'));
    assert.deepEqual(events.map((e) => e.action ?? '-'), ['login-failed', 'reject', 'reject', 'reject', 'reject', '-', '-']);
    assert.ok(events.every((e) => e.fields.client === '192.168.1.1' && e.fields.queue_id === undefined));
    assert.deepEqual([events[2].fields.from, events[2].fields.helo], ['spammer@domain.tld', 'WIN-9QL4SDRB93L']);
    assert.equal(events[6].fields.client_host, 'not.stretchoid.com');
    assert.equal(notes(items).length, 0);
  });
});

describe('postfix: pieces', () => {
  it('finds the daemon of instance tags', () => {
    assert.deepEqual(
      ['postfix/smtpd', 'postfix-submission/smtpd', 'postfix-smo/submission/smtpd', 'postfix/smtp-25/smtpd', 'postfix/qmgr', 'postfixadmin', 'sm-mta'].map(postfixDaemon),
      ['smtpd', 'smtpd', 'smtpd', 'smtpd', 'qmgr', undefined, undefined],
    );
  });

  it('parses key=value lists with <> values and a trailing comment', () => {
    assert.deepEqual(parseKeyValues('from=<a, b@x>, size=12, nrcpt=1 (queue active)'), { values: { from: 'a, b@x', size: '12', nrcpt: '1' }, comment: 'queue active' });
    assert.deepEqual(parseKeyValues('from=<>, status=expired, returned to sender').values, { from: '', status: 'expired' });
  });

  it('does not take words for queue ids', () => {
    assert.equal(parsePostfixMessage('smtpd', 'warning: hostname x does not resolve').fields.queue_id, undefined);
    assert.equal(parsePostfixMessage('smtpd', 'improper command pipelining after DATA from unknown[192.0.2.1]:').fields.client, '192.0.2.1');
    assert.equal(parsePostfixMessage('pickup', 'ABCDEF1234: uid=0 from=<root>').action, 'pickup');
    assert.equal(parsePostfixMessage('qmgr', 'ABCDEF1234: from=<a@b>, status=expired, returned to sender').action, 'expired');
  });

  it('wins detection over generic syslog; the syslog and pure-ftpd readers join postfix too', async () => {
    for (const name of ['postfix-transactions.log', 'crowdsec-postfix-mixed-ts.log']) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'postfix', name);
    }
    for (const parser of [syslogParser, pureFtpdParser]) {
      const items = await parseFile(parser, fixture('logs', 'postfix-transactions.log'), Y2011);
      assert.equal(deliveries(items).length, 5, parser.name);
    }
  });
});

describe('postfix as Debian postfix 3.7.11 writes it (e2e suite: smtpd, no reverse DNS, discard)', () => {
  it('joins the message into one delivery with the client address from unknown[ip]', async () => {
    const items = await read('e2e-postfix-smtpd-discard.log', { zone: 'UTC', year: 2026 });
    assert.deepEqual(issues(items), []);
    const [d, ...more] = deliveries(items);
    assert.equal(more.length, 0);
    assert.deepEqual(
      [d.fields.queue_id, d.fields.client, d.fields.client_host, d.fields.from, d.fields.to, d.fields.size, d.fields.relay, d.fields.status],
      // `unknown` is postfix's word for no reverse DNS name, not a host name.
      ['92C3721043C', '127.0.0.23', undefined, 'scanner-1@branch.e2e.test', 'archive@e2e.flowlink.test', 256718, 'none', 'sent'],
    );
    assert.equal(d.fields.relay_ip, undefined);
    assert.equal(iso(d.ts), '2026-12-02T01:09:22.000Z');
    // The next connection of the same smtpd process carried no message: its lines stay events.
    assert.deepEqual(logs(items).filter((e) => e.action === 'connect').length, 2);
  });
});

describe('postfix: the char-code readers agree with the patterns they replaced', () => {
  // A seeded generator of tokens near the edges: lengths 1-22, hex, vowels, lower case, digits.
  function* tokens(seed: number, count: number): Generator<string> {
    let x = seed;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
    const alphabets = ['0123456789ABCDEF', '0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'NOQUEUEwarning'];
    for (let k = 0; k < count; k++) {
      const alphabet = alphabets[next() % alphabets.length];
      const length = 1 + (next() % 22);
      let t = '';
      for (let i = 0; i < length; i++) t += alphabet[next() % alphabet.length];
      yield t;
    }
  }

  it('queue ids: the same answer as /^([0-9A-F]{6,12}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,20}): /', () => {
    const QID_RE = /^([0-9A-F]{6,12}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,20}): /;
    const real = ['2BD192839B: client=x', '44JCRG5tYPzCqt2: removed', 'D05CA2D686C: removed', 'NOQUEUE: reject: RCPT', 'warning: hostname', 'Anonymous: x', '2BD192839B:removed', '2BD192839B'];
    let ids = 0;
    for (const message of [...real, ...[...tokens(7, 5000)].flatMap((t) => [`${t}: x`, `${t}:x`, t])]) {
      const m = QID_RE.exec(message);
      assert.equal(queueIdLength(message), m ? m[1].length : 0, message);
      if (m) ids++;
    }
    assert.ok(ids > 500, `${ids} ids among the generated tokens`);
  });

  it('connect/disconnect clients: the same fields as the regex and splitHostAddress', () => {
    const CLIENT_RE = /^(connect|disconnect) from (\S+\[[^\]]*\](?::\d+)?)/;
    const texts = [
      // test/fixtures/logs/e2e-postfix-smtpd-discard.log (Debian postfix 3.7) and crowdsec (MIT)
      'connect from unknown[127.0.0.22]',
      'disconnect from unknown[127.0.0.22] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
      'connect from not.stretchoid.com[192.168.1.1]',
      // the shapes postfix uses for IPv6, a port, a trailing dot and odd brackets
      'connect from mail.example.org[2001:db8::25]',
      'connect from mail.example.org.[IPv6:2001:db8::25]:587',
      'connect from a[b]c[d',
      'connect from [192.0.2.1]',
      'connect from unknown',
      'disconnect from x[1.2.3.4]:',
      'connect from h[a b] ehlo=1',
    ];
    for (const text of texts) {
      const m = CLIENT_RE.exec(text);
      const got = parsePostfixMessage('smtpd', text);
      if (!m) {
        assert.equal(got.action, undefined, text);
        continue;
      }
      const ref = splitHostAddress(m[2])!;
      assert.equal(got.action, m[1], text);
      assert.deepEqual([got.fields.client, got.fields.client_host, got.fields.client_port], [ref.ip, ref.host, ref.port], text);
    }
  });

  it('queue-id pairs: numbers only when all digits, the last of a repeated key, the relay port, the comment', () => {
    const sent = parsePostfixMessage('smtp', 'AA10A2839B: to=<support@example.net>, relay=mail1.example.net[198.51.100.55]:25, delay=0.14, delays=0.08/0.01/0.05/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C4232266C9)');
    assert.deepEqual(sent, {
      daemon: 'smtp',
      action: 'sent',
      fields: {
        queue_id: 'AA10A2839B', to: 'support@example.net', relay: 'mail1.example.net[198.51.100.55]:25', relay_ip: '198.51.100.55', relay_port: 25,
        delay: 0.14, delays: '0.08/0.01/0.05/0.01', dsn: '2.0.0', response: '250 2.0.0 Ok: queued as C4232266C9', relayed_as: 'C4232266C9', status: 'sent',
      },
    });
    const odd = parsePostfixMessage('qmgr', 'AA10A2839B: from=<a@b>, size=12k, nrcpt=2, nrcpt=3 (queue active)');
    assert.deepEqual([odd.action, odd.fields.size, odd.fields.nrcpt], ['queued', undefined, 3]);
    const socket = parsePostfixMessage('lmtp', '2BD192839B: to=<alice@example.org>, relay=mx.example.org[private/dovecot-lmtp], delay=1., dsn=2.0.0, status=sent (250 2.0.0 <alice@example.org> Saved)');
    assert.deepEqual([socket.fields.relay_ip, socket.fields.delay, socket.fields.response, socket.fields.relayed_as], [undefined, undefined, '250 2.0.0 <alice@example.org> Saved', undefined]);
  });
});

describe('postfix relaying: a real 3.7 writing its own maillog_file (test/fixtures/logs/SOURCES.md)', () => {
  it("reads postlogd's lines (`Dec 03`, the short host), joins three messages and gives each transaction out the message's size once", async () => {
    const input = await openInput(fixture('logs', 'postfix-3.7-relay-maillog_file.log'));
    assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'postfix');
    const items = await read('postfix-3.7-relay-maillog_file.log', { zone: 'UTC', year: 2026 });
    assert.deepEqual(issues(items), []);
    assert.equal(logs(items).filter((e) => e.action !== 'delivery').length, 20, 'every line an event');
    // What the client sent (send.py): 300,000, 1,000,000 and 2,000,000 random bytes as base64
    // attachments, which postfix counts as 411,273, 1,369,165 and 2,737,583 (the sink got the same).
    assert.deepEqual(
      deliveries(items).map((d) => [d.fields.queue_id, d.fields.client, d.fields.size, d.fields.to, d.fields.relay_ip, iso(d.ts)]),
      [
        ['59BEA27E93F', '127.0.0.172', 411273, 'alice@remote.test', '127.0.0.171', '2026-12-03T15:49:33.000Z'],
        ['7823827E93F', '127.0.0.172', 1369165, 'bob@remote.test', '127.0.0.171', '2026-12-03T15:49:33.000Z'],
        ['CC0BD27E940', '127.0.0.172', 2737583, 'carol@remote.test,dave@remote.test', '127.0.0.171', '2026-12-03T15:49:36.000Z'],
      ],
    );
    // carol@ and dave@ went in one transaction (one `queued as` answer): only its first line has the size.
    assert.deepEqual(
      logs(items).filter((e) => e.action === 'sent').map((e) => [e.fields.to, e.fields.size]),
      [['alice@remote.test', 411273], ['bob@remote.test', 1369165], ['carol@remote.test', 2737583], ['dave@remote.test', undefined]],
    );
  });
});

describe("postfix through rsyslog's RFC 5424 template: APP-NAME `postfix`, the daemon told by the message (a real run, SOURCES.md)", () => {
  // Both files hold the same records from one rsyslog ruleset, so line N of one is line N of the other.
  const NY: TimeContext = { zone: 'America/New_York', year: 2026 };
  const BARE = 'rsyslog-protocol23-postfix.log';
  const SLASH = 'rsyslog-traditional-postfix.log';
  const lines = (items: ParseItem[]) => logs(items).filter((e) => e.action !== 'delivery');

  it('is detected as postfix, every line a mail event, no issues', async () => {
    for (const name of [BARE, SLASH]) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'postfix', name);
      const items = await read(name, NY);
      assert.deepEqual(issues(items), [], name);
      assert.equal(lines(items).length, 52, name);
      assert.ok(lines(items).every((e) => e.service === 'mail'), name);
    }
  });

  it('the full transaction: connect, client=, cleanup, qmgr, smtp sent, removed, disconnect, each with its daemon', async () => {
    const events = lines(await read(BARE, NY));
    assert.deepEqual(
      events.slice(2, 9).map((e) => [e.program, e.pid, e.action, e.fields.daemon, e.fields.queue_id]),
      [
        ['postfix', 25071, 'connect', 'smtpd', undefined],
        ['postfix', 25071, 'accepted', 'smtpd', '23B4E292340'],
        ['postfix', 25074, 'cleanup', 'cleanup', '23B4E292340'],
        ['postfix', 25029, 'queued', 'qmgr', '23B4E292340'],
        ['postfix', 25071, 'disconnect', 'smtpd', undefined],
        ['postfix', 25075, 'sent', 'smtp', '23B4E292340'],
        ['postfix', 25029, 'removed', 'qmgr', '23B4E292340'],
      ],
    );
    assert.deepEqual([events[2].fields.client, events[2].fields.client_host, iso(events[2].ts)], ['127.0.0.42', 'client.pf5424.flowlink.test', '2026-12-03T17:53:44.108Z']);
  });

  it('the other shapes: local, bounced and its notification, NOQUEUE reject, lost connection, pickup, an instance `postfix-out`', async () => {
    const events = lines(await read(BARE, NY));
    const at = (line: number) => events.find((e) => e.origin.line === line)!;
    assert.deepEqual(
      [15, 22, 25, 30, 33, 35, 38, 44, 49].map((n) => [n, at(n).program, at(n).action, at(n).fields.daemon]),
      [
        [15, 'postfix', 'sent', 'local'],
        [22, 'postfix', 'bounced', 'smtp'],
        [25, 'postfix', 'bounce', 'bounce'],
        [30, 'postfix', 'reject', 'smtpd'],
        [33, 'postfix', 'lost-connection', 'smtpd'],
        [35, 'postfix', 'pickup', 'pickup'],
        [38, 'postfix', 'sent', 'local'],
        [44, 'postfix-out', 'connect', 'smtpd'],
        [49, 'postfix-out', 'sent', 'smtp'],
      ],
    );
  });

  it("every line gives the fields and action of its `postfix/<daemon>` twin; master's and postfix-script's lack only the daemon", async () => {
    const bare = lines(await read(BARE, NY));
    const slash = lines(await read(SLASH, NY));
    assert.equal(bare.length, slash.length);
    const unknown: string[] = [];
    for (const [k, b] of bare.entries()) {
      const s = slash[k];
      assert.equal(b.origin.line, s.origin.line);
      assert.equal(b.action, s.action, `line ${b.origin.line}`);
      if (b.fields.daemon === undefined) {
        unknown.push(`${b.origin.line} ${s.fields.daemon}`);
        const { daemon: _, ...rest } = s.fields;
        assert.deepEqual(b.fields, rest, `line ${b.origin.line}`);
      } else assert.deepEqual(b.fields, s.fields, `line ${b.origin.line}`);
    }
    // `starting the Postfix mail system`, `daemon started -- version 3.7.11, ...`, `stopping ...`, `terminating on signal 15`.
    assert.deepEqual(unknown, ['1 postfix-script', '2 master', '40 postfix-script', '41 master', '42 postfix-script', '43 master', '51 postfix-script', '52 master']);
    for (const n of [1, 2, 40, 41]) assert.equal(bare[n - 1].action, undefined);
  });

  it('joins the same deliveries as the `postfix/<daemon>` file: queue id, size, from, to, client, status, lines', async () => {
    const bare = deliveries(await read(BARE, NY));
    const slash = deliveries(await read(SLASH, NY));
    assert.deepEqual(bare.map((d) => d.fields), slash.map((d) => d.fields));
    assert.deepEqual(
      bare.map((d) => [d.fields.queue_id, d.fields.size, d.fields.from, d.fields.to, d.fields.client, d.fields.status, d.fields.relay, d.fields.lines]),
      [
        // send.py's 50,000, 20,000 and 10,000 random bytes as base64 attachments, as postfix counted them.
        ['23B4E292340', 69278, 'backup@mx.pf5424.flowlink.test', 'alice@remote.test', '127.0.0.42', 'sent', '127.0.0.43[127.0.0.43]:25', '4,5,6,8,9'],
        ['27E9B292048', 28156, 'backup@mx.pf5424.flowlink.test', 'ops@mx.pf5424.flowlink.test', '127.0.0.42', 'sent', 'local', '11,12,13,15,16'],
        ['31B2B292345', 16583, '', 'backup@mx.pf5424.flowlink.test', undefined, 'sent', 'local', '23,24,26,27'],
        ['2CF12292342', 14460, 'backup@mx.pf5424.flowlink.test', 'bounceme@remote.test', '127.0.0.42', 'bounced', '127.0.0.43[127.0.0.43]:25', '18,19,20,22,25,28'],
        ['3A547292004', 340, 'root@mx.pf5424.flowlink.test', 'ops@mx.pf5424.flowlink.test', undefined, 'sent', 'local', '35,36,37,38,39'],
        ['15A9F2920A9', 69277, 'backup@mx.pf5424.flowlink.test', 'alice@remote.test', '127.0.0.42', 'sent', '127.0.0.43[127.0.0.43]:25', '45,46,47,49,50'],
      ],
    );
    assert.deepEqual([bare[2].fields.bounce_of, bare[3].fields.bounce_id], ['2CF12292342', '31B2B292345']);
    // The same stamps to the second (the RFC 5424 ones keep microseconds).
    assert.deepEqual(bare.map((d) => Math.floor(d.ts / 1e6)), slash.map((d) => d.ts / 1e6));
  });

  it("never names a wrong daemon: every postfix fixture line with its tag cut at the `/`, as rsyslog cuts it", async () => {
    const told = new Map<string, number>();
    for (const name of ['postfix-3.7-relay-maillog_file.log', 'e2e-postfix-smtpd-discard.log', 'crowdsec-postfix-mixed-ts.log', 'postfix-transactions.log', SLASH]) {
      const text = await fs.readFile(fixture('logs', name), 'utf8');
      const cut = text.replace(/ (postfix(?:-[\w.-]+)?)(?:\/[\w.-]+)+\[/g, ' $1[');
      const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-bare-')), name);
      await fs.writeFile(file, cut);
      const bare = lines(await parseFile(postfixParser, file, NY));
      const slash = lines(await read(name, NY));
      assert.equal(bare.length, slash.length, name);
      for (const [k, b] of bare.entries()) {
        const want = slash[k].fields.daemon as string | undefined;
        if (want === undefined) continue; // dovecot's line among postfix's
        const got = b.fields.daemon as string | undefined;
        if (got !== undefined) assert.equal(got, want, `${name}:${b.origin.line}`);
        const key = `${want} -> ${got ?? '-'}`;
        told.set(key, (told.get(key) ?? 0) + 1);
        assert.equal(b.action, slash[k].action, `${name}:${b.origin.line}`);
      }
      await fs.rm(path.dirname(file), { recursive: true });
    }
    // Left out: discard's `relay=none` (error's and smtp's too), smtpd's `non-SMTP command`
    // warnings, smtp's `relay=none` connect failure, master's and postfix-script's lines.
    assert.deepEqual([...told].sort(), [
      ['bounce -> bounce', 2], ['cleanup -> cleanup', 14], ['discard -> -', 1], ['lmtp -> lmtp', 1], ['local -> local', 3],
      ['master -> -', 4], ['pickup -> pickup', 1], ['postfix-script -> -', 4], ['qmgr -> qmgr', 28], ['smtp -> -', 1],
      ['smtp -> smtp', 10], ['smtpd -> -', 2], ['smtpd -> smtpd', 44], ['virtual -> virtual', 1],
    ]);
  });
});
