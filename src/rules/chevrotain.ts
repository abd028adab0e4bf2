// chevrotain's runtime, from the single-file build its package ships (lib/chevrotain.mjs)
// when it is there. The package's entry point loads lodash-es as hundreds of separate ES
// modules, which cost Node 20's loader ~0.25 s on every command that reads rules: an eighth
// of `explain --db` on a day of data (BENCHMARKS.md (g3)). Same version, same code; the entry
// point is the fallback. Everything in flowlink takes chevrotain's values from here, so one
// copy is loaded (its token types and parser classes are compared by identity).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

function runtimeUrl(): string {
  try {
    // The entry point (lib/src/api.js); the bundle is lib/chevrotain.mjs beside its folder.
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    const bundle = path.join(path.dirname(entry), '..', 'chevrotain.mjs');
    if (existsSync(bundle)) return pathToFileURL(bundle).href;
  } catch {
    // Not resolvable that way: the ordinary import below says why, if it fails too.
  }
  return 'chevrotain';
}

const chevrotain = (await import(runtimeUrl())) as typeof Chevrotain;

export const { createToken, CstParser, EOF, Lexer } = chevrotain;
