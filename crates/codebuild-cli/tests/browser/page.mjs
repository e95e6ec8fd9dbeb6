// Drives Debian's chromium (headless, through playwright-core) over a page
// made by `cbstats report --format html`.
//
//   node page.mjs check PAGE.html EXPECTED.json   the browser test (tests/html.rs)
//   node page.mjs screenshot PAGE.html OUT_DIR PROJECT   docs/report-*.png
//   node page.mjs timing PAGE.html [RUNS]          load + render time (benches/README.md)
//
// playwright-core comes from .ci/node (installed by .ci/deps into
// ~/.cache/cbstats-test/node; CBSTATS_NODE_MODULES overrides), the browser
// from /usr/bin/chromium (CBSTATS_CHROMIUM overrides). `check` prints one
// JSON object and exits 1 on any failure; a browser that cannot start is a
// failure too.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.env.CBSTATS_NODE_MODULES || join(homedir(), '.cache/cbstats-test/node/node_modules');
const require = createRequire(join(modules, 'noop.js'));
const { chromium } = require('playwright-core');
const executablePath = process.env.CBSTATS_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function open(opts = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'cbstats-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath, headless: true, args: FLAGS, offline: true,
      viewport: opts.viewport || { width: 1400, height: 1000 },
      colorScheme: opts.colorScheme || 'light', deviceScaleFactor: 1,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return { context, close: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); } };
}

