import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { exampleLines } from '../../src/commands/formats.js';
import { parsers } from '../../parsers/index.js';
import { ROOT } from '../helpers.js';

describe('flowlink formats', () => {
  it('lists every format with an example from its own samples, a header and a row for flow tables', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), 'formats'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    for (const p of parsers) {
      const at = out.findIndex((l) => l.startsWith(`${p.name.padEnd(14)} ${p.produces}`));
      assert.ok(at >= 0, `${p.name} listed`);
      const examples = exampleLines(p);
      assert.deepEqual(out.slice(at + 1, at + 1 + examples.length), examples.map((l) => `    ${l}`));
      if (p.samples.length === 0) continue;
      for (const e of examples) assert.ok(p.samples.some((s) => s.startsWith(e.replace(/…$/, ''))), `${p.name}: ${e}`);
      assert.equal(examples.length, p.produces === 'flows' ? 2 : 1);
    }
    // Zeek's preamble is left out for its #fields header.
    assert.match(exampleLines(parsers.find((p) => p.name === 'zeek-conn')!)[0], /^#fields\tts\tuid/);
  });
});
