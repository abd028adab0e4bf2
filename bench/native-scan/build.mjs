// Builds and loads a bench addon: g++ into the temp dir when the binary is missing or older
// than its source or common.h (never committed: a binary for this machine's node).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** `bench/native-scan/NAME.cc` built and loaded: its exports. */
export function loadAddon(name) {
  const source = path.join(HERE, `${name}.cc`);
  const addon = path.join(tmpdir(), `flowlink-native-${name}.node`);
  const newest = Math.max(statSync(source).mtimeMs, statSync(path.join(HERE, 'common.h')).mtimeMs);
  if (!existsSync(addon) || statSync(addon).mtimeMs < newest) {
    const r = spawnSync('g++', ['-O2', '-std=c++17', '-shared', '-fPIC', '-I/usr/include/node', source, '-o', addon], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`g++ ${source}: exit ${r.status}\n${r.stderr}`);
  }
  return createRequire(import.meta.url)(addon);
}

/**
 * Reads `file` in 1 MiB chunks into one reused Buffer and hands each to `scan(buf, length)`,
 * which scans its whole lines and returns where the unscanned tail (a partial line) starts;
 * the tail is moved to the buffer's start before the next read.
 */
export function scanChunks(file, scan) {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let tail = 0;
  for (;;) {
    const n = readSync(fd, buf, tail, buf.length - tail, null);
    if (n === 0) break;
    const length = tail + n;
    const next = scan(buf, length);
    if (next === 0 && length === buf.length) throw new Error('a line longer than the 1 MiB buffer');
    tail = length - next;
    buf.copyWithin(0, next, length);
  }
  closeSync(fd);
}
