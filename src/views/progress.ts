// A progress bar on stderr while inputs are read: file, bytes read of its size, rate, time
// left. Only for a person at a terminal; pipes, files and CI get nothing, so stderr stays
// a clean list of warnings. Drawing is cli-progress's (throttled, one line, cleared at the end).
import path from 'node:path';
import cliProgress from 'cli-progress';
import { formatBytes } from '../units.js';

export interface ReadProgress {
  /** A file is about to be read (its detected format). */
  input(file: string, format: string): void;
  /** Bytes of `file` read so far, of `totalBytes` (its size on disk). */
  update(file: string, bytesRead: number, totalBytes: number): void;
  /** Reading is over: the bar goes away. Safe to call more than once. */
  stop(): void;
}

/** Whether a bar belongs on this stream: a terminal, not dumb, not a CI job's log. */
export function progressWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!stream.isTTY || env.TERM === 'dumb') return false;
  return !(env.CI !== undefined && env.CI !== '' && env.CI !== 'false') && env.CONTINUOUS_INTEGRATION === undefined;
}

/** "12.4 MiB/s, 3s left"; the rate over the whole file so far, which a 1 MiB read barely moves. */
export function rateAndEta(bytesRead: number, totalBytes: number, seconds: number): { rate: string; left: string } {
  if (seconds <= 0 || bytesRead <= 0) return { rate: '', left: '' };
  const perSecond = bytesRead / seconds;
  const remaining = Math.max(0, totalBytes - bytesRead) / perSecond;
  const left = remaining < 1 ? '<1s left' : remaining < 60 ? `${Math.round(remaining)}s left` : `${Math.floor(remaining / 60)}m${String(Math.round(remaining % 60)).padStart(2, '0')}s left`;
  return { rate: `${formatBytes(perSecond)}/s`, left };
}

/** The path, else its base name, else the name's end, whichever fits the room left on the line. */
export function shortName(file: string, room: number): string {
  if (file.length <= room) return file;
  const base = path.basename(file);
  return base.length <= room ? base : '…' + base.slice(base.length - room + 1);
}

/** A bar on `stream` when it is wanted there, else undefined (callers pass no callbacks). */
export function progressFor(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env, now: () => number = () => performance.now()): ReadProgress | undefined {
  if (!progressWanted(stream, env)) return undefined;
  const columns = Math.max(40, Math.min(stream.columns || 80, 120));
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}%  {read} of {size}  {rate}  {left}  {file}',
      barsize: 16,
      // Left visible: a Ctrl+C mid-read must not leave the user's terminal without a cursor.
      hideCursor: false,
      clearOnComplete: true,
      linewrap: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let current: string | undefined;
  let started = 0;
  let running = false;
  // What the rest of the line takes: bar, percentage, sizes, rate, time left.
  const nameRoom = Math.max(12, columns - 66);
  return {
    input(file) {
      current = file;
      started = now();
    },
    update(file, bytesRead, totalBytes) {
      if (file !== current) {
        current = file;
        started = now();
      }
      const { rate, left } = rateAndEta(bytesRead, totalBytes, (now() - started) / 1000);
      const payload = { read: formatBytes(bytesRead), size: formatBytes(totalBytes), rate, left, file: shortName(file, nameRoom) };
      const total = Math.max(1, totalBytes);
      if (!running) {
        bar.start(total, Math.min(bytesRead, total), payload);
        running = true;
      } else {
        bar.setTotal(total);
        bar.update(Math.min(bytesRead, total), payload);
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
