// The headline counts explanations per rule: the rule titles must read as plurals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pluralTitle } from '../../src/views/headline.js';
import { ROOT } from '../helpers.js';

test('plural titles: the noun before a parenthesis takes the plural', () => {
  assert.equal(pluralTitle('FTP upload'), 'FTP uploads');
  assert.equal(pluralTitle('Incoming SMTP message'), 'Incoming SMTP messages');
  assert.equal(pluralTitle('Mail burst'), 'Mail bursts');
  assert.equal(pluralTitle('HTTP (guessed from port 80)'), 'HTTPs (guessed from port 80)');
});

test('every built-in rule title pluralizes without a doubled or glued suffix', () => {
  const titles = readdirSync(path.join(ROOT, 'rules')).filter((f) => f.endsWith('.rule'))
    .flatMap((f) => [...readFileSync(path.join(ROOT, 'rules', f), 'utf8').matchAll(/^\s*title "([^"]+)"/gm)].map((m) => m[1]));
  assert.ok(titles.length >= 10, `found ${titles.length} titles`);
  for (const t of titles) {
    const p = pluralTitle(t);
    assert.notEqual(p, t, t);
    assert.doesNotMatch(p, /\)s$|ss$|ys$/, `${t} -> ${p}`);
  }
});
