// Rule files in, a RuleSet out. Rule names are unique across every file loaded together.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { compileRuleFile, compileRules, type DefinedRule } from './compile.js';
import type { CompiledRule, RuleSet, RuleTestCase } from './types.js';

/** Parse and check one rule file's text; throws RuleSyntaxError at the first problem. */
export function compileRuleSource(source: string, file: string): CompiledRule[] {
  return compileRules(source, file);
}

/** Load rule files in order; a rule name defined twice, in one file or across files, is an error. */
export async function loadRuleFiles(paths: string[]): Promise<RuleSet> {
  const defined = new Map<string, DefinedRule>();
  const rules: CompiledRule[] = [];
  const tests: RuleTestCase[] = [];
  for (const path of paths) {
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read rule file ${path}${code ? ` (${code})` : ''}`, 'check the path given with --rules');
    }
    const compiled = compileRuleFile(source, path, defined);
    rules.push(...compiled.rules);
    tests.push(...compiled.tests);
  }
  return { rules, files: [...paths], tests };
}

/**
 * `--rules` arguments as rule files: a file as it is, a folder as every `*.rule` in it in name
 * order (not its subfolders). The same file named twice (or a built-in named again) loads once.
 */
export function ruleFilesFrom(args: string[], already: string[] = []): string[] {
  const seen = new Set(already.map((f) => canonical(f)));
  const out: string[] = [];
  const add = (f: string) => {
    const key = canonical(f);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  for (const arg of args) {
    let isDir: boolean;
    try {
      isDir = statSync(arg).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read rule file ${arg}${code ? ` (${code})` : ''}`, 'check the path given with --rules');
    }
    if (!isDir) {
      add(arg);
      continue;
    }
    const files = readdirSync(arg).filter((f) => f.endsWith('.rule')).sort();
    if (files.length === 0) throw new InputError(`no *.rule files in ${arg}`, 'a rules folder holds files named like ftp.rule');
    for (const f of files) add(join(arg, f));
  }
  return out;
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Whether a rule file is one of the package's own. */
export function isBuiltinRuleFile(path: string): boolean {
  return dirname(canonical(path)) === canonical(builtinRulesDir());
}

/**
 * The package's top-level `rules/` folder. Compiled code runs from dist/src/rules/ and sources
 * from src/rules/, so walk up to the folder holding package.json rather than counting levels.
 */
export function builtinRulesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'rules');
    const parent = dirname(dir);
    if (parent === dir) throw new InputError('cannot find the built-in rules folder (no package.json above the code)');
    dir = parent;
  }
}

/** Every `*.rule` file of the built-in rules folder, in name order. */
export function builtinRuleFiles(): string[] {
  const dir = builtinRulesDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.rule'))
    .sort()
    .map((f) => join(dir, f));
}
