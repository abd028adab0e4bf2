// The ground truth run.sh records for a scenario (truth.jsonl, one JSON object a line): what the
// script itself did and measured (sizes from stat, addresses, start and end times), never what
// flowlink said.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Epoch seconds, as `date +%s.%N` prints them. */
export type EpochSeconds = number;

export interface Transfer {
  direction: 'upload' | 'download';
  mode: 'passive' | 'active';
  /** The rule that must explain this transfer, when the scenario mixes them (s6); else the scenario's. */
  rule?: string;
  /** The explanation must cite the client's control connection to port 21 (s6). */
  control?: boolean;
  user: string;
  client: string;
  /** The client as the server logs it, when not `client`: a dual-stack socket's `::ffff:127.0.0.20` (s5). */
  logClient?: string;
  server: string;
  /** The file's name as the client gave it; the server logs its full path. */
  name: string;
  serverPath: string;
  /** `stat -c %s` of the file on the server after the transfer. */
  bytes: number;
  start: EpochSeconds;
  end: EpochSeconds;
}

export interface Mail {
  from: string;
  client: string;
  server: string;
  attachment: number;
  start: EpochSeconds;
  end: EpochSeconds;
}

export interface Background {
  kind: 'http' | 'ftp-listing' | 'ftp-login-failed' | 'mail';
  client: string;
  server: string;
  port: number;
  start: EpochSeconds;
  end: EpochSeconds;
}

export interface LogVariant {
  variant: string;
  /** Relative to the scenario's folder. */
  files: string[];
  /** The format `explain` must detect for some of the files (file -> parser name). */
  formats?: Record<string, string>;
}

export interface Scenario {
  dir: string;
  name: string;
  /** The rule that must explain the scenario's big transfers. */
  rule: string;
  server: string;
  client: string;
  versions: string;
  start: EpochSeconds;
  end: EpochSeconds;
  /** Packets tcpdump reported dropped by the kernel (null when it printed no count). */
  droppedByKernel: number | null;
  transfers: Transfer[];
  mails: Mail[];
  background: Background[];
  logs: LogVariant[];
  /** A window for `explain --from/--to`, when the scenario checks explanation rather than detection. */
  window?: { from: EpochSeconds; to: EpochSeconds };
}

export function readScenario(dir: string): Scenario {
  const file = path.join(dir, 'truth.jsonl');
  const s: Scenario = {
    dir, name: '', rule: '', server: '', client: '', versions: '', start: 0, end: 0,
    droppedByKernel: null, transfers: [], mails: [], background: [], logs: [],
  };
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON: ${line.slice(0, 80)}`);
    }
    const { type, ...rest } = rec;
    switch (type) {
      case 'scenario': Object.assign(s, rest); break;
      case 'end': s.end = rest.end as number; break;
      case 'capture': s.droppedByKernel = rest.droppedByKernel as number | null; break;
      case 'transfer': s.transfers.push(rest as unknown as Transfer); break;
      case 'mail': s.mails.push(rest as unknown as Mail); break;
      case 'background': s.background.push(rest as unknown as Background); break;
      case 'logs': s.logs.push(rest as unknown as LogVariant); break;
      case 'window': s.window = rest as unknown as { from: EpochSeconds; to: EpochSeconds }; break;
      default: throw new Error(`${file}:${i + 1}: unknown record type ${String(type)}`);
    }
  });
  return s;
}

/** The scenario folders run.sh wrote under `root` (each with a truth.jsonl), in name order. */
export function scenarioDirs(root: string): string[] {
  return readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(path.join(dir, 'truth.jsonl')))
    .sort();
}
