import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { accessLogParser, parseAccessLine } from '../../parsers/access-log.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
// The zone of the context must not matter: the stamps carry their offset.
const NY: TimeContext = { zone: 'America/New_York' };
const read = (name: string) => parseFile(accessLogParser, fixture('logs', name), NY);

describe('access logs: real files', () => {
  it('lnav combined: 3 requests, exact UTC, bytes and status', async () => {
    const events = logs(await read('lnav-access-log.log'));
    assert.equal(events.length, 3);
    assert.ok(events.every((e) => e.service === 'web' && e.action === 'request' && e.fields.client === '192.168.202.254'));
    assert.equal(iso(events[2].ts), '2009-07-20T22:59:29.000Z');
    assert.deepEqual(
      [events[2].fields.method, events[2].fields.path, events[2].fields.protocol, events[2].fields.status, events[2].fields.bytes, events[2].fields.user_agent, events[2].fields.referer],
      ['GET', '/vmw/vSphere/default/vmkernel.gz', 'HTTP/1.0', 200, 78929, 'gPXE/0.9.7', undefined],
    );
    assert.equal(events[1].fields.status, 404);
  });

  it('lnav shop log: 300 requests in +0330, no issues', async () => {
    const items = await read('lnav-shop-access-combined-0330.log');
    assert.equal(items.length, 300);
    assert.equal(issues(items).length, 0);
    assert.equal(iso(logs(items)[0].ts), '2019-01-22T00:26:14.000Z');
  });

  it('mtail: IPv6 client, `-` bytes = 0, an extra number after the bytes', async () => {
    const combined = logs(await read('mtail-apache-combined.log'));
    assert.equal(combined.length, 5);
    assert.deepEqual([combined[4].fields.client, combined[4].fields.status, combined[4].fields.bytes, combined[4].fields.referer], ['2001:db8::1', 304, 0, 'https://fubarservice.example.com/']);
    const common = logs(await read('mtail-apache-common.log'));
    assert.deepEqual(common.map((e) => [e.fields.bytes, e.fields.time_taken]), [[0, 3551], [1880, 8680], [19, 2167]]);
  });

  it('beats apache: ::1, "-" requests, a host name as client, a vhost, zones +0200/+0000/+0100', async () => {
    const items = await read('beats-apache-access.log');
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.equal(events.length, 7);
    assert.deepEqual(events.map((e) => iso(e.ts)), [
      '2016-12-26T14:16:29.000Z', '2016-12-26T16:22:13.000Z', '2016-12-26T14:16:48.000Z', '2017-05-29T19:02:48.000Z',
      '2017-05-29T19:02:48.000Z', '2019-02-02T04:38:45.000Z', '2019-07-04T07:20:46.000Z',
    ]);
    assert.deepEqual([events[2].fields.request, events[2].fields.method, events[2].fields.status, events[2].fields.bytes], ['-', undefined, 408, 0]);
    assert.equal(events[4].fields.client, 'monitoring-server');
    assert.deepEqual([events[6].fields.vhost, events[6].fields.client, events[6].fields.bytes], ['vhost1.domaine.fr', '123.123.123.123', 32953]);
  });

  it('beats nginx: X-Forwarded-For lists as the client or before it, and an empty request', async () => {
    const events = logs(await read('beats-nginx-access-xff.log'));
    assert.equal(events.length, 7);
    assert.deepEqual(events.map((e) => [e.fields.client, e.fields.forwarded_for]), [
      ['127.0.0.1', '10.0.0.2,10.0.0.1,127.0.0.1'],
      ['172.17.0.1', undefined],
      ['85.181.35.98', '10.0.0.2,10.0.0.1,85.181.35.98'],
      ['85.181.35.98', undefined],
      ['10.2.1.185', '10.5.102.222,199.96.1.1,204.246.1.1'],
      ['10.2.2.121', '2a03:0000:10ff:f00f:0000:0000:0:8000,10.225.192.17'],
      ['127.0.0.1', undefined],
    ]);
    assert.deepEqual([events[6].fields.request, events[6].fields.status], ['', 400]);
  });

  it('crowdsec nginx and apache2: vhosts with ports, a user, error-log lines as issues with a reason', async () => {
    const nginx = await read('crowdsec-nginx-access-vhost.log');
    assert.equal(logs(nginx).length, 8);
    assert.deepEqual(issues(nginx).map((i) => [i.line, i.reason]), [[9, 'nginx error log line, not an access log line']]);
    const ev = logs(nginx);
    assert.deepEqual([ev[5].fields.vhost, ev[5].fields.status, ev[5].fields.bytes], ['www.crowdsec11.net:80', 301, 0]);
    assert.deepEqual([ev[6].fields.user, ev[7].fields.user, ev[7].fields.client], ['user123', undefined, '192.168.1.1']);
    const apache = await read('crowdsec-apache2-access.log');
    assert.equal(logs(apache).length, 7);
    assert.deepEqual(issues(apache).map((i) => i.line), [8, 9]);
    assert.ok(issues(apache).every((i) => i.reason === 'Apache error log line, not an access log line'));
    assert.deepEqual([logs(apache)[6].fields.vhost, logs(apache)[6].fields.referer, iso(logs(apache)[6].ts)], ['website.com:443', 'abc.com', '2021-10-25T09:05:52.000Z']);
  });
});

describe('access logs: pieces and detection', () => {
  it('rejects lines that are not access log lines', () => {
    for (const line of ['Mar  8 03:33:10 host prog: x', '1.2.3.4 - - [08/Mar/2008:03:33:42] "GET / HTTP/1.1" 200 1', '1.2.3.4 - - [08/Mar/2008:03:33:42 +0100] "GET /" abc 1']) {
      assert.equal(parseAccessLine(line), undefined, line);
    }
    const r = parseAccessLine('1.2.3.4 - - [08/Mar/2008:03:33:42 -0430] "GET /a\\"b HTTP/1.1" 200 5')!;
    assert.deepEqual([r.offsetMinutes, r.fields.path], [-270, '/a\\"b']);
  });

  it('is detected on every access log fixture', async () => {
    for (const name of ['lnav-access-log.log', 'mtail-apache-combined.log', 'mtail-apache-common.log', 'beats-apache-access.log', 'beats-nginx-access-xff.log', 'crowdsec-nginx-access-vhost.log', 'crowdsec-apache2-access.log', 'lnav-shop-access-combined-0330.log']) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'access-log', name);
    }
    assert.equal(accessLogParser.timeCompleteness([]), 'full');
  });
});
