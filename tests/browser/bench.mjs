// The explorer's benchmark (run by `cargo xtask bench`, which builds the site over the study's
// dataset and serves it on 127.0.0.1): navigation to the overview rendered with all its tables, and
// filter changes to the updated list, in headless Chromium, with where the time goes. Prints the
// numbers for BENCHMARKS.md. Not a test: it asserts nothing.

import { launch } from './helpers.mjs';

const site = process.env.SITE_URL ?? 'http://127.0.0.1:8080/';
const NAVIGATIONS = Number(process.env.BENCH_NAVIGATIONS ?? 15);
const FILTER_ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS ?? 6);

const browser = await launch();

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { n: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}
const ms = (value) => `${value.toFixed(0)} ms`;

// 1. Navigation to the overview, each time in a new context (nothing cached).
const loads = [];
for (let run = 0; run < NAVIGATIONS; run++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Records when the overview has all its tables and Figure 1 in the DOM.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelectorAll('table.report-table').length === 4 && document.querySelector('table.heatmap') && document.querySelector('[data-testid="figure1"] svg')) {
        window.__overviewRendered = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(site);
  await page.waitForFunction(() => window.__overviewRendered !== undefined, null, { timeout: 30_000 });
  // The response list is built after the overview is shown; wait for it too, to report its cost.
  await page.waitForFunction(() => performance.getEntriesByName('lb:index').length > 0, null, { timeout: 30_000 });
  // The 95% intervals are computed after the first paint too (web/src/intervals.rs): their cost.
  await page.waitForFunction(() => performance.getEntriesByName('lb:intervals').length > 0, null, { timeout: 30_000 });
  loads.push(
    await page.evaluate(() => {
      const mark = (name) => performance.getEntriesByName(name)[0]?.startTime;
      const measure = (name) => performance.getEntriesByName(name)[0]?.duration;
      const navigation = performance.getEntriesByType('navigation')[0];
      return {
        total: window.__overviewRendered,
        html: navigation.responseEnd,
        boot: mark('lb:start'), // HTML, JS and wasm downloaded, compiled, started
        fetch: measure('lb:fetch'),
        parse: measure('lb:parse'),
        compute: measure('lb:compute'),
        render: window.__overviewRendered - mark('lb:compute-end'),
        index: measure('lb:index'),
        intervals: measure('lb:intervals'),
      };
    }),
  );
  await context.close();
}

// 2. Filter changes on the response list: checkboxes, a select and the search box, one at a time.
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
await page.goto(new URL('responses', site).href);
await page.waitForSelector('[data-testid="response-list"] tbody tr');
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
console.log(`\nNavigation to the overview rendered (${NAVIGATIONS} cold loads):\n`);
console.log('| step | median | p95 | max |');
console.log('|---|---:|---:|---:|');
for (const [label, name] of [
  ['HTML received', 'html'],
  ['boot: JS + wasm downloaded, compiled, started', 'boot'],
  ['fetch: manifest + 47 data files (5.0 MB)', 'fetch'],
  ['open: shared::open_study (parse every file, validate)', 'parse'],
  ['compute: report, tables, figure', 'compute'],
  ['render: overview DOM', 'render'],
  ['**total: navigation to overview rendered**', 'total'],
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
