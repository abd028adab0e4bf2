// A day of one small network's data, generated (seeded) for the store benchmarks:
// `messages`, an RFC 3164 syslog of a server running pure-ftpd, postfix, sshd and cron, and
// `argus.csv`, the day's flows as `ra -nn -c , -u -s stime ltime flgs proto saddr sport dir
// daddr dport spkts dpkts sbytes dbytes state` prints them. Line shapes are copied from
// real daemons' output (test/fixtures/logs, ../shared/corpus). A nightly FTP backup at 03:21
// (control connection, data connection, upload lines) makes a spike for `explain` to find.
//   import { generateDay } from './store-data.mjs'; await generateDay(dir, { lines, flows })
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { seededRandom } from '../samples/lib/seeded-random.mjs';

const DAY = Date.UTC(2008, 2, 7) / 1000; // 2008-03-07 00:00 UTC, seconds
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The samples' seeded mulberry32 (samples/lib/seeded-random.mjs): the same data on every run. */
const mulberry32 = (seed) => seededRandom(seed).random;

function stamp(sec) {
  const d = new Date(sec * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

/** Buffered writes: one string per ~1 MB, waiting for the stream to drain. */
class Writer {
  constructor(file) {
    this.out = createWriteStream(file);
    this.buf = '';
  }
  async line(s) {
    this.buf += s + '\n';
    if (this.buf.length > 1 << 20) await this.flush();
  }
  async flush() {
    if (this.buf && !this.out.write(this.buf)) await once(this.out, 'drain');
    this.buf = '';
  }
  async end() {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

const HEX = '0123456789ABCDEF';
const qid = (rnd) => Array.from({ length: 10 }, () => HEX[Math.floor(rnd() * 16)]).join('');

/** One burst of lines a daemon writes together, starting at `t` (seconds). */
function burst(rnd, t, n) {
  const ip = `192.0.2.${1 + Math.floor(rnd() * 250)}`;
  const pid = 1000 + Math.floor(rnd() * 30000);
  const kind = rnd();
  if (kind < 0.3) {
    const id = qid(rnd);
    const size = 800 + Math.floor(rnd() * 60000);
    return [
      [t, `mx postfix/smtpd[${pid}]: connect from mail${n % 90}.example.net[${ip}]`],
      [t, `mx postfix/smtpd[${pid}]: ${id}: client=mail${n % 90}.example.net[${ip}]`],
      [t, `mx postfix/cleanup[${pid + 9}]: ${id}: message-id=<${n}.${id}@example.net>`],
      [t, `mx postfix/qmgr[15878]: ${id}: from=<user${n % 400}@example.net>, size=${size}, nrcpt=1 (queue active)`],
      [t, `mx postfix/smtpd[${pid}]: disconnect from mail${n % 90}.example.net[${ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`],
      [t + 1, `mx postfix/lmtp[${pid + 12}]: ${id}: to=<alice${n % 50}@example.org>, relay=mx.example.org[private/dovecot-lmtp], delay=0.09, delays=0.03/0.02/0.03/0.01, dsn=2.0.0, status=sent (250 2.0.0 <alice@example.org> 5GjrDafYTFE7WAAABf1gKA Saved)`],
      [t + 1, `mx postfix/qmgr[15878]: ${id}: removed`],
    ];
  }
  if (kind < 0.55) {
    return [
      [t, `mx sshd[${pid}]: Failed password for invalid user admin from ${ip} port ${30000 + (n % 30000)} ssh2`],
      [t + 2, `mx sshd[${pid}]: Failed password for root from ${ip} port ${30000 + (n % 30000)} ssh2`],
      [t + 3, `mx sshd[${pid}]: Accepted password for deploy from ${ip} port ${30000 + (n % 30000)} ssh2`],
      [t + 3, `mx sshd[${pid}]: pam_unix(sshd:session): session opened for user deploy by (uid=0)`],
    ];
  }
  if (kind < 0.8) {
    const bytes = 1000 + Math.floor(rnd() * 5_000_000);
    return [
      [t, `mx pure-ftpd: (?@${ip}) [INFO] New connection from ${ip}`],
      [t + 1, `mx pure-ftpd: (?@${ip}) [INFO] ftpuser${n % 20} is now logged in`],
      [t + 4, `mx pure-ftpd: (ftpuser${n % 20}@${ip}) [NOTICE] /home/ftpuser${n % 20}//upload-${n}.dat uploaded  (${bytes} bytes, ${(bytes / 4 / 1024).toFixed(2)}KB/sec)`],
      [t + 5, `mx pure-ftpd: (ftpuser${n % 20}@${ip}) [INFO] Logout.`],
    ];
  }
  return [[t, `mx CRON[${pid}]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)`]];
}

/** The nightly backup: three uploads to the FTP server 10.2.3.102 from 192.168.134.56. */
const BACKUP_START = DAY + 3 * 3600 + 21 * 60;
const BACKUP = [0, 600, 1200].map((off, i) => ({ start: BACKUP_START + off, secs: 358, bytes: 891_289_600 - i * 1000, sport: 39448 + i * 2 }));

async function writeSyslog(file, lines, rnd) {
  const w = new Writer(file);
  const step = 86400 / lines;
  let written = 0;
  let n = 0;
  let t = DAY;
  let backup = 0;
  while (written < lines) {
    if (backup < BACKUP.length && t >= BACKUP[backup].start + BACKUP[backup].secs) {
      const b = BACKUP[backup++];
      const end = Math.round(b.start + b.secs);
      const name = `/home/xxx/backup//xxx.com_2008.03.07_03-${21 + backup * 10}-02`;
      await w.line(`${stamp(end)} mx pure-ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] ${name} uploaded  (${b.bytes} bytes, 2428.22KB/sec)`);
      written++;
      continue;
    }
    const group = burst(rnd, Math.floor(t), n++);
    for (const [sec, text] of group) {
      if (written >= lines) break;
      await w.line(`${stamp(sec)} ${text}`);
      written++;
    }
    t += step * group.length;
  }
  await w.end();
  return written;
}

const SERVICES = [
  { proto: 6, port: 80, w: 0.35 },
  { proto: 6, port: 443, w: 0.3 },
  { proto: 17, port: 53, w: 0.15 },
  { proto: 6, port: 25, w: 0.1 },
  { proto: 6, port: 22, w: 0.05 },
  { proto: 6, port: 21, w: 0.05 },
];

function flowRow(start, end, proto, src, sport, dst, dport, spk, dpk, sb, db, state) {
  const dir = proto === 17 ? '  <->' : '   ->';
  return `${start.toFixed(6)},${end.toFixed(6)}, e        ,${proto},${src},${sport},${dir},${dst},${dport},${spk},${dpk},${sb},${db},${state}`;
}

async function writeFlows(file, flows, rnd) {
  const w = new Writer(file);
  await w.line('StartTime,LastTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,SrcBytes,DstBytes,State');
  const step = 86400 / flows;
  let backup = 0;
  for (let i = 0; i < flows; i++) {
    const start = DAY + i * step + rnd() * step * 0.9;
    if (backup < BACKUP.length && start >= BACKUP[backup].start) {
      const b = BACKUP[backup++];
      const pkts = Math.round(b.bytes / 1448);
      await w.line(flowRow(b.start - 2, b.start + b.secs + 8, 6, '192.168.134.56', b.sport - 2, '10.2.3.102', 21, 40, 38, 2900, 3600, 'FIN'));
      await w.line(flowRow(b.start, b.start + b.secs, 6, '192.168.134.56', b.sport, '10.2.3.102', 46743 + backup, pkts, Math.round(pkts / 2), b.bytes + pkts * 52, Math.round(pkts / 2) * 52, 'FIN'));
      continue;
    }
    let r = rnd();
    const svc = SERVICES.find((s) => (r -= s.w) < 0) ?? SERVICES[0];
    const spk = 1 + Math.floor(rnd() * 40);
    const dpk = svc.proto === 17 ? 1 : 1 + Math.floor(rnd() * 60);
    const sb = spk * (60 + Math.floor(rnd() * 200));
    const db = dpk * (60 + Math.floor(rnd() * 1400));
    const dur = svc.proto === 17 ? rnd() * 0.05 : rnd() * 30;
    const src = `10.1.${Math.floor(rnd() * 8)}.${1 + Math.floor(rnd() * 250)}`;
    const dst = `10.2.3.${100 + Math.floor(rnd() * 10)}`;
    await w.line(flowRow(start, start + dur, svc.proto, src, 1024 + Math.floor(rnd() * 60000), dst, svc.port, spk, dpk, sb, db, svc.proto === 17 ? 'CON' : rnd() < 0.9 ? 'FIN' : 'RST'));
  }
  await w.end();
}

/** Writes `messages` (`lines` lines) and `argus.csv` (`flows` rows) into `dir`; returns their paths. */
export async function generateDay(dir, { lines = 1_000_000, flows = 250_000, seed = 7 } = {}) {
  const rnd = mulberry32(seed);
  const messages = path.join(dir, 'messages');
  const argus = path.join(dir, 'argus.csv');
  await writeSyslog(messages, lines, rnd);
  await writeFlows(argus, flows, rnd);
  return { messages, argus };
}
