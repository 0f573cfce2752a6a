// The explorer's benchmark (run by `cargo xtask bench`, which builds the site over the study's
// dataset and serves it on 127.0.0.1 with gzip, as static hosts do). In headless Chromium:
//
// 1. the issue-15 goals on emulated networks (CDP `Network.emulateNetworkConditions`): the overview
//    cold on Fast 4G and Slow 4G, a deep link to one response, the response list usable, the overview
//    on a second visit (warm cache); each against its budget, with the bytes transferred and where
//    the time goes;
// 2. on loopback: navigation to the overview, and filter changes to the updated list.
//
// Prints the numbers for BENCHMARKS.md. Not a test: it asserts nothing (a goal over budget is printed
// as such).

import { launch } from './helpers.mjs';

const site = process.env.SITE_URL ?? 'http://127.0.0.1:8080/';
const NETWORK_RUNS = Number(process.env.BENCH_NETWORK_RUNS ?? 5);
const NAVIGATIONS = Number(process.env.BENCH_NAVIGATIONS ?? 15);
const FILTER_ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS ?? 6);

// DevTools' presets, as the issue gives them (throughput in bytes per second, latency in ms).
const NETWORKS = {
  'Fast 4G': { offline: false, latency: 60, downloadThroughput: (9_000_000 / 8), uploadThroughput: (1_500_000 / 8) },
  'Slow 4G': { offline: false, latency: 150, downloadThroughput: (1_600_000 / 8), uploadThroughput: (750_000 / 8) },
};

// When each view counts as ready, checked on every DOM change from the start of the navigation.
// `window.__ready` gets the time (ms since navigation start) of the first change that makes it true.
const READY = {
  // Tables 1 and 2, the other two report tables, the heatmap and Figure 1 in the DOM.
  overview: `document.querySelectorAll('table.report-table').length >= 4 && document.querySelector('table.heatmap') && document.querySelector('[data-testid="figure1"] svg')`,
  // The response's text and the judge's verdict: its notes, or (blind review, the default) the switch
  // that shows them once the reader has reviewed.
  response: `document.querySelector('[data-testid="response-detail"] .markdown') && (document.querySelector('[data-testid="judge-notes"]') || document.querySelector('[data-testid="show-judge"]'))`,
  // The first page of rows and the filter form.
  list: `document.querySelectorAll('[data-testid="response-list"] tbody tr').length > 0 && document.querySelector('form.filters input[type="checkbox"]')`,
};

const GOALS = [
  { goal: 'overview rendered', network: 'Fast 4G', route: '', ready: 'overview', budget: 1000 },
  { goal: 'overview rendered', network: 'Slow 4G', route: '', ready: 'overview', budget: 3000 },
  { goal: 'deep link to one response rendered', network: 'Fast 4G', route: 'responses/C3/qwen3/12', ready: 'response', budget: 1500 },
  { goal: 'response list usable (first page, filters)', network: 'Fast 4G', route: 'responses', ready: 'list', budget: 2500 },
  { goal: 'second visit (warm): overview rendered', network: 'Slow 4G', route: '', ready: 'overview', budget: 500, warm: true },
];

const browser = await launch();

function stats(values) {
  const sorted = values.filter((value) => value !== undefined && value !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0, median: NaN, p95: NaN, max: NaN };
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { n: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}
const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '–');
const kb = (bytes) => `${(bytes / 1000).toFixed(0)} KB`;

/** Records when `predicate` (JS source) first holds, from the start of every navigation of the page. */
async function watchReady(page, predicate) {
  await page.addInitScript((source) => {
    const check = new Function(`return !!(${source});`);
    const observer = new MutationObserver(() => {
      if (window.__ready === undefined && check()) {
        window.__ready = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true, attributes: true });
  }, predicate);
}

/** Counts the bytes the page receives over the network (compressed, headers included). */
async function countBytes(cdp) {
  const counter = { bytes: 0, requests: 0 };
  cdp.on('Network.loadingFinished', (event) => {
    counter.bytes += event.encodedDataLength;
    counter.requests += 1;
  });
  await cdp.send('Network.enable');
  return counter;
}

/** What the page's own marks say about where the time went (ms since navigation start). */
async function marks(page) {
  return page.evaluate(() => {
    const mark = (name) => performance.getEntriesByName(name)[0]?.startTime;
    const navigation = performance.getEntriesByType('navigation')[0];
    return {
      ready: window.__ready,
      html: navigation?.responseEnd,
      boot: mark('lb:start'),
      core: mark('lb:core-end'),
      compute: mark('lb:compute-end'),
      live: mark('lb:render-end'),
      results: mark('lb:results-end'),
    };
  });
}

/** Waits until the service worker has every file of the site in its cache (the offline copy). */
async function waitForOfflineCopy(page) {
  await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 120_000 }).catch(() => {});
}

