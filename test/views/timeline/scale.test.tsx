// A million log events: the model is built once from them, and frames are drawn from its
// aggregates without reading a single event again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEvent } from '../../../src/event.js';
import { App } from '../../../src/views/timeline/App.js';
import { buildTimelineModel } from '../../../src/views/timeline/model.js';
import { explainedSpike, flow, MIN, series, T0 } from './synthetic.js';
import { KEY, mount, statusLine } from './keys.js';

const EVENTS = 1_000_000;
const SERVICES = ['ftp', 'mail', 'web', 'syslog'];

test('a million events: the model builds quickly and frames never touch the events', async () => {
  // A week of one-minute bins.
  const bins = 7 * 24 * 60;
  const s = series(bins, (i) => (i === 5000 ? 5e9 : 1e6 + (i % 7) * 1e5), T0, MIN);
  const origin = { file: 'messages', line: 1, raw: 'Mar  8 00:00:00 server ftpd: x' };
  const fields = {};
  const logs: LogEvent[] = new Array(EVENTS);
  const span = bins * MIN;
  for (let i = 0; i < EVENTS; i++) {
    logs[i] = { kind: 'log', ts: T0 + Math.floor((i / EVENTS) * span), service: SERVICES[i % 4], fields, message: i % 1000 === 0 ? 'needle' : 'hay', origin };
  }
  const big = flow('10.0.0.1', '10.0.0.2', T0 + 5000 * MIN, T0 + 5001 * MIN, 5e9);
  const spikes = [explainedSpike({ id: 1, fromBin: 5000, toBin: 5000, unexplained: [big] }, s)];

  const started = performance.now();
  const model = buildTimelineModel({ series: s, spikes, logs, zone: 'UTC', flowCount: 1 });
  const buildMs = performance.now() - started;
  assert.ok(buildMs < 5000, `built in ${buildMs.toFixed(0)} ms`);

  // From here on, count every read of the events.
  let reads = 0;
  const watched = new Proxy(logs, {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  const t = await mount(<App model={{ ...model, logs: watched }} color={false} size={{ columns: 80, rows: 24 }} />);
  const frameStarted = performance.now();
  await t.press(KEY.right, '+', '+', 'n', KEY.enter, KEY.escape, '-', KEY.left);
  const keysMs = performance.now() - frameStarted;
  assert.equal(reads, 0, 'no frame read an event');
  assert.match(statusLine(t.frame()), /\+2h08m .* \d+ events \(ftp \d+, mail \d+/);
  assert.ok(keysMs < 5000, `8 keys in ${keysMs.toFixed(0)} ms`);

  // A filter recounts the lanes once; moving afterwards reads nothing again.
  await t.press('/', 'n', 'e', 'e', 'd', 'l', 'e', KEY.enter);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(reads >= EVENTS, 'the filter read the events once');
  const afterFilter = reads;
  assert.ok(afterFilter < 3 * EVENTS + 100, `${afterFilter} reads`);
  await t.press(KEY.right, KEY.right, '+');
  assert.equal(reads, afterFilter);
  t.unmount();
});
