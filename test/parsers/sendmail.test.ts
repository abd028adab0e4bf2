import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem, ParseNote } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { detectFormat } from '../../parsers/index.js';
import { parseSendmailPairs, sendmailParser, splitSendmailRelay } from '../../parsers/sendmail.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const read = () => parseFile(sendmailParser, fixture('logs', 'sendmail-transactions.log'), { zone: 'UTC', year: 2005 });

describe('sendmail: from= and to= lines joined by queue id (look-alike lines)', () => {
  it('every line is an event; complete messages end at their last recipient status', async () => {
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
    // The bounced message was done (its one recipient final) before the DSN line named the
    // new id, so only the DSN's delivery carries the link.
    assert.deepEqual([ds[2].fields.bounce_id, ds[3].fields.bounce_of], [undefined, 'jA9JE0aa019500']);
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
