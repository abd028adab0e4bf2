#!/usr/bin/env node
// Writes samples/backup-spike/: two nights of argus flows (ra -L0 text with dates, status
// records unmerged, as `ra -nnr argus.out` prints them) and the server's syslog with
// pure-ftpd lines. The 2008-03-08 uploads are the real ones from the story (README); the
// background is seeded pseudo-random, so the files are the same on every run.
//   node samples/make-backup-spike.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from './lib/seeded-random.mjs';
import { ARGUS_HEADER, argusFlows, argusRow, pad2 } from './lib/argus-ra-text.mjs';
import { syslogStamp } from './lib/syslog-stamp.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'backup-spike');

const rng = seededRandom(20080308);
const { random, between, int, pick, lognormal } = rng;
const T0 = Date.UTC(2008, 2, 6, 22, 0, 0) * 1000; // µs; the sensor's clock is UTC
const T1 = Date.UTC(2008, 2, 8, 10, 0, 0) * 1000;
const S = 1_000_000;
const at = (d, h, m, s, us = 0) => (Date.UTC(2008, 2, d, h, m, s) * 1000) + us;

const records = [];
const flow = argusFlows(rng, records);
const logs = [];
const HOST = 'server';
function log(us, program, message) {
  logs.push({ us, text: `${syslogStamp(us)} ${HOST} ${program}: ${message}` });
}

// ---- background: web, mail, dns, ssh, and small ftp sessions, busier by day ----
const SERVER = '10.2.3.102';
const MAIL = '10.2.3.25';
const DNS = '10.2.3.53';
const CLIENTS = ['192.168.134.21', '192.168.134.33', '192.168.134.47', '192.168.134.56', '192.168.134.78', '192.168.200.14', '192.168.200.77', '10.2.3.40', '10.2.3.41'];
const OUTSIDE = ['74.53.140.153', '66.196.121.26', '209.85.143.99', '64.233.169.104', '193.0.6.139', '128.30.52.37'];
let ephemeral = 32768;
const port = () => (ephemeral = ephemeral >= 60999 ? 32768 : ephemeral + int(1, 7));
const hourOf = (us) => new Date(Math.floor(us / 1000)).getUTCHours();
const busy = (us) => {
  const h = hourOf(us);
  return h >= 8 && h < 19 ? 1 : h >= 19 && h < 23 ? 0.6 : 0.3;
};

for (let t = T0; t < T1; ) {
  t += Math.round(between(5, 35) / busy(t) * S);
  const kind = random();
  if (kind < 0.55) {
    // web: a client fetching from the server, response bytes dominate
    const bytes = Math.round(Math.min(lognormal(40000, 1.2), 4e6)) + 600;
    const pkts = Math.max(6, Math.round(bytes / 1200) + int(4, 10));
    const dur = Math.round(between(0.05, 2.5) * S + bytes / 2e6 * S);
    flow({ start: t, end: t + dur, src: pick(CLIENTS), sport: port(), dst: SERVER, dport: pick([80, 80, 80, 443]), pkts, bytes });
  } else if (kind < 0.75) {
    // dns: one query and its answer
    flow({ start: t, end: t + int(300, 40000), proto: 17, src: pick([...CLIENTS, SERVER, MAIL]), sport: port(), dst: DNS, dport: 53, pkts: 2, bytes: int(150, 420), dir: '<->', state: 'CON' });
  } else if (kind < 0.985) {
    // mail: inbound SMTP to the mail host
    const bytes = Math.round(Math.min(lognormal(9000, 1.0), 9e6)) + 1500;
    const pkts = Math.max(14, Math.round(bytes / 900) + int(10, 20));
    flow({ start: t, end: t + Math.round(between(0.5, 6) * S), src: pick(OUTSIDE), sport: port(), dst: MAIL, dport: 25, pkts, bytes, flags: pick(['e', 'e', 'e s', 'e d']) });
  } else {
    // ssh: an admin's interactive session, long and thin
    const dur = Math.round(between(30, 600) * S);
    const pkts = Math.round(dur / S * between(1, 4));
    flow({ start: t, end: t + dur, src: pick(['192.168.134.21', '10.2.3.40']), sport: port(), dst: pick([SERVER, MAIL]), dport: 22, pkts, bytes: pkts * int(90, 140) });
  }
}

