// A mixed /var/log/messages of N lines in the shapes real daemons write (pure-ftpd, postfix,
// sshd, cron), copied from test/fixtures/logs/ with addresses, ids and names varied. One
// second per ~20 lines from Mar 1 on, so a million lines span about half a day per 1M/20 s.
//   node bench/syslog-gen.mjs FILE [lines=1000000]
import { createWriteStream } from 'node:fs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => String(n).padStart(2, '0');

function stamp(sec) {
  const d = new Date(Date.UTC(2008, 2, 1) + sec * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Lines of one "story", each a function of a counter so ids and addresses vary. */
function story(i) {
  const ip = `192.168.${(i >> 8) & 255}.${i & 255}`;
  const qid = (0x2bd192839b + i).toString(16).toUpperCase();
  const pid = 1000 + (i % 30000);
  const user = `user${i % 97}@example.com`;
  switch (i % 8) {
    case 0:
    case 1:
      return [
        `server pure-ftpd: (?@${ip}) [INFO] New connection from ${ip}`,
        `server pure-ftpd: (?@${ip}) [INFO] ${user} is now logged in`,
        `server pure-ftpd: (${user}@${ip}) [NOTICE] /home/backup//site_2008.03.08_${p2(i % 24)}-21-02 uploaded  (${891289600 + i} bytes, 2428.22KB/sec)`,
        `server pure-ftpd: (${user}@${ip}) [INFO] Logout.`,
      ];
    case 2:
    case 3:
      return [
        `mx postfix/smtpd[${pid}]: connect from mail${i % 50}.example.net[${ip}]`,
        `mx postfix/smtpd[${pid}]: ${qid}: client=mail${i % 50}.example.net[${ip}]`,
        `mx postfix/cleanup[${pid + 1}]: ${qid}: message-id=<${qid}.${i}@example.net>`,
        `mx postfix/qmgr[15878]: ${qid}: from=<support@example.net>, size=${1156 + i % 5000}, nrcpt=1 (queue active)`,
        `mx postfix/smtpd[${pid}]: disconnect from mail${i % 50}.example.net[${ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`,
        `mx postfix/smtp[${pid + 2}]: ${qid}: to=<alice${i % 13}@example.org>, relay=mx.example.org[203.0.113.7]:25, delay=0.09, delays=0.03/0.02/0.03/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C4232266C9)`,
        `mx postfix/qmgr[15878]: ${qid}: removed`,
      ];
    case 4:
    case 5:
      return [
        `server sshd[${pid}]: Accepted publickey for deploy from ${ip} port ${40000 + (i % 20000)} ssh2: RSA SHA256:uo5ZSdTq0uiCTvDiT6J3XgSmHcKwJ8XcbEoGrtjTSgY`,
        `server sshd[${pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)`,
        `server sshd[${pid + 1}]: Failed password for invalid user admin from ${ip} port ${50000 + (i % 10000)} ssh2`,
        `server sshd[${pid}]: pam_unix(sshd:session): session closed for user deploy`,
      ];
    default:
      return [
        `server CRON[${pid}]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)`,
        `server CRON[${pid + 1}]: (backup) CMD (/usr/local/bin/nightly-backup.sh)`,
        `server CRON[${pid}]: pam_unix(cron:session): session closed for user root`,
      ];
  }
}

export async function generateSyslog(file, lines) {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let written = 0;
  let chunk = '';
  for (let i = 0; written < lines; i++) {
    for (const body of story(i)) {
      if (written >= lines) break;
      chunk += `${stamp(Math.floor(written / 20))} ${body}\n`;
      written++;
    }
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise((r) => out.end(r));
  return written;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [file, n] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/syslog-gen.mjs FILE [lines]');
  await generateSyslog(file, Number(n ?? 1_000_000));
}
