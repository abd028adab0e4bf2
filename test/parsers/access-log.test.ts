import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { accessLogParser, parseAccessLine, whyNotAccessLog } from '../../parsers/access-log.js';
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
    // Apache writes a quote in the request as \" (seen from the real apache2 below): the path has the quote.
    const r = parseAccessLine('1.2.3.4 - - [08/Mar/2008:03:33:42 -0430] "GET /a\\"b HTTP/1.1" 200 5')!;
    assert.deepEqual([r.offsetMinutes, r.fields.path], [-270, '/a"b']);
  });

  it('is detected on every access log fixture', async () => {
    for (const name of ['lnav-access-log.log', 'mtail-apache-combined.log', 'mtail-apache-common.log', 'beats-apache-access.log', 'beats-nginx-access-xff.log', 'crowdsec-nginx-access-vhost.log', 'crowdsec-apache2-access.log', 'lnav-shop-access-combined-0330.log']) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'access-log', name);
    }
    assert.equal(accessLogParser.timeCompleteness([]), 'full');
  });
});

// Debian 12's nginx 1.22.1 and apache2 2.4.71 run by hand on loopback in Europe/Berlin (+0100),
// the same requests to each (test/fixtures/logs/SOURCES.md); the expected values are what the
// clients saw (curl's size_download, the files' sizes) and the UTC times curl and tcpdump recorded.
describe('access logs: real nginx and apache2 on Debian 12', () => {
  const fields = (e: LogEvent) => [e.fields.client, e.fields.method, e.fields.path, e.fields.status, e.fields.bytes];

  it('nginx combined (its default access_log format): every line read, times in UTC, body sizes', async () => {
    const items = await read('nginx-combined-berlin.log');
    assert.equal(issues(items).length, 0);
    const ev = logs(items);
    assert.equal(ev.length, 22);
    // 15:36:13 +0100; curl fetched the 8,000,000-byte file at 14:36:13.53-14:36:14.47 UTC.
    assert.equal(iso(ev[0].ts), '2026-12-03T14:36:13.000Z');
    assert.deepEqual(fields(ev[0]), ['127.0.0.152', 'GET', '/files/release-1.iso', 200, 8000000]);
    assert.deepEqual([ev[0].fields.protocol, ev[0].fields.user_agent, ev[0].fields.referer], ['HTTP/1.1', 'curl/7.88.1', undefined]);
    // One keep-alive connection from 127.0.0.153: /, style.css (27,019 bytes), a 12 MiB file, a 404.
    assert.deepEqual(ev.slice(1, 5).map(fields), [
      ['127.0.0.153', 'GET', '/', 200, 40],
      ['127.0.0.153', 'GET', '/style.css', 200, 27019],
      ['127.0.0.153', 'GET', '/files/release-2.iso', 200, 12582912],
      ['127.0.0.153', 'GET', '/files/nothere.iso', 404, 153],
    ]);
    // nginx stamps a request when it is done: the 404 came after the 12 MiB (14:36:20.96 UTC).
    assert.equal(iso(ev[4].ts), '2026-12-03T14:36:20.000Z');
    assert.deepEqual(fields(ev[5]), ['127.0.0.154', 'HEAD', '/files/release-1.iso', 200, 0]);
    assert.deepEqual(fields(ev[6]), ['127.0.0.154', 'GET', '/files/photos.tar', 206, 100000]);
    // A 5,000,000-byte PUT (14:36:27.00-14:36:29.40 UTC): stamped at its end, only the response counted.
    assert.deepEqual(fields(ev[7]), ['127.0.0.155', 'PUT', '/dav/upload-nginx.bin', 201, 25]);
    assert.equal(iso(ev[7].ts), '2026-12-03T14:36:29.000Z');
    assert.deepEqual(fields(ev[8]), ['127.0.0.155', 'POST', '/index.html', 405, 157]);
    // curl killed after 2 s: the capture has 10,974,889 bytes from the server, nginx says 200 and the whole file.
    assert.deepEqual(fields(ev[9]), ['127.0.0.152', 'GET', '/files/release-2.iso', 200, 12582912]);
    assert.deepEqual([...fields(ev[10]), ev[10].fields.user_agent], ['127.0.0.154', 'GET', '/files/photos.tar', 200, 3000000, 'Wget/1.21.3']);
    assert.deepEqual(fields(ev[11]), ['::1', 'GET', '/files/chunk.bin', 200, 400000]);
    assert.deepEqual([ev[21].fields.protocol, ev[21].fields.bytes], ['HTTP/2.0', 400000]);
  });

  it("nginx's escapes are undone; a TLS hello on the plain port is no method; users on 200 and 401", async () => {
    const ev = logs(await read('nginx-combined-berlin.log'));
    assert.deepEqual([ev[12].fields.method, ev[12].fields.path, ev[12].fields.status, ev[12].fields.bytes], [undefined, undefined, 400, 157]);
    assert.match(String(ev[12].fields.request), /^\\x16\\x03\\x01\\x02/);
    assert.deepEqual([ev[13].fields.path, ev[13].fields.protocol], ['/a"b c.html', 'HTTP/1.1']);
    assert.equal(ev[14].fields.path, '/caf\u00e9/%20x?q=a b');
    assert.deepEqual([ev[16].fields.method, ev[16].fields.path, ev[16].fields.protocol], ['GET', '/index.html', undefined]);
    assert.deepEqual([ev[17].fields.method, ev[17].fields.status], ['FOO', 405]);
    assert.deepEqual([ev[18].fields.user_agent, ev[18].fields.referer], ['Mozilla/5.0 "quoted" \\ back', 'http://example.test/a b']);
    assert.deepEqual([ev[19].fields.user, ev[19].fields.status, ev[20].fields.user, ev[20].fields.status], ['backup7', 200, 'backup7', 401]);
  });

  it("Debian's apache2 combined (%O): sizes with the response headers, requests stamped on arrival", async () => {
    const items = await read('apache2-combined-berlin.log');
    assert.equal(issues(items).length, 0);
    const ev = logs(items);
    assert.equal(ev.length, 21);
    assert.equal(iso(ev[0].ts), '2026-12-03T14:36:52.000Z');
    // The 8,000,000-byte body and a 254-byte header, as the HEAD of the same file shows.
    assert.deepEqual(fields(ev[0]), ['127.0.0.152', 'GET', '/files/release-1.iso', 200, 8000254]);
    assert.deepEqual(fields(ev[5]), ['127.0.0.154', 'HEAD', '/files/release-1.iso', 200, 254]);
    assert.deepEqual(ev.slice(1, 5).map((e) => [e.fields.client, e.fields.status, iso(e.ts)]), [
      ['127.0.0.153', 200, '2026-12-03T14:36:56.000Z'],
      ['127.0.0.153', 200, '2026-12-03T14:36:56.000Z'],
      ['127.0.0.153', 200, '2026-12-03T14:36:56.000Z'],
      ['127.0.0.153', 404, '2026-12-03T14:36:58.000Z'],
    ]);
    // The PUT ran 14:37:04.60-14:37:07.00 UTC: apache2 stamped its arrival.
    assert.deepEqual([...fields(ev[7]), iso(ev[7].ts)], ['127.0.0.155', 'PUT', '/dav/upload-apache.bin', 201, 476, '2026-12-03T14:37:04.000Z']);
    // The aborted download: 6,685,059 bytes on the wire, 9,795,475 handed to the kernel.
    assert.deepEqual(fields(ev[9]), ['127.0.0.152', 'GET', '/files/release-2.iso', 200, 9795475]);
    assert.deepEqual(fields(ev[11]), ['::1', 'GET', '/files/chunk.bin', 200, 400249]);
    // Its escapes: \x16... for the TLS hello, \" and \\ in the agent, and a bad request line without its protocol.
    assert.deepEqual([ev[12].fields.request, ev[12].fields.method, ev[12].fields.status], ['\\x16\\x03\\x01\\x02', undefined, 400]);
    assert.deepEqual([ev[13].fields.method, ev[13].fields.path, ev[13].fields.protocol], ['GET', '/a"b c.html', undefined]);
    assert.equal(ev[14].fields.path, '/caf\u00e9/%20x?q=a b');
    assert.equal(ev[18].fields.user_agent, 'Mozilla/5.0 "quoted" \\ back');
    assert.deepEqual([ev[20].fields.user, ev[20].fields.status], ['backup7', 401]);
  });

  it("apache2's common, vhost_combined and upstream %b logs of the same requests", async () => {
    const combined = logs(await read('apache2-combined-berlin.log'));
    const common = logs(await read('apache2-common-berlin.log'));
    const vhost = logs(await read('apache2-vhost-combined-berlin.log'));
    const upstream = logs(await read('apache2-upstream-combined-berlin.log'));
    for (const ev of [common, vhost, upstream]) {
      assert.equal(ev.length, 21);
      assert.deepEqual(ev.map((e) => [iso(e.ts), e.fields.client, e.fields.path, e.fields.status]), combined.map((e) => [iso(e.ts), e.fields.client, e.fields.path, e.fields.status]));
    }
    assert.deepEqual(common.map((e) => e.fields.bytes), combined.map((e) => e.fields.bytes));
    assert.ok(common.every((e) => e.fields.user_agent === undefined));
    // %v:%p is the ServerName and its canonical port (80), not the listening 8082.
    assert.ok(vhost.every((e) => e.fields.vhost === 'web2.flowlink.test:80'));
    assert.equal(vhost[11].fields.client, '::1');
    // %b: the body alone, as nginx logs it; `-` for the HEAD; the aborted download as the whole file.
    assert.deepEqual([upstream[0].fields.bytes, upstream[5].fields.bytes, upstream[9].fields.bytes], [8000000, 0, 12582912]);
  });

  it("nginx with a custom log_format after combined's fields ($request_time ... \"$upstream_response_time\")", async () => {
    const items = await read('nginx-timed-berlin.log');
    assert.equal(issues(items).length, 0);
    const ev = logs(items);
    assert.equal(ev.length, 24);
    assert.deepEqual(fields(ev[0]), ['127.0.0.152', 'GET', '/files/release-1.iso', 200, 8000000]);
    // Proxied to apache2: `"0.001"` is the upstream's time, no forwarded address; curl got 400,000 bytes.
    assert.deepEqual([...fields(ev[22]), ev[22].fields.user_agent, ev[22].fields.forwarded_for, ev[22].fields.time_taken], ['127.0.0.153', 'GET', '/proxy/files/chunk.bin', 200, 400000, 'curl/7.88.1', undefined, undefined]);
    assert.equal(ev[23].fields.forwarded_for, undefined);
  });

  it('their error-log lines are reported with a reason, not read as requests', () => {
    const nginx = '2026/12/03 15:36:20 [error] 20710#20710: *5 open() "/tmp/h-web/www/files/nothere.iso" failed (2: No such file or directory), client: 127.0.0.153, server: web1.flowlink.test, request: "GET /files/nothere.iso HTTP/1.1", host: "127.0.0.150:8081"';
    const apache = "[Thu Dec 03 15:35:42.737184 2026] [mpm_event:notice] [pid 20344:tid 20344] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations";
    assert.equal(parseAccessLine(nginx), undefined);
    assert.equal(parseAccessLine(apache), undefined);
    assert.equal(whyNotAccessLog(nginx), 'nginx error log line, not an access log line');
    assert.equal(whyNotAccessLog(apache), 'Apache error log line, not an access log line');
  });

  it('is detected on each of them', async () => {
    for (const name of ['nginx-combined-berlin.log', 'nginx-timed-berlin.log', 'apache2-combined-berlin.log', 'apache2-common-berlin.log', 'apache2-vhost-combined-berlin.log', 'apache2-upstream-combined-berlin.log']) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'access-log', name);
    }
  });
});