// Watches a page for everything the test forbids.
function watch(page, url, problems) {
  page.on('pageerror', (e) => problems.push(`JavaScript error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('dialog', (d) => { problems.push(`dialog opened (${d.type()}): ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('request', (r) => { if (r.url() !== url) problems.push(`request: ${r.method()} ${r.url()}`); });
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} ${r.failure() ? r.failure().errorText : ''}`));
}

// Every chart on the page: has it drawn? (non-transparent pixels, and
// Chart.js data elements in at least one visible dataset)
async function charts(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll('canvas')).map((c) => {
    const ctx = c.getContext('2d');
    const img = ctx.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < img.length; i += 4) if (img[i] > 0) painted++;
    const chart = window.Chart && window.Chart.getChart(c);
    let marks = 0;
    if (chart) {
      chart.data.datasets.forEach((d, i) => {
        if (!chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach((el, j) => {
          const v = d.data[j];
          const value = v !== null && typeof v === 'object' ? v.v : v;
          if (value !== null && value !== undefined && !(typeof value === 'number' && isNaN(value))) marks++;
        });
      });
    }
    const fig = c.closest('figure');
    return { id: c.id, width: c.width, height: c.height, painted, marks, empty: !!(fig && fig.querySelector('.empty')) };
  }));
}

async function headline(page) {
  return page.evaluate(() => {
    const out = {};
    document.querySelectorAll('#headline dd').forEach((d) => { out[d.dataset.metric] = { value: d.dataset.value, text: d.textContent }; });
    return out;
  });
}

async function selectProject(page, name) {
  const index = await page.evaluate((n) => {
    const o = Array.from(document.querySelectorAll('#project option')).find((x) => x.textContent.startsWith(n + ' ('));
    return o ? o.value : null;
  }, name);
  if (index === null) throw new Error(`project ${JSON.stringify(name)} is not in the selector`);
  await page.selectOption('#project', index);
  await page.waitForFunction((n) => document.body.getAttribute('data-view') === n, name);
}

function close(a, b) {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

async function check(file, expectedFile) {
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
  const url = pathToFileURL(resolve(file)).href;
  const problems = [];
  const report = { problems };
  let browser;
  try {
    browser = await open();
    const page = await browser.context.newPage();
    watch(page, url, problems);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 20000 });
    const checkCharts = async (label, allowEmpty) => {
      const list = await charts(page);
      if (list.length < expected.minCharts) problems.push(`${label}: ${list.length} charts, expected at least ${expected.minCharts}`);
      for (const c of list) {
        if (c.width === 0 || c.height === 0 || c.painted === 0) problems.push(`${label}: chart ${c.id} has drawn nothing`);
        else if (c.marks === 0 && !(allowEmpty && c.empty)) problems.push(`${label}: chart ${c.id} has no data marks`);
      }
      return list;
    };
    report.overview = { charts: await checkCharts('overview', !!expected.allowEmpty), headline: await headline(page) };
    // Sortable tables: sorting the first sortable numeric column of the
    // reasons table by clicking its header orders the rows.
    const sorted = await page.evaluate(() => {
      const t = document.querySelector('#block-reasons table');
      if (!t) return null;
      const th = Array.from(t.querySelectorAll('thead th')).find((h) => h.textContent === 'builds');
      const col = Array.from(th.parentNode.children).indexOf(th);
      th.querySelector('button').click();
      const vals = () => Array.from(t.querySelectorAll('tbody tr')).map((r) => Number(r.children[col].title));
      const asc = vals();
      th.querySelector('button').click();
      const desc = vals();
      const ok = (v, s) => v.every((x, i) => i === 0 || s * (x - v[i - 1]) >= 0);
      return { asc: ok(asc, 1), desc: ok(desc, -1), rows: asc.length, sort: th.getAttribute('aria-sort') };
    });
    report.sorting = sorted;
    if (sorted && !(sorted.asc && sorted.desc && sorted.sort === 'descending')) problems.push(`sorting the reasons table failed: ${JSON.stringify(sorted)}`);
    report.projects = await page.evaluate(() => Array.from(document.querySelectorAll('#project option')).map((o) => o.textContent));
    if (report.projects.length !== expected.projectCount + 1) problems.push(`selector has ${report.projects.length} options, expected ${expected.projectCount + 1}`);
    for (const want of expected.views) {
      if (want.name !== null) await selectProject(page, want.name);
      const got = await headline(page);
      for (const [k, v] of Object.entries(want.headline)) {
        const g = got[k];
        if (!g) { problems.push(`${want.name}: headline ${k} missing`); continue; }
        const n = g.value === 'null' ? null : Number(g.value);
        if (!close(n, v)) problems.push(`${want.name}: headline ${k} is ${g.value}, expected ${v}`);
      }
      if (want.text) for (const [k, t] of Object.entries(want.text)) if (got[k].text !== t) problems.push(`${want.name}: headline ${k} reads ${JSON.stringify(got[k].text)}, expected ${JSON.stringify(t)}`);
      if (want.name !== null) {
        report[`project ${want.name}`] = { charts: await checkCharts(`project ${want.name}`, true), headline: got };
        const scope = await page.textContent('#scope-name');
        if (!scope.includes(want.name)) problems.push(`scope reads ${JSON.stringify(scope)}`);
      }
    }
    if (expected.textInSelector) {
      const found = report.projects.some((p) => p.startsWith(expected.textInSelector + ' ('));
      if (!found) problems.push(`no selector option reads ${JSON.stringify(expected.textInSelector)}`);
    }
  } catch (e) {
    problems.push(`browser run failed: ${e && e.stack ? e.stack : e}`);
  } finally {
    if (browser) await browser.close().catch((e) => problems.push(`closing the browser: ${e}`));
  }
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  process.exit(problems.length ? 1 : 0);
}

// Full-page screenshots: the viewport is grown to the page's height first
// (a full-page capture alone resizes the page under the charts, which then
// redraw after the capture).
async function grow(page, width) {
  const h = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height: h });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(300);
}

async function screenshot(file, dir, project) {
  const url = pathToFileURL(resolve(file)).href;
  mkdirSync(dir, { recursive: true });
  const problems = [];
  const width = 1280;
  for (const scheme of ['light', 'dark']) {
    const browser = await open({ viewport: { width, height: 900 }, colorScheme: scheme });
    const page = await browser.context.newPage();
    watch(page, url, problems);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]');
    if (scheme === 'light') {
      await grow(page, width);
      await page.screenshot({ path: join(dir, 'report-overview.png') });
      await page.setViewportSize({ width, height: 900 });
      await selectProject(page, project);
      await grow(page, width);
      await page.screenshot({ path: join(dir, 'report-project.png'), clip: { x: 0, y: 0, width, height: 2300 } });
    } else {
      await page.screenshot({ path: join(dir, 'report-dark.png') });
    }
    await browser.close();
  }
  if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
}

async function timing(file, runs) {
  const url = pathToFileURL(resolve(file)).href;
  const loads = [], renders = [], switches = [];
  for (let i = 0; i < runs; i++) {
    const browser = await open();
    const page = await browser.context.newPage();
    const problems = [];
    watch(page, url, problems);
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]');
    const t = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { load: n.loadEventEnd - n.startTime, script: window.cbstatsLoadMs, render: window.cbstatsRenderMs };
    });
    // The largest project (the second option, by builds, is not known
    // here: take the one with the most builds from the option labels).
    const biggest = await page.evaluate(() => {
      let best = null, n = -1;
      document.querySelectorAll('#project option').forEach((o) => {
        const m = /^(.*) \(([\d,]+) builds\)$/.exec(o.textContent);
        if (m && Number(m[2].replace(/,/g, '')) > n) { n = Number(m[2].replace(/,/g, '')); best = m[1]; }
      });
      return best;
    });
    const s0 = Date.now();
    await selectProject(page, biggest);
    switches.push(Date.now() - s0);
    loads.push(t.load);
    renders.push(t.script);
    await browser.close();
    if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
  }
  const median = (v) => { const s = v.slice().sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  console.log(JSON.stringify({ runs, loadEventEndMs: loads.map(Math.round), scriptMs: renders.map(Math.round), switchToBiggestProjectMs: switches,
    medianLoadMs: Math.round(median(loads)), medianScriptMs: Math.round(median(renders)), medianSwitchMs: median(switches) }));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'check') await check(args[0], args[1]);
else if (mode === 'screenshot') await screenshot(args[0], args[1], args[2]);
else if (mode === 'timing') await timing(args[0], Number(args[1] || 5));
else { console.error('usage: page.mjs check PAGE EXPECTED | screenshot PAGE DIR PROJECT | timing PAGE [RUNS]'); process.exit(2); }
