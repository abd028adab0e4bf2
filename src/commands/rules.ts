// `flowlink rules check|list|test`: the rule files themselves, without any traffic.
import { readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { RuleSyntaxError } from '../errors.js';
import { compileRuleFile, type DefinedRule } from '../rules/compile.js';
import { builtinRuleFiles, isBuiltinRuleFile, loadRuleFiles, ruleFilesFrom } from '../rules/load.js';
import { runRuleTest } from '../rules/run-tests.js';
import { plural } from '../units.js';
import { collect, loadRules } from './common.js';

interface RuleFlags {
  rules: string[];
  builtinRules: boolean;
  json?: boolean;
}

/** A path as the user would type it from here. */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
}

/** Every file checked on its own against the built-ins' names; each error printed, none stops the others. */
export function checkRules(args: string[], flags: RuleFlags): number {
  const files = ruleFilesFrom(args);
  const builtinNames = new Map<string, DefinedRule>();
  if (flags.builtinRules) {
    for (const f of builtinRuleFiles()) {
      if (files.some((x) => isBuiltinRuleFile(x) && shown(x) === shown(f))) continue;
      for (const r of compileRuleFile(readFileSync(f, 'utf8'), shown(f)).rules) builtinNames.set(r.name, { file: shown(f), line: r.line });
    }
  }
  let errors = 0;
  for (const file of files) {
    try {
      const compiled = compileRuleFile(readFileSync(file, 'utf8'), file, new Map(builtinNames));
      process.stdout.write(`${file}: ${plural(compiled.rules.length, 'rule')}, ${plural(compiled.tests.length, 'test')}, ok\n`);
    } catch (error) {
      errors++;
      if (error instanceof RuleSyntaxError) process.stderr.write(`${error.detailed}\n`);
      else if ((error as NodeJS.ErrnoException).code) process.stderr.write(`${file}: cannot read (${(error as NodeJS.ErrnoException).code})\n`);
      else throw error;
    }
  }
  if (errors > 0) process.stderr.write(`flowlink: ${plural(errors, 'rule file')} with errors\n`);
  return errors > 0 ? 2 : 0;
}

export async function listRules(flags: RuleFlags): Promise<number> {
  const set = await loadRules(flags.rules, flags.builtinRules);
  const rows = set.rules.map((r) => ({
    name: r.name,
    title: r.title,
    file: shown(r.file),
    line: r.line,
    origin: isBuiltinRuleFile(r.file) ? 'built-in' : 'user',
    confidence: r.confidence,
    tags: r.tags,
  }));
  if (flags.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  const header = { name: 'rule', title: 'title', where: 'from', origin: '' };
  const lines = [header, ...rows.map((r) => ({ name: r.name, title: r.title, where: `${r.file}:${r.line}`, origin: r.origin }))];
  const width = (k: 'name' | 'title' | 'where') => Math.max(...lines.map((l) => l[k].length));
  const [wn, wt, ww] = [width('name'), width('title'), width('where')];
  for (const l of lines) process.stdout.write(`${l.name.padEnd(wn)}  ${l.title.padEnd(wt)}  ${l.where.padEnd(ww)}  ${l.origin}`.trimEnd() + '\n');
  process.stdout.write(`${plural(rows.length, 'rule')} from ${plural(set.files.length, 'file')}\n`);
  return 0;
}

/** The test cases of the files given (of the built-in files when none), against every loaded rule. */
export async function testRules(args: string[], flags: RuleFlags): Promise<number> {
  const named = args.length ? ruleFilesFrom(args) : builtinRuleFiles();
  const files = [...(flags.builtinRules ? builtinRuleFiles() : [])];
  files.push(...ruleFilesFrom([...flags.rules, ...named], files));
  const set = await loadRuleFiles(files);
  const wanted = new Set(named.map(shown));
  const tests = (set.tests ?? []).filter((t) => wanted.has(shown(t.file)));
  let failed = 0;
  for (const t of tests) {
    const r = await runRuleTest(t, set);
    const where = `${shown(t.file)}:${t.line}`;
    const got = r.got.length ? `  (${r.got.join(', ')})` : '';
    if (r.failures.length === 0) {
      process.stdout.write(`ok    ${where}  ${t.name}${got}\n`);
    } else {
      failed++;
      process.stdout.write(`FAIL  ${where}  ${t.name}\n`);
      for (const f of r.failures) process.stdout.write(`      ${f}\n`);
    }
  }
  if (tests.length === 0) {
    process.stderr.write(`flowlink: no test cases in ${named.map(shown).join(', ')}\n  hint: add a test "..." { flow ...; log "..."; expect RULE } block (docs/rules.md, "Test cases")\n`);
    return 1;
  }
  process.stdout.write(`${plural(tests.length, 'test')}: ${tests.length - failed} passed${failed ? `, ${failed} failed` : ''}\n`);
  return failed > 0 ? 1 : 0;
}

function ruleOptions(c: Command): Command {
  return c
    .option('--rules <file|dir>', 'also load these rules (repeatable)', collect, [])
    .option('--only-rules', 'leave the built-in rules out')
    .option('--no-builtin-rules', 'the same as --only-rules');
}

function flagsOf(raw: RuleFlags & { onlyRules?: boolean }): RuleFlags {
  return { ...raw, builtinRules: raw.builtinRules && !raw.onlyRules };
}

export function registerRules(program: Command): void {
  const rules = program
    .command('rules')
    .description('check, list and test rule files')
    .addHelpText('after', '\nExamples:\n  flowlink rules check my.rule          file:line:column and a caret per mistake\n  flowlink rules list --rules my-rules/\n  flowlink rules test rules/*.rule\n');
  ruleOptions(
    rules
      .command('check')
      .description('check rule files for mistakes: each error with file:line:column and a caret; exit 2 on any')
      .argument('<files...>', 'rule files or folders of them'),
  ).action((files: string[], raw: RuleFlags) => {
    process.exitCode = checkRules(files, flagsOf(raw));
  });
  ruleOptions(rules.command('list').description('the rules a run loads: name, title, where each comes from').option('--json', 'as JSON')).action(
    async (raw: RuleFlags) => {
      process.exitCode = await listRules(flagsOf(raw));
    },
  );
  ruleOptions(
    rules
      .command('test')
      .description("run the test cases rule files carry (the built-in ones when no file is given); exit 1 if one fails")
      .argument('[files...]', 'rule files or folders of them'),
  )
    .addHelpText('after', '\nExamples:\n  flowlink rules test rules/*.rule\n  flowlink rules check my.rule\n  flowlink rules list --rules my-rules/\n')
    .action(async (files: string[], raw: RuleFlags) => {
      process.exitCode = await testRules(files, flagsOf(raw));
    });
}