// A few daytime FTP sessions by other users: small, explained by their own log lines but no spike.
for (const [d, h, m] of [[7, 10, 12], [7, 14, 41], [7, 16, 5], [8, 9, 20]]) {
  const client = pick(['192.168.134.33', '192.168.134.78']);
  const user = client.endsWith('33') ? 'webdev' : 'jsmith';
  const start = at(d, h, m, int(0, 59), int(0, 999999));
  const size = int(200000, 6000000);
  const rateKB = between(900, 2600);
  const secs = size / (rateKB * 1024);
  flow({ start, end: start + Math.round((secs + 8) * S), src: client, sport: port(), dst: SERVER, dport: 21, pkts: int(20, 40), bytes: int(2500, 4800) });
  const dataStart = start + Math.round(3 * S);
  const dataEnd = dataStart + Math.round(secs * S);
  const pkts = Math.ceil(size / 1448) * 3 / 2;
  flow({ start: dataStart, end: dataEnd, src: client, sport: port(), dst: SERVER, dport: int(20000, 60000), pkts: Math.round(pkts), bytes: size + Math.round(pkts) * 56, flags: 'e' });
  log(start + 0.2 * S, 'pure-ftpd', `(?@${client}) [INFO] New connection from ${client}`);
  log(start + 1.1 * S, 'pure-ftpd', `(?@${client}) [INFO] ${user} is now logged in`);
  const dir = pick(['uploaded', 'downloaded']);
  log(dataEnd - 3.9 * S, 'pure-ftpd', `(${user}@${client}) [NOTICE] /home/${user}/www//img_${int(1000, 9999)}.tar.gz ${dir}  (${size} bytes, ${rateKB.toFixed(2)}KB/sec)`);
  log(dataEnd + 3 * S, 'pure-ftpd', `(${user}@${client}) [INFO] Logout.`);
}

// Failed logins from the outside, as every exposed ftpd sees.
for (let i = 0; i < 25; i++) {
  const t = T0 + Math.round(random() * (T1 - T0));
  const who = pick(['61.160.213.10', '218.65.30.4', '60.211.252.98']);
  log(t, 'pure-ftpd', `(?@${who}) [INFO] New connection from ${who}`);
  log(t + 2 * S, 'pure-ftpd', `(?@${who}) [WARNING] Authentication failed for user [${pick(['admin', 'Administrator', 'test', 'ftp'])}]`);
  flow({ start: t, end: t + 3 * S, src: who, sport: port(), dst: SERVER, dport: 21, pkts: int(8, 12), bytes: int(700, 1100) });
}

// Other daemons on the server: the timeline shows them, no rule needs them.
for (let t = T0; t < T1; t += 3600 * S) {
  log(t + 17 * 60 * S, 'CRON[' + int(2000, 30000) + ']', '(root) CMD (   cd / && run-parts --report /etc/cron.hourly)');
}
log(at(7, 3, 21, 2), 'CRON[4120]', '(backup) CMD (/usr/local/bin/nightly-backup.sh)');
log(at(8, 3, 21, 2), 'CRON[9311]', '(backup) CMD (/usr/local/bin/nightly-backup.sh)');