async function measureGoal(goal) {
  const runs = [];
  for (let run = 0; run < NETWORK_RUNS; run++) {
    // Cold: no service worker either. (Chromium's emulation throttles the page's requests, not a
    // worker's; a first visit's worker would otherwise fetch the data at loopback speed.)
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: goal.warm ? 'allow' : 'block' });
    let page = await context.newPage();
    const url = new URL(goal.route, site).href;
    if (goal.warm) {
      // The first visit, on the same network; then everything the site keeps for later is in place.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', NETWORKS[goal.network]);
      await page.goto(url);
      await page.waitForFunction(READY[goal.ready], null, { timeout: 120_000 });
      await waitForOfflineCopy(page);
      await page.close();
      page = await context.newPage();
    }
    await watchReady(page, READY[goal.ready]);
    const cdp = await context.newCDPSession(page);
    const counter = await countBytes(cdp);
    await cdp.send('Network.emulateNetworkConditions', NETWORKS[goal.network]);
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__ready !== undefined, null, { timeout: 120_000 });
    const atReady = { bytes: counter.bytes, requests: counter.requests };
    // Then the live app's page, and every file (for where the time goes, and the bytes of a whole visit).
    await page.waitForFunction(() => document.documentElement.dataset.loaded === 'complete', null, { timeout: 120_000 });
    await page.waitForTimeout(200);
    const timing = await marks(page);
    runs.push({ ...timing, ...atReady, allBytes: counter.bytes });
    await context.close();
  }
  return runs;
}

console.log(`\nGoals on emulated networks (${NETWORK_RUNS} runs each; served with gzip):\n`);
console.log('| goal | network | median | p95 | budget | | transferred until then | requests | whole visit |');
console.log('|---|---|---:|---:|---:|---|---:|---:|---:|');
const details = [];
for (const goal of GOALS) {
  const runs = await measureGoal(goal);
  const ready = stats(runs.map((run) => run.ready));
  const bytes = stats(runs.map((run) => run.bytes));
  const requests = stats(runs.map((run) => run.requests));
  const allBytes = stats(runs.map((run) => run.allBytes));
  const verdict = ready.p95 <= goal.budget ? 'within' : '**over**';
  console.log(`| ${goal.goal} | ${goal.network} | ${ms(ready.median)} | ${ms(ready.p95)} | ${ms(goal.budget)} | ${verdict} | ${kb(bytes.median)} | ${requests.median} | ${kb(allBytes.median)} |`);
  details.push({ goal, runs });
}

console.log('\nWhere the time goes (medians, ms since navigation start):\n');
console.log('| goal | network | HTML received | app started | first data parsed | computed | live page rendered | ready | all responses loaded |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const { goal, runs } of details) {
  const median = (name) => ms(stats(runs.map((run) => run[name])).median);
  console.log(`| ${goal.goal} | ${goal.network} | ${median('html')} | ${median('boot')} | ${median('core')} | ${median('compute')} | ${median('live')} | ${median('ready')} | ${median('results')} |`);
}

// Loopback: navigation to the overview, each time in a new context (nothing cached).
const loads = [];
for (let run = 0; run < NAVIGATIONS; run++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await watchReady(page, READY.overview);
  await page.goto(site, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__ready !== undefined, null, { timeout: 30_000 });
  // The live app, and then every response's text and the list's index.
  await page.waitForFunction(() => performance.getEntriesByName('lb:render-end').length > 0, null, { timeout: 30_000 });
  await page.waitForFunction(() => performance.getEntriesByName('lb:index').length > 0, null, { timeout: 30_000 });
  // The 95% intervals are computed after the first paint too (web/src/intervals.rs): their cost.
  await page.waitForFunction(() => performance.getEntriesByName('lb:intervals').length > 0, null, { timeout: 30_000 });
  loads.push(
    await page.evaluate(() => {
      const mark = (name) => performance.getEntriesByName(name)[0]?.startTime;
      const measure = (name) => performance.getEntriesByName(name)[0]?.duration;
      const navigation = performance.getEntriesByType('navigation')[0];
      return {
        ready: window.__ready,
        html: navigation.responseEnd,
        boot: mark('lb:start'),
        core: measure('lb:core-fetch'),
        parse: measure('lb:core-parse'),
        compute: measure('lb:compute'),
        render: mark('lb:render-end') - mark('lb:compute-end'),
        live: mark('lb:render-end'),
        results: measure('lb:results'),
        validate: measure('lb:validate'),
        index: measure('lb:index'),
        intervals: measure('lb:intervals'),
      };
    }),
  );
  await context.close();
}

