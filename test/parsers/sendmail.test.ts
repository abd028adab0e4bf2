import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem, ParseNote } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { detectFormat } from '../../parsers/index.js';
import { isSendmailProgram, parseSendmailPairs, sendmailParser, splitSendmailRelay } from '../../parsers/sendmail.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const read = () => parseFile(sendmailParser, fixture('logs', 'sendmail-transactions.log'), { zone: 'UTC', year: 2005 });

describe('sendmail: from= and to= lines joined by queue id (look-alike lines)', () => {
  it('every line is an event; a message ends once no recipient is deferred and it went quiet', async () => {
    const items = await read();
    assert.equal(items.filter((i): i is ParseIssue => i.kind === 'issue').length, 0);
    const events = logs(items);
    assert.equal(events.filter((e) => e.action !== 'delivery').length, 15);
    const ds = events.filter((e) => e.action === 'delivery');
    assert.deepEqual(ds.map((d) => [d.fields.queue_id, d.fields.status, d.fields.incomplete ?? 0]), [
      ['jA9J1UvC004306', 'sent', 0],
      ['jA9J1Wd7019391', 'deferred,sent', 0],
      ['jA9JE0aa019500', 'bounced', 0],
      ['jA9JE1bb019501', 'sent', 0],
      ['06I02CNi016766', undefined, 1],
    ]);
    const [first, two] = ds;
    assert.deepEqual(
      [first.fields.from, first.fields.to, first.fields.size, first.fields.bytes, first.fields.client, first.fields.client_host, first.fields.relay_ip, first.fields.delay, first.fields.message_id, first.fields.lines],
      ['root@relay.example.org', 'ops@example.net', 629060, 629060, '192.0.2.41', 'client.example.org', '198.51.100.25', 2, '200511091901.jA9J1UvC004306@relay.example.org', '2,3'],
    );
    assert.equal(iso(first.ts), '2005-11-09T12:01:33.000Z');
    // Two recipients on one to= line; deferred, then sent half an hour later.
    assert.deepEqual([two.fields.to, two.fields.delay, two.fields.lines, iso(two.ts)], ['a@example.com,b@example.com', 1802, '4,5,6', '2005-11-09T12:31:36.000Z']);
    // The bounced message waits for more to= lines (see the parser's header), so the DSN line
    // right after its bounce links both ways.
    assert.deepEqual([ds[2].fields.bounce_id, ds[3].fields.bounce_of], ['jA9JE1bb019501', 'jA9JE0aa019500']);
    assert.deepEqual(items.filter((i): i is ParseNote => i.kind === 'note').length, 1);
  });

  it('per-line actions: queued, sent, deferred, bounced, bounce, reject, login-failed; nrcpts=0 opens no message', async () => {
    const events = logs(await read()).filter((e) => e.action !== 'delivery');
    assert.deepEqual(events.map((e) => e.action ?? '-'), [
      '-', 'queued', 'sent', 'queued', 'deferred', 'sent', 'queued', 'bounced', 'bounce', 'sent', 'reject', 'reject', 'login-failed', 'queued', 'queued',
    ]);
    assert.ok(events.every((e) => e.service === 'mail'));
    assert.deepEqual([events[10].fields.client, events[10].fields.to, events[10].program], ['203.0.113.226', 'joe@example.com', 'sm-mta']);
    assert.deepEqual([events[11].fields.client, events[11].fields.queue_id], ['198.51.100.82', undefined]);
    assert.deepEqual([events[12].fields.client, events[12].fields.user], ['192.0.2.3', 'user@example.com']);
    assert.equal(events[13].fields.client, '2001:db8::1');
  });

  it('relay and pair forms', () => {
    assert.deepEqual(splitSendmailRelay('mx.example.net. [198.51.100.25]'), { host: 'mx.example.net', ip: '198.51.100.25' });
    assert.deepEqual(splitSendmailRelay('[IPv6:2001:DB8::1]'), { ip: '2001:DB8::1' });
    assert.deepEqual(splitSendmailRelay('host [192.0.2.1] (may be forged)'), { host: 'host', ip: '192.0.2.1' });
    assert.deepEqual(parseSendmailPairs('to=<a>,<b>, delay=00:00:01, relay=h. [192.0.2.1], stat=Sent (ok, queued)'), { to: '<a>,<b>', delay: '00:00:01', relay: 'h. [192.0.2.1]', stat: 'Sent (ok, queued)' });
  });

  it('is detected over generic syslog', async () => {
    const input = await openInput(fixture('logs', 'sendmail-transactions.log'));
    assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'sendmail');
  });
});

