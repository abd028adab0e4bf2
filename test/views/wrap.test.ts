import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cut, wrap } from '../../src/views/wrap.js';

test('wrap keeps every word, hangs continuation lines and never splits a number from its unit', () => {
  const text = 'xxx@xxx.com uploaded /home/xxx/backup//xxx.com_2008.03.07_03-21-02.001 (475 MiB) from 192.168.134.56 in 3m48s';
  const lines = wrap(text, 80, '    ', '      ');
  assert.deepEqual(lines, [
    '    xxx@xxx.com uploaded /home/xxx/backup//xxx.com_2008.03.07_03-21-02.001',
    '      (475 MiB) from 192.168.134.56 in 3m48s',
  ]);
});

test('wrap in fields mode breaks only at runs of two spaces', () => {
  const flow = 'flow 03:27:41-03:33:31 tcp 192.168.134.56:51202 -> 10.2.3.102:44021  2446101 pkts  962 MiB';
  assert.deepEqual(wrap(flow, 80, '    ', '         ', { fields: true }), [
    '    flow 03:27:41-03:33:31 tcp 192.168.134.56:51202 -> 10.2.3.102:44021',
    '         2446101 pkts  962 MiB',
  ]);
});

test('a word longer than a line is broken across lines, not cut', () => {
  const v6 = 'tcp [2001:db8:85a3:0:0:8a2e:370:7334]:51202 -> [2001:db8:85a3:0:0:8a2e:370:7335]:443';
  const lines = wrap(v6, 40, '  ', '    ', { fields: true });
  assert.ok(lines.every((l) => l.length <= 40), lines.join('\n'));
  assert.equal(lines.map((l, i) => l.slice(i === 0 ? 2 : 4)).join(''), v6);
});

test('cut marks what it drops', () => {
  assert.equal(cut('abcdef', 4), 'abc…');
  assert.equal(cut('abcd', 4), 'abcd');
});