// ---- the nightly backups: passive FTP uploads from 192.168.134.56 ----
// Each transfer: the pure-ftpd line is written when the upload ends, by a clock ~4 s behind the
// sensor's; bytes in the log are the TCP payload, the flow adds ~56 header bytes a packet.
function backupNight(d, uploads, stray) {
  const client = '192.168.134.56';
  const user = 'xxx@xxx.com';
  const first = Math.min(...uploads.map((u) => u.start));
  const last = Math.max(...uploads.map((u) => u.end));
  // two control connections (lftp opens a second for the parallel upload)
  const c1 = first - Math.round(2.2 * S);
  flow({ start: c1, end: last + Math.round(1.1 * S), src: client, sport: 39446, dst: SERVER, dport: 21, pkts: 64, bytes: 5400, flags: 'e', interval: 60 * S });
  log(c1 - 4 * S + 0.3 * S, 'ftpd', `(?@${client}) [INFO] New connection from ${client}`);
  log(c1 - 4 * S + 0.9 * S, 'ftpd', `(?@${client}) [INFO] ${user} is now logged in`);
  for (const u of uploads) {
    flow({ start: u.start, end: u.end, src: client, sport: u.sport, dst: SERVER, dport: u.dport, pkts: u.pkts, bytes: u.bytes, flags: 'e sD' });
    const logAt = u.end - Math.round(u.skew * S);
    log(logAt, 'ftpd', `(${user}@${client}) [NOTICE] ${u.file} uploaded  (${u.logBytes} bytes, ${u.rate}KB/sec)`);
  }
  log(last - 4 * S + 1.5 * S, 'ftpd', `(${user}@${client}) [INFO] Logout.`);
  if (stray) flow(stray);
}

backupNight(7, [
  { start: at(7, 3, 27, 41, 120331), end: at(7, 3, 33, 31, 904512), sport: 51202, dport: 44021, pkts: 2446101, bytes: 1008552018, logBytes: 871628800, rate: '2431.87', skew: 4.1, file: '/home/xxx/backup//xxx.com_2008.03.07_03-21-02' },
  { start: at(7, 3, 31, 40, 611203), end: at(7, 3, 33, 2, 381190), sport: 51377, dport: 30190, pkts: 210987, bytes: 217744090, logBytes: 205969130, rate: '2459.03', skew: 4.4, file: '/home/xxx/public_html/mm//xxx.com_2008.03.07_03-31-02' },
  { start: at(7, 3, 33, 32, 480122), end: at(7, 3, 37, 20, 118764), sport: 51980, dport: 17734, pkts: 510455, bytes: 527102366, logBytes: 498517870, rate: '2138.52', skew: 4.0, file: '/home/xxx/backup//xxx.com_2008.03.07_03-21-02.001' },
]);

backupNight(8, [
  { start: at(8, 3, 27, 47, 764771), end: at(8, 3, 33, 46, 183595), sport: 39448, dport: 46743, pkts: 2501219, bytes: 1031277512, logBytes: 891289600, rate: '2428.22', skew: 4.18, file: '/home/xxx/backup//xxx.com_2008.03.08_03-21-02' },
  { start: at(8, 3, 31, 51, 398870), end: at(8, 3, 33, 15, 15036), sport: 39880, dport: 32666, pkts: 212332, bytes: 219148920, logBytes: 207309250, rate: '2444.40', skew: 5.0, file: '/home/xxx/public_html/mm//xxx.com_2008.03.08_03-31-02' },
  { start: at(8, 3, 33, 46, 708627), end: at(8, 3, 37, 43, 800844), sport: 40071, dport: 16396, pkts: 526755, bytes: 543955768, logBytes: 514473734, rate: '2121.01', skew: 4.8, file: '/home/xxx/backup//xxx.com_2008.03.08_03-21-02.001' },
],
  // The fourth flow of the story: another host's bulk stream to the server in the same window,
  // direction unknown to argus, no log line explains it.
  { start: at(8, 3, 21, 43, 412374), end: at(8, 3, 41, 50, 372550), src: '192.168.200.77', sport: 4105, dst: SERVER, dport: 38327, pkts: 68916, bytes: 56532894, dir: '<?>', state: 'CON', flags: 'e sD' });

// ra prints records in the order argus wrote them: by the time each record was closed.
records.sort((a, b) => a.end - b.end || a.start - b.start);
logs.sort((a, b) => a.us - b.us);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'argus.txt'), [ARGUS_HEADER, ...records.map(argusRow)].join('\n') + '\n');
writeFileSync(join(out, 'messages'), logs.map((l) => l.text).join('\n') + '\n');
console.log(`wrote ${records.length} flow records and ${logs.length} log lines to ${out}`);
