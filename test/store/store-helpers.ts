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