// Filter changes on the response list: checkboxes, a select and the search box, one at a time.
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
await page.goto(new URL('responses', site).href);
await page.waitForSelector('[data-testid="response-list"] tbody tr');
await page.waitForFunction(() => document.documentElement.dataset.loaded === 'complete', null, { timeout: 30_000 });
const changes = [];
for (let round = 0; round < FILTER_ROUNDS; round++) {
  const steps = [
    ...['claude_opus_4.5', 'gpt_5.2', 'qwen3', 'aya_expanse'].flatMap((model) => [`check:Model:${model}`, `check:Model:${model}`]),
    ...['C2', 'C3', 'C5'].flatMap((condition) => [`check:Condition:${condition}`, `check:Condition:${condition}`]),
    'check:Grading:scored', 'check:Grading:scored',
    'check:Detected language:kyrgyz', 'check:Detected language:kyrgyz',
    'select:total_min:4', 'select:total_min:',
    'search:астана', 'search:', 'search:Kyrgyz', 'search:', 'search:"shoe track"', 'search:',
  ];
  for (const step of steps) {
    changes.push(
      await page.evaluate(async (step) => {
        const [kind, name, value] = step.split(':');
        const list = document.querySelector('section.results');
        let last = null;
        const observer = new MutationObserver(() => {
          last = performance.now();
        });
        observer.observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
        const start = performance.now();
        if (kind === 'check') {
          const legend = [...document.querySelectorAll('form.filters legend')].find((l) => l.textContent === name);
          legend.parentElement.querySelector(`input[value="${value}"]`).click();
        } else if (kind === 'select') {
          const select = document.querySelector(`select[name="${name}"]`);
          select.value = value;
          select.dispatchEvent(new Event('change', { bubbles: true }));
        } else {
          const input = document.querySelector('input[type="search"]');
          input.value = value;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }
        // Let every microtask and queued task of the update run, then see when the list last changed.
        await new Promise((resolve) => setTimeout(resolve, 0));
        const updated = last ?? performance.now();
        // And when the browser could next paint it.
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        const painted = performance.now();
        observer.disconnect();
        return { updated: updated - start, painted: painted - start };
      }, step),
    );
  }
}
await context.close();
await browser.close();

const field = (name) => stats(loads.map((load) => load[name]));
console.log(`\nLoopback: navigation to the overview (${NAVIGATIONS} cold loads):\n`);
console.log('| step | median | p95 | max |');
console.log('|---|---:|---:|---:|');
for (const [label, name] of [
  ['HTML received', 'html'],
  ['boot: JS + wasm downloaded, compiled, started', 'boot'],
  ['fetch: manifest, questions, answer sheet, grades', 'core'],
  ['parse: shared::open_partial_study of those', 'parse'],
  ['compute: report, tables, figure', 'compute'],
  ['render: live overview DOM', 'render'],
  ['**overview rendered (first of prerendered or live)**', 'ready'],
  ['**live overview rendered**', 'live'],
  ['afterwards: every response fetched and parsed', 'results'],
  ['afterwards: validate', 'validate'],
  ['afterwards: response list (index, language detection, search text)', 'index'],
  ['afterwards: 95% intervals and contrasts (10,000 resamples each)', 'intervals'],
]) {
  const s = field(name);
  console.log(`| ${label} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} |`);
}
const updated = stats(changes.map((change) => change.updated));
const painted = stats(changes.map((change) => change.painted));
console.log(`\nFilter change to updated list (${changes.length} changes: checkboxes, a select, the search box):\n`);
console.log('| | median | p95 | max |');
console.log('|---|---:|---:|---:|');
console.log(`| list updated in the DOM | ${ms(updated.median)} | ${ms(updated.p95)} | ${ms(updated.max)} |`);
console.log(`| next frame (includes waiting for it) | ${ms(painted.median)} | ${ms(painted.p95)} | ${ms(painted.max)} |`);
