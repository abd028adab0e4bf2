// Which connections argus saw lose or retransmit data, from the scenario's ra.csv (argus's own
// reading of the capture, independent of flowlink): the Flgs column's s, d or * (source,
// destination or both had loss/retransmissions) and g (a gap in the capture).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EpochSeconds } from './truth.js';

export interface ArgusConnection {
  start: EpochSeconds;
  end: EpochSeconds;
  src: string;
  dst: string;
  dport: number;
  flags: string;
  lossy: boolean;
}

const DAY = 86400;

/** ra's time of day ('01:24:13.267268') on the UTC day of `near`, the scenario's start. */
function onDayOf(near: EpochSeconds, tod: string): EpochSeconds {
  const [h, m, s] = tod.trim().split(':').map(Number);
  const day = Math.floor(near / DAY) * DAY;
  const t = day + h * 3600 + m * 60 + s;
  return t < near - DAY / 2 ? t + DAY : t;
}

/** The rows of `ra -nn -L0 -c , -s stime ltime flgs proto saddr sport dir daddr dport pkts bytes state`. */
export function readArgusCsv(dir: string, near: EpochSeconds): ArgusConnection[] {
  const lines = readFileSync(path.join(dir, 'ra.csv'), 'utf8').split('\n');
  const header = lines[0].split(',').map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${dir}/ra.csv: no ${name} column in ${lines[0]}`);
    return i;
  };
  const [st, lt, fl, sa, da, dp] = ['StartTime', 'LastTime', 'Flgs', 'SrcAddr', 'DstAddr', 'Dport'].map(col);
  return lines.slice(1).filter((l) => l.trim() !== '').map((l) => {
    const f = l.split(',');
    const flags = f[fl];
    return {
      start: onDayOf(near, f[st]), end: onDayOf(near, f[lt]),
      src: f[sa].trim(), dst: f[da].trim(), dport: Number(f[dp]), flags,
      lossy: /[sd*g]/.test(flags),
    };
  });
}
