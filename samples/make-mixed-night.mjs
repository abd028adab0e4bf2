#!/usr/bin/env node
// Writes samples/mixed-night/: one night of argus flows (ra -L0 text with dates, status records
// unmerged, the layout of samples/make-backup-spike.mjs) and three servers' logs: the file
// server's syslog (pure-ftpd), the mail host's maillog (postfix) and the web server's Apache
// access log. Near 02:00 a spike has three causes at once: an FTP backup, a burst of large
// inbound mail, and three downloads of a DVD image. Seeded: the same files on every run.
//   node samples/make-mixed-night.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from './lib/seeded-random.mjs';
import { ARGUS_HEADER, argusFlows, argusRow, pad2 } from './lib/argus-ra-text.mjs';
import { syslogStamp } from './lib/syslog-stamp.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'mixed-night');

const rng = seededRandom(20080310);
const { random, between, int, pick, lognormal } = rng;
const T0 = Date.UTC(2008, 2, 9, 22, 0, 0) * 1000; // µs; the sensor's clock is UTC
const T1 = Date.UTC(2008, 2, 10, 6, 0, 0) * 1000;
const S = 1_000_000;
const at = (d, h, m, s, us = 0) => (Date.UTC(2008, 2, d, h, m, s) * 1000) + us;

const records = [];
const flow = argusFlows(rng, records);
const logs = [];
const HOST = 'server';
function log(us, program, message, host = HOST, into = logs) {
  into.push({ us, text: `${syslogStamp(us)} ${host} ${program}: ${message}` });
}


const maillog = [];
const access = [];
const SERVER = '10.2.3.102';
const MAIL = '10.2.3.25';
const DNS = '10.2.3.53';
const CLIENTS = ['192.168.134.21', '192.168.134.33', '192.168.134.47', '192.168.134.56', '192.168.134.78', '192.168.200.14', '10.2.3.40', '10.2.3.41'];
const OUTSIDE = ['74.53.140.153', '66.196.121.26', '209.85.143.99', '64.233.169.104', '193.0.6.139', '128.30.52.37'];
const OUTSIDE_NAMES = { '74.53.140.153': 'mx1.example.net', '66.196.121.26': 'mta5.example.com', '209.85.143.99': 'mail-out.example.org', '64.233.169.104': 'relay.example.com', '193.0.6.139': 'smtp.example.eu', '128.30.52.37': 'lists.example.edu' };
let ephemeral = 32768;
const port = () => (ephemeral = ephemeral >= 60999 ? 32768 : ephemeral + int(1, 7));

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Apache's %t: [10/Mar/2008:02:05:12 +0000], the request's arrival. */
function apacheStamp(us) {
  const d = new Date(Math.floor(us / 1000));
  return `[${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000]`;
}
function request(us, client, path, bytes, agent = 'Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.8.1.12) Gecko/20080201 Firefox/2.0.0.12') {
  access.push({ us, text: `${client} - - ${apacheStamp(us)} "GET ${path} HTTP/1.1" 200 ${bytes} "-" "${agent}"` });
}

/** One web connection and its requests: response bytes plus ~300 header bytes each, 56 per packet on the wire. */
function webFetch(start, client, paths, sizes, dport = 80) {
  const payload = sizes.reduce((s, b) => s + b + 300, 0);
  const pkts = Math.max(6, Math.round((payload / 1448) * 1.5) + int(4, 10));
  const dur = Math.round(between(0.05, 1.5) * S + (payload / between(1.5e6, 3e6)) * S);
  flow({ start, end: start + dur, src: client, sport: port(), dst: SERVER, dport, pkts, bytes: payload + pkts * 56 });
  let t = start + Math.round(between(0.01, 0.2) * S);
  paths.forEach((p, i) => {
    request(t, client, p, sizes[i], paths.length > 1 && p.endsWith('.iso') ? 'Wget/1.10.2' : undefined);
    t += Math.round(between(0.01, 0.3) * S);
  });
}

let qid = 0x2bd1928;
/** An inbound message: the SMTP connection and postfix's lines for it, as test/fixtures/logs/postfix-transactions.log has them. */
function inboundMail(start, from, size, rcpt) {
  const id = (qid += int(1, 999)).toString(16).toUpperCase().padStart(10, '0');
  const smtpd = int(2000, 30000);
  const name = OUTSIDE_NAMES[from];
  const pkts = Math.max(14, Math.round((size / 1448) * 1.5) + int(10, 20));
  const dur = Math.round(between(0.5, 3) * S + (size / between(0.8e6, 2e6)) * S);
  flow({ start, end: start + dur, src: from, sport: port(), dst: MAIL, dport: 25, pkts, bytes: size + int(500, 900) + pkts * 56, flags: 'e' });
  const mail = (us, program, message) => log(us, program, message, 'mail', maillog);
  mail(start + 0.05 * S, `postfix/smtpd[${smtpd}]`, `connect from ${name}[${from}]`);
  mail(start + 0.4 * S, `postfix/smtpd[${smtpd}]`, `${id}: client=${name}[${from}]`);
  mail(start + dur - 0.3 * S, `postfix/cleanup[${int(2000, 30000)}]`, `${id}: message-id=<${int(1e8, 9e8)}.${id}@${name}>`);
  mail(start + dur - 0.2 * S, 'postfix/qmgr[15878]', `${id}: from=<${pick(['news', 'billing', 'reports', 'noreply'])}@${name.split('.').slice(1).join('.')}>, size=${size}, nrcpt=1 (queue active)`);
  mail(start + dur, `postfix/smtpd[${smtpd}]`, `disconnect from ${name}[${from}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`);
  mail(start + dur + 0.1 * S, `postfix/local[${int(2000, 30000)}]`, `${id}: to=<${rcpt}@example.org>, relay=local, delay=${(dur / S).toFixed(1)}, delays=${(dur / S - 0.2).toFixed(1)}/0.01/0/0.09, dsn=2.0.0, status=sent (delivered to mailbox)`);
  mail(start + dur + 0.2 * S, 'postfix/qmgr[15878]', `${id}: removed`);
}