// A real sendmail (Debian's 8.17.1.9-2+deb12u2, `-L sm-mta -bd -q1m`) on 127.0.0.140, its
// clients on 127.0.0.141-143 and a sink as the next hop on 127.0.0.145, through rsyslog
// (test/fixtures/logs/SOURCES.md). What the clients sent is in the comments.
describe('sendmail 8.17 as it really logs (loopback runs)', () => {
  const real = (name: string) => parseFile(sendmailParser, fixture('logs', name), { zone: 'UTC', year: 2026 });
  const deliveries = (items: ParseItem[]) => logs(items).filter((e) => e.action === 'delivery');

  it('relay run: every line an event, one delivery per message, also when aliases fold two recipients into one to=root', async () => {
    const items = await real('sendmail-8.17-relay.log');
    assert.equal(items.filter((i) => i.kind === 'issue').length, 0);
    assert.equal(items.filter((i) => i.kind === 'note').length, 0, 'no message is cut off');
    const lines = logs(items).filter((e) => e.action !== 'delivery');
    assert.equal(lines.length, 27);
    assert.ok(lines.every((e) => e.service === 'mail' && e.fields.mta === 'sendmail'));
    const ds = deliveries(items);
    // Eight messages sent; the eighth had its only recipient refused (nrcpts=0): no delivery.
    assert.deepEqual(
      ds.map((d) => [d.fields.queue_id, d.fields.client, d.fields.from, d.fields.to, d.fields.size, d.fields.status, d.fields.lines, d.fields.incomplete]),
      [
        ['6B3Edse4023701', '127.0.0.141', 'carol@client1.test', 'root', 50532, 'sent', '10,11', undefined],
        ['6B3EdxDk023764', '127.0.0.141', 'carol@client1.test', 'root', 2070239, 'sent', '12,13', undefined],
        // One SMTP session from 127.0.0.142 with three messages.
        ['6B3Ee4JT023913', '127.0.0.142', 'frank@client2.test', 'root', 303247, 'sent', '14,15', undefined],
        // ops@ and bob@ (nrcpts=2), both aliased to root: one to= line, and still complete.
        ['6B3Ee4JU023913', '127.0.0.142', 'frank@client2.test', 'root', 1035072, 'sent', '16,18', undefined],
        ['6B3Ee4JV023913', '127.0.0.142', 'grace@client2.test', 'root', 151585, 'sent', '19,20', undefined],
        ['6B3EeAsh023966', '127.0.0.143', 'heidi@client3.test', 'dave@remote.test', 5175648, 'sent', '21,22', undefined],
        ['6B3EeFjQ024013', '127.0.0.143', 'heidi@client3.test', 'root,erin@remote.test', 505392, 'sent', '23,24,25', undefined],
      ],
    );
    // The client wrote 51192 bytes with CRLF line ends, 660 lines: sendmail counts LF only.
    assert.equal(ds[0].fields.bytes, 51192 - 660);
    assert.equal(iso(ds[0].ts), '2026-12-03T14:39:54.000Z');
    assert.deepEqual([ds[5].fields.relay, ds[5].fields.relay_ip, ds[5].fields.mta], ['[127.0.0.145] [127.0.0.145]', '127.0.0.145', 'sendmail']);
    assert.equal(ds[3].fields.nrcpt, 2);
  });

  it('relay run: a recipient refused at RCPT is a reject; the leg to the next hop carries the message size', async () => {
    const lines = logs(await real('sendmail-8.17-relay.log')).filter((e) => e.action !== 'delivery');
    const rejects = lines.filter((e) => e.action === 'reject');
    assert.deepEqual(rejects.map((e) => [e.origin.line, e.fields.queue_id, e.fields.to, e.fields.reason]), [
      [17, '6B3Ee4JV023913', 'nosuchuser@flowlink.test', 'User unknown'],
      [26, '6B3EeLRo024152', 'nosuchuser@flowlink.test', 'User unknown'],
    ]);
    const legs = lines.filter((e) => e.action === 'sent' && e.fields.relay_ip !== undefined);
    // The sink counted 5243041 and 512109 bytes: the message with sendmail's Received header, CRLF.
    assert.deepEqual(legs.map((e) => [e.origin.line, e.fields.to, e.fields.size, e.fields.response]), [
      [22, 'dave@remote.test', 5175648, 'Sent (2.0.0 Ok: queued as SINK1 (5243041 bytes))'],
      [25, 'erin@remote.test', 505392, 'Sent (2.0.0 Ok: queued as SINK1 (512109 bytes))'],
    ]);
    // Local deliveries have no next hop and no size on their line.
    assert.equal(lines.find((e) => e.origin.line === 11)!.fields.size, undefined);
    assert.deepEqual(lines.slice(0, 9).map((e) => e.action), Array(9).fill(undefined));
  });

  it('alias, DSN and retry run: one recipient aliased to two is one delivery; the DSN links both ways; the retry joins', async () => {
    for (const name of ['sendmail-8.17-alias-dsn-retry.log', 'sendmail-8.17-alias-dsn-retry.rfc3339.log']) {
      const items = await real(name);
      assert.equal(items.filter((i) => i.kind === 'issue').length, 0, name);
      assert.equal(logs(items).filter((e) => e.action !== 'delivery').length, 15, name);
      const ds = deliveries(items);
      assert.deepEqual(
        ds.map((d) => [d.fields.queue_id, d.fields.client, d.fields.to, d.fields.size, d.fields.status, d.fields.lines, d.fields.incomplete]),
        [
          // team@ (nrcpts=1) is `team: root, nobody`: two to= lines, one message.
          ['6B3EnJRX032512', '127.0.0.141', 'nobody,root', 404277, 'sent', '4,5,6', undefined],
          // x1@ and x2@ went over one transaction to the sink: one to= line.
          ['6B3EnOMK032607', '127.0.0.142', 'x2@remote.test,x1@remote.test', 202170, 'sent', '7,10', undefined],
          // The sink refused bounceme@ at RCPT (550); sendmail sent its DSN back to frank@.
          ['6B3EnOML032607', '127.0.0.142', 'bounceme@remote.test', 101054, 'bounced', '8,9,11', undefined],
          ['6B3EnOMK032612', undefined, 'frank@client2.test', undefined, 'sent', '11,12', undefined],
          // The sink was down (Connection refused); the queue run 4 s later sent it.
          ['6B3EnUpg032750', '127.0.0.143', 'later@remote.test', 707581, 'deferred,sent', '13,14,15', undefined],
        ],
        name,
      );
      assert.deepEqual([ds[2].fields.bounce_id, ds[3].fields.bounce_of], ['6B3EnOMK032612', '6B3EnOML032607'], name);
      assert.equal(ds[4].fields.delay, 4, name);
      const bounced = logs(items).find((e) => e.action === 'bounced')!;
      assert.equal(bounced.fields.reply, '550 5.1.1 <bounceme@remote.test>: Recipient address rejected: User unknown', name);
      // The retry's line, and so the delivery, is stamped when the sink took it.
      assert.equal(iso(ds[4].ts).slice(0, 19), '2026-12-03T14:49:34', name);
    }
    const precise = deliveries(await real('sendmail-8.17-alias-dsn-retry.rfc3339.log'));
    assert.equal(precise[4].ts, Date.parse('2026-12-03T14:49:34Z') * 1000 + 788884);
  });

  it('a message is done a minute after its last line when none is deferred; a later line for it opens no second record', async (t) => {
    // Real lines of the relay run (1 MB to ops@+bob@, nrcpts=2, one to=root), then a message
    // two minutes later, then a to= line for the first id again (as a late alias leg would be).
    const real = (await fs.readFile(fixture('logs', 'sendmail-8.17-relay.log'), 'utf8')).split('\n');
    const later = real[9].replace('14:39:54', '14:42:04');
    const late = real[17].replace('14:40:04', '14:42:05');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-sendmail-'));
    t.after(() => fs.rm(dir, { recursive: true }));
    const file = path.join(dir, 'maillog');
    await fs.writeFile(file, [real[15], real[17], later, late].join('\n') + '\n');
    const items = await parseFile(sendmailParser, file, { zone: 'UTC', year: 2026 });
    const order = logs(items).map((e) => `${e.action}:${e.fields.queue_id}`);
    assert.deepEqual(order, [
      'queued:6B3Ee4JU023913',
      'sent:6B3Ee4JU023913',
      // Emitted when the log clock passed its last line by over a minute, before the next line.
      'delivery:6B3Ee4JU023913',
      'queued:6B3Edse4023701',
      'sent:6B3Ee4JU023913',
      'delivery:6B3Edse4023701',
    ]);
    const ds = logs(items).filter((e) => e.action === 'delivery');
    assert.deepEqual(ds.map((d) => d.fields.incomplete), [undefined, 1]);
  });

  it("Debian's -L names are sendmail, and both real files are detected as sendmail", async () => {
    for (const tag of ['sm-mta', 'sm-mta-queue', 'sm-mta-runq', 'sm-que', 'sm-que-runq', 'sm-msp', 'sm-msp-queue']) assert.ok(isSendmailProgram(tag), tag);
    assert.ok(!isSendmailProgram('sm-notify'));
    for (const name of ['sendmail-8.17-relay.log', 'sendmail-8.17-alias-dsn-retry.rfc3339.log']) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'sendmail', name);
    }
  });
});
