// Temp folders for real store files, removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Drops keys whose value is undefined: a record read back has absent fields, never undefined ones. */
export function defined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 lines from `first` (0-based), one every 50 ms from 2008-03-06 00:00 UTC, pure-ftpd and cron mixed. */
export function syslogLines(first: number, count: number): string {
  const t0 = Date.UTC(2008, 2, 6);
  let out = '';
  for (let i = first; i < first + count; i++) {
    const d = new Date(t0 + i * 50);
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    out +=
      i % 3 === 0
        ? `${stamp} server pure-ftpd: (?@60.211.252.${i % 250}) [INFO] New connection from 60.211.252.${i % 250}\n`
        : `${stamp} server CRON[${i % 30000}]: (root) CMD (run-parts /etc/cron.hourly) ${i}\n`;
  }
  return out;
}

/**
 * `messages` postfix transactions in the shape of test/fixtures/logs/postfix-transactions.log:
 * 7 lines per message from `first` (0-based message number), one message a second. Each
 * message gives 8 records: an event per line and the message's delivery event, joined by
 * queue id, whose line is the message's first: two records on one line.
 */
export function postfixLines(first: number, count: number): string {
  const t0 = Date.UTC(2008, 2, 6);
  let out = '';
  for (let i = first; i < first + count; i++) {
    const d = new Date(t0 + i * 1000);
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    const qid = (0x2bd192839b + i).toString(16).toUpperCase();
    const ip = `198.51.100.${i % 250}`;
    out +=
      `${stamp} mx postfix/smtpd[22574]: connect from mail${i % 90}.example.net[${ip}]\n` +
      `${stamp} mx postfix/smtpd[22574]: ${qid}: client=mail${i % 90}.example.net[${ip}]\n` +
      `${stamp} mx postfix/cleanup[22583]: ${qid}: message-id=<${i}.${qid}@example.net>\n` +
      `${stamp} mx postfix/qmgr[15878]: ${qid}: from=<support${i % 40}@example.net>, size=${1000 + i}, nrcpt=1 (queue active)\n` +
      `${stamp} mx postfix/smtpd[22574]: disconnect from mail${i % 90}.example.net[${ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n` +
      `${stamp} mx postfix/lmtp[22586]: ${qid}: to=<alice@example.org>, relay=mx.example.org[private/dovecot-lmtp], delay=0.09, delays=0.03/0.02/0.03/0.01, dsn=2.0.0, status=sent (250 2.0.0 <alice@example.org> 5GjrDafYTFE7WAAABf1gKA Saved)\n` +
      `${stamp} mx postfix/qmgr[15878]: ${qid}: removed\n`;
  }
  return out;
}
