// Defaults from a config file: `flowlink.toml` in the working folder, or `--config FILE`.
// A key sets the default of the flag of the same name; a flag given on the command line wins.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse, TomlError } from 'smol-toml';
import { FlowlinkError } from './errors.js';

export const CONFIG_NAME = 'flowlink.toml';

export class ConfigError extends FlowlinkError {
  override name = 'ConfigError';
}

type Kind = 'string' | 'integer' | 'strings' | 'boolean' | 'sensitivity';

/** Keys as in the file (the flag's name without dashes), with the option attribute each sets. */
const KEYS: Record<string, { attribute: string; kind: Kind; help: string }> = {
  tz: { attribute: 'tz', kind: 'strings', help: 'zone name, or a list of zones and FILE=ZONE' },
  year: { attribute: 'year', kind: 'integer', help: 'a year, e.g. 2008' },
  date: { attribute: 'date', kind: 'string', help: 'a date, e.g. "2008-03-08"' },
  bin: { attribute: 'bin', kind: 'string', help: 'a duration, e.g. "5m"' },
  sensitivity: { attribute: 'sensitivity', kind: 'sensitivity', help: '"low", "normal", "high" or a number' },
  rules: { attribute: 'rules', kind: 'strings', help: 'a rule file or folder, or a list of them' },
  'builtin-rules': { attribute: 'builtinRules', kind: 'boolean', help: 'true or false' },
};

export interface Config {
  file: string;
  /** Option attribute -> the value commander would hold had the flag been given. */
  values: Map<string, string | string[] | boolean>;
}

/** The 1-based line where `key` is set, for messages; 0 when it cannot be found. */
function lineOf(text: string, key: string): number {
  const escaped = key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const re = new RegExp(`^\\s*("${escaped}"|'${escaped}'|${escaped})\\s*=`);
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => re.test(l));
  return i + 1;
}

function closest(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of Object.keys(KEYS)) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** Rule folders become their `*.rule` files, relative paths are the config file's. */
function rulePaths(values: string[], file: string, line: number, base: string): string[] {
  const out: string[] = [];
  for (const v of values) {
    const p = path.resolve(base, v);
    if (!existsSync(p)) throw new ConfigError(`${file}:${line}: rules: no such file or folder: ${v}`);
    if (statSync(p).isDirectory()) {
      const found = readdirSync(p).filter((f) => f.endsWith('.rule')).sort().map((f) => path.join(p, f));
      if (found.length === 0) throw new ConfigError(`${file}:${line}: rules: folder ${v} holds no .rule files`);
      out.push(...found);
    } else out.push(p);
  }
  return out;
}

/** Reads a config file's text; every problem is a ConfigError naming file:line. */
export function parseConfig(text: string, file: string, dir = path.dirname(file)): Config {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) throw new ConfigError(`${file}:${error.line}:${error.column}: ${error.message.split('\n')[0]}`, 'the file is TOML: key = "value", one per line');
    throw error;
  }
  const values = new Map<string, string | string[] | boolean>();
  for (const [key, value] of Object.entries(doc)) {
    const line = lineOf(text, key);
    const spec = KEYS[key];
    if (!spec) {
      const near = closest(key);
      throw new ConfigError(
        `${file}:${line}: unknown key '${key}'${near ? ` (did you mean ${near}?)` : ''}`,
        `keys: ${Object.keys(KEYS).join(', ')}`,
      );
    }
    const wrong = (): never => {
      throw new ConfigError(`${file}:${line}: ${key} must be ${spec.help}`);
    };
    switch (spec.kind) {
      case 'string':
        if (typeof value !== 'string') wrong();
        values.set(spec.attribute, value as string);
        break;
      case 'integer':
        if (typeof value !== 'number' && typeof value !== 'bigint') wrong();
        values.set(spec.attribute, String(value));
        break;
      case 'sensitivity':
        if (typeof value !== 'string' && typeof value !== 'number') wrong();
        values.set(spec.attribute, String(value));
        break;
      case 'boolean':
        if (typeof value !== 'boolean') wrong();
        values.set(spec.attribute, value as boolean);
        break;
      case 'strings': {
        const list = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : wrong();
        values.set(spec.attribute, key === 'rules' ? rulePaths(list, file, line, dir) : list);
        break;
      }
    }
  }
  return { file, values };
}

/** `--config FILE` if given (it must exist), else `flowlink.toml` in `cwd` if there is one. */
export function loadConfig(explicit: string | undefined, cwd = process.cwd()): Config | undefined {
  const file = explicit ?? path.join(cwd, CONFIG_NAME);
  if (explicit === undefined && !existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseConfig(text, explicit ?? CONFIG_NAME, path.dirname(file));
}

/** Sets the defaults a command takes from the config; flags given on the command line are kept. */
export function applyConfig(command: Command, config: Config): void {
  const known = new Set(command.options.map((o) => o.attributeName()));
  for (const [attribute, value] of config.values) {
    if (!known.has(attribute)) continue; // e.g. `bin` means nothing to `ingest`
    if (command.getOptionValueSource(attribute) === 'cli') continue;
    command.setOptionValueWithSource(attribute, value, 'config');
  }
}