// ---- background, quiet by night: web fetches (with their access-log lines), mail, dns, ssh ----
const PAGES = ['/', '/index.html', '/news/', '/img/logo.png', '/css/site.css', '/downloads/', '/docs/manual.pdf'];
for (let t = T0; t < T1; ) {
  t += Math.round(between(8, 40) * S);
  const kind = random();
  if (kind < 0.5) {
    const n = int(1, 4);
    const paths = Array.from({ length: n }, () => pick(PAGES));
    webFetch(t, pick(CLIENTS), paths, paths.map(() => Math.round(Math.min(lognormal(20000, 1.1), 2e6))));
  } else if (kind < 0.72) {
    flow({ start: t, end: t + int(300, 40000), proto: 17, src: pick([...CLIENTS, SERVER, MAIL]), sport: port(), dst: DNS, dport: 53, pkts: 2, bytes: int(150, 420), dir: '<->', state: 'CON' });
  } else if (kind < 0.97) {
    inboundMail(t, pick(OUTSIDE), Math.round(Math.min(lognormal(8000, 1.0), 2e6)) + 800, pick(['alice', 'bob', 'carol', 'dave']));
  } else {
    const dur = Math.round(between(30, 600) * S);
    const pkts = Math.round((dur / S) * between(1, 4));
    flow({ start: t, end: t + dur, src: pick(['192.168.134.21', '10.2.3.40']), sport: port(), dst: pick([SERVER, MAIL]), dport: 22, pkts, bytes: pkts * int(90, 140) });
  }
}
for (let t = T0; t < T1; t += 3600 * S) log(t + 17 * 60 * S, 'CRON[' + int(2000, 30000) + ']', '(root) CMD (   cd / && run-parts --report /etc/cron.hourly)');

// ---- the spike, 02:00-02:20: three causes at once ----
// 1. The FTP backup: two passive uploads from 192.168.134.56, pure-ftpd's clock ~3 s behind.
const ftpClient = '192.168.134.56';
const ftpUser = 'backup';
const c = at(10, 2, 1, 58, 200000);
log(c - 3 * S + 0.3 * S, 'pure-ftpd', `(?@${ftpClient}) [INFO] New connection from ${ftpClient}`);
log(c - 3 * S + 0.8 * S, 'pure-ftpd', `(?@${ftpClient}) [INFO] ${ftpUser} is now logged in`);
let ftpEnd = c;
for (const [start, size, rateKB, file, skew] of [
  [at(10, 2, 2, 0, 410223), 734003200, 2410.55, '/srv/backup//db-2008.03.10.dump.gz', 3.1],
  [at(10, 2, 7, 31, 118004), 268435456, 2391.02, '/srv/backup//www-2008.03.10.tar.gz', 2.8],
  [at(10, 2, 9, 44, 902113), 157286400, 2365.70, '/srv/backup//mail-2008.03.10.tar.gz', 3.3],
]) {
  const secs = size / (rateKB * 1024);
  const end = start + Math.round(secs * S);
  const pkts = Math.round((size / 1448) * 1.5);
  flow({ start, end, src: ftpClient, sport: port(), dst: SERVER, dport: int(20000, 60000), pkts, bytes: size + pkts * 56, flags: 'e sD' });
  log(end - Math.round(skew * S), 'pure-ftpd', `(${ftpUser}@${ftpClient}) [NOTICE] ${file} uploaded  (${size} bytes, ${rateKB.toFixed(2)}KB/sec)`);
  ftpEnd = end;
}
flow({ start: c, end: ftpEnd + Math.round(1.2 * S), src: ftpClient, sport: 39446, dst: SERVER, dport: 21, pkts: 58, bytes: 4900, flags: 'e', interval: 60 * S });
log(ftpEnd - 3 * S + 1.5 * S, 'pure-ftpd', `(${ftpUser}@${ftpClient}) [INFO] Logout.`);

// 2. A mail burst: a mailing list's monthly digest with attachments, a dozen 4-12 MB messages.
for (let i = 0; i < 12; i++) {
  inboundMail(at(10, 2, 3, 10) + i * Math.round(between(40, 70) * S), '128.30.52.37', int(4_000_000, 12_000_000), pick(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']));
}

// 3. Large HTTP downloads: three machines fetching the new install DVD image (a listing, then the image).
for (const [client, start] of [['192.168.134.33', at(10, 2, 4, 12, 31000)], ['192.168.200.14', at(10, 2, 6, 40, 770100)], ['10.2.3.41', at(10, 2, 11, 5, 250000)]]) {
  webFetch(start, client, ['/iso/', '/iso/debian-40r3-i386-DVD-1.iso'], [2326, int(600_000_000, 700_000_000)]);
}

records.sort((a, b) => a.end - b.end || a.start - b.start);
for (const l of [logs, maillog, access]) l.sort((a, b) => a.us - b.us);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'argus.txt'), [ARGUS_HEADER, ...records.map(argusRow)].join('\n') + '\n');
writeFileSync(join(out, 'messages'), logs.map((l) => l.text).join('\n') + '\n');
writeFileSync(join(out, 'maillog'), maillog.map((l) => l.text).join('\n') + '\n');
writeFileSync(join(out, 'access.log'), access.map((l) => l.text).join('\n') + '\n');
console.log(`wrote ${records.length} flow records, ${logs.length} syslog, ${maillog.length} maillog and ${access.length} access-log lines to ${out}`);
