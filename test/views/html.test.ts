// The HTML report: self-contained, escaped, and rendered by a real browser (Debian's
// chromium, headless). The browser tests skip, saying why, where chromium is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';
import { decodePng } from '../support/png.js';
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { datasetFromStore } from '../../src/store/queries.js';
import { analyse } from '../../src/analyses/analyse.js';
import { DEFAULT_SPIKE_OPTIONS } from '../../src/analyses/spikes.js';
import { builtinRuleFiles, loadRuleFiles } from '../../src/rules/load.js';
import { renderHtml } from '../../src/views/html.js';
import type { Report } from '../../src/views/json.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');
const CHROMIUM = '/usr/bin/chromium';
const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (Debian package chromium; .ci/run installs it)`;

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-html-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function sampleReport() {
  const store = openStore();
  await ingestInputs(store, [SAMPLE], { zone: 'UTC' });
  const data = datasetFromStore(store);
  closeStore(store);
  const analysis = analyse(data.flows, data.logs, await loadRuleFiles(builtinRuleFiles()), { spikes: DEFAULT_SPIKE_OPTIONS, zone: 'UTC' });
  const report: Report = { spikes: analysis.explained, inputs: data.inputs, ignored: [], binWidth: analysis.series!.width, flows: data.flows.length, logs: data.logs.length, zone: 'UTC' };
  return { report, series: analysis.series! };
}

test('log text cannot become markup: a hostile log line and user name are escaped', async () => {
  const { report, series } = await sampleReport();
  const x = report.spikes.flatMap((s) => s.explanations).find((e) => e.rule === 'ftp_upload' && e.logs.length > 0)!;
  x.logs[0].origin.raw = 'Mar  8 03:33:42 server ftpd: (<script>alert(1)</script>@192.168.134.56) "/tmp/a&b" uploaded';
  x.summary = '<img src=x onerror=alert(2)> uploaded a file';
  const html = renderHtml(report, series);
  assert.doesNotMatch(html, /<script|<img/i);
  assert.match(html, /\(&lt;script&gt;alert\(1\)&lt;\/script&gt;@192\.168\.134\.56\) &quot;\/tmp\/a&amp;b&quot; uploaded/);
  assert.match(html, /&lt;img src=x onerror=alert\(2\)&gt; uploaded a file/);
});

test('self-contained: nothing is fetched from anywhere, a policy forbids it, no script', async () => {
  const { report, series } = await sampleReport();
  const html = renderHtml(report, series);
  assert.doesNotMatch(html, /\b(src|href)\s*=/i, 'no src or href attributes');
  assert.doesNotMatch(html, /url\(|@import|<script|<link/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  // One bar per bin of the series the spikes were found in.
  assert.equal((html.match(/<rect class="bar/g) ?? []).length, series.bytes.length);
  assert.ok((html.match(/<rect class="bar spike"/g) ?? []).length >= 2);
});

function chromium(dir: string, ...args: string[]) {
  return spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`, ...args],
    { encoding: 'buffer', timeout: 90_000, maxBuffer: 64 << 20 },
  );
}

test('explain --html, opened in headless Chromium: the chart has a bar per bin and the explanations are on the page', { skip: noChromium, timeout: 200_000 }, (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'report.html');
  const r = spawnSync(process.execPath, [CLI, 'explain', SAMPLE, '--html', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Spike 2008-03-08/m, 'the text report still goes to stdout');
  const written = readFileSync(file, 'utf8');
  const bins = Number(/data-bins="(\d+)"/.exec(written)![1]);
  assert.ok(bins > 100, `${bins} bins`);

  const dump = chromium(dir, '--dump-dom', pathToFileURL(file).href);
  assert.equal(dump.status, 0, dump.stderr.toString());
  const dom = dump.stdout.toString('utf8');
  // What the browser built from the file, not the file itself: the SVG and its bars are in its DOM.
  assert.match(dom, /<svg class="chart"[^>]*data-bins="\d+"/);
  assert.equal((dom.match(/<rect class="bar/g) ?? []).length, bins);
  assert.ok((dom.match(/<rect class="bar spike"/g) ?? []).length >= 2);
  assert.match(dom, /<h2 class="answer">Spike 2008-03-08 03:\d\d-0\d:\d\d on 10\.2\.3\.102, 1\.7\d GiB: 3 FTP uploads by xxx@xxx\.com from 192\.168\.134\.56 \(confidence 0\.9\d\)/);
  assert.match(dom, /<p class="explanation">xxx@xxx\.com uploaded \/home\/xxx\/backup\/\/xxx\.com_2008\.03\.08_03-21-02 \(850 MiB\) from 192\.168\.134\.56/);
  assert.match(dom, /<pre>Mar {2}8 03:33:42 server ftpd: \(xxx@xxx\.com@192\.168\.134\.56\) \[NOTICE\]/);
  assert.match(dom, /192\.168\.200\.77:4105 &lt;\?&gt; 10\.2\.3\.102:38327/, 'the unexplained flow is listed');
});

test('the page as Chromium paints it: the chart is drawn, with the spike bars in red', { skip: noChromium, timeout: 200_000 }, (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'report.html');
  const r = spawnSync(process.execPath, [CLI, 'explain', SAMPLE, '--html', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const png = path.join(dir, 'shot.png');
  const shot = chromium(dir, '--window-size=1000,700', '--hide-scrollbars', `--screenshot=${png}`, pathToFileURL(file).href);
  assert.equal(shot.status, 0, shot.stderr.toString());
  const img = decodePng(readFileSync(png));
  assert.equal(img.width, 1000);
  let red = 0;
  let blue = 0;
  let dark = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    const [R, G, B] = [img.pixels[p * 4], img.pixels[p * 4 + 1], img.pixels[p * 4 + 2]];
    if (R > 180 && G < 80 && B < 80) red++; // #d1242f, the spike bars
    if (Math.abs(R - 0x6e) < 20 && Math.abs(G - 0x8f) < 20 && Math.abs(B - 0xb3) < 20) blue++; // #6e8fb3, ordinary bins
    if (R < 80 && G < 80 && B < 80) dark++; // text
  }
  assert.ok(red > 100, `${red} red pixels: the spike bars were not painted`);
  assert.ok(dark > 2000, `${dark} dark pixels: no text painted`);
  assert.ok(blue >= 0);
});
