// Rule files in, a RuleSet out. Rule names are unique across every file loaded together.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { compileRules, type DefinedRule } from './compile.js';
import type { CompiledRule, RuleSet } from './types.js';

/** Parse and check one rule file's text; throws RuleSyntaxError at the first problem. */
export function compileRuleSource(source: string, file: string): CompiledRule[] {
  return compileRules(source, file);
}

/** Load rule files in order; a rule name defined twice, in one file or across files, is an error. */
export async function loadRuleFiles(paths: string[]): Promise<RuleSet> {
  const defined = new Map<string, DefinedRule>();
  const rules: CompiledRule[] = [];
  for (const path of paths) {
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read rule file ${path}${code ? ` (${code})` : ''}`, 'check the path given with --rules');
    }
    rules.push(...compileRules(source, path, defined));
  }
  return { rules, files: [...paths] };
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
