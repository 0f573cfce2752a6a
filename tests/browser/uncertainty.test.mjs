// The explorer's intervals equal `left-behind report --format json`'s, bound for bound at the printed
// precision: Table 1, Table 2, the model table and the contrasts; the toggle hides them (in the URL);
// the responses page's summary shows the selection's interval; the methods page explains the method.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { launch, newPage, open, screenshot, tableRows } from './helpers.mjs';

const report = JSON.parse(readFileSync(process.env.REPORT_JSON, 'utf8'));
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** `76.9 [72.8, 80.9]` -> [76.9, 72.8, 80.9]. */
function parseEstimate(shown, what) {
  const match = /^([+−-]?[\d.]+) \[([+−-]?[\d.]+), ([+−-]?[\d.]+)\]$/.exec(shown);
  assert.ok(match, `${what}: "${shown}" is not a number with its interval`);
  return match.slice(1).map((text) => Number(text.replace('+', '').replace('−', '-')));
}

function assertClose(shown, value, decimals, what) {
  assert.ok(Math.abs(shown - value) <= 0.5 * 10 ** -decimals + 1e-9, `${what}: the site shows ${shown}, the report says ${value}`);
}

function assertEstimate(shown, value, interval, what) {
  const [number, low, high] = parseEstimate(shown, what);
  assertClose(number, value, 1, what);
  assertClose(low, interval[0], 1, `${what} low`);
  assertClose(high, interval[1], 1, `${what} high`);
}

async function openWithIntervals(page, route = '/') {
  await open(page, 'study', route);
  await page.waitForSelector('[data-testid="interval-status"][data-ready="true"]');
}

test('the overview shows the intervals and contrasts of `left-behind report --format json`', async () => {
  const page = await newPage(browser);
  await openWithIntervals(page);
  assert.ok(report.uncertainty, 'the report has intervals');

  const table1 = await tableRows(page, 'conditions');
  for (const [index, summary] of report.conditions.entries()) {
    assertEstimate(table1[index][2], summary.total_pct, summary.total_ci95_pp, `Table 1 ${summary.condition}`);
  }
  const table2 = await tableRows(page, 'model_categories');
  for (const [index, summary] of report.model_categories.entries()) {
    assertEstimate(table2[index][3], summary.score_pct, summary.score_ci95_pp, `Table 2 ${summary.category} ${summary.condition}`);
  }
  const models = await tableRows(page, 'models');
  const conditions = report.conditions.map((summary) => summary.condition);
  const names = [...new Set(report.models.map((summary) => summary.model))];
  for (const [row, model] of names.entries()) {
    for (const [column, condition] of conditions.entries()) {
      const summary = report.models.find((s) => s.model === model && s.condition === condition);
      assertEstimate(models[row][column + 2], summary.score_pct, summary.score_ci95_pp, `${model} ${condition}`);
    }
  }

  // The contrasts: every row of both tables, in the report's order within each contrast.
  const shownContrasts = [...(await tableRows(page, 'contrasts')), ...(await tableRows(page, 'contrasts_by_model'))];
  assert.equal(shownContrasts.length, report.contrasts.length);
  const summaryScopes = new Set(['all', 'english_first', 'bilingual', 'multilingual', 'unassigned']);
  const ordered = [
    ...report.contrasts.filter((c) => summaryScopes.has(c.scope)),
    ...report.contrasts.filter((c) => !summaryScopes.has(c.scope)),
  ];
  for (const [index, contrast] of ordered.entries()) {
    const [name, , pairs, difference, interval, p, pHolm, mde, needed] = shownContrasts[index];
    const what = `${contrast.name} ${contrast.scope}`;
    assert.equal(name.replace(' - ', '-'), contrast.name, what);
    assert.equal(Number(pairs), contrast.n_pairs, what);
    assertClose(Number(difference.replace('+', '')), contrast.mean_diff_pp, 1, what);
    const [low, high] = /^\[(.+), (.+)\]$/.exec(interval).slice(1).map((text) => Number(text.replace('+', '')));
    assertClose(low, contrast.ci95_pp[0], 1, `${what} low`);
    assertClose(high, contrast.ci95_pp[1], 1, `${what} high`);
    for (const [shown, value] of [[p, contrast.p_value], [pHolm, contrast.p_holm]]) {
      if (shown === '< 0.001') assert.ok(value < 0.001, `${what}: p ${value}`);
      else assertClose(Number(shown), value, value < 0.1 ? 3 : 2, `${what} p`);
    }
    assertClose(Number(mde), contrast.mde80_pp, 1, `${what} MDE`);
    assert.equal(Number(needed), contrast.questions_needed, `${what} questions needed`);
  }

  // The headline says it in words, and Figure 1 has its error bars.
  const headline = await page.textContent('[data-testid="headline"]');
  assert.match(headline, /C3 - C2 \(transfer effect\): \+0\.4 points, 95% CI .* no detectable effect with 50 questions/);
  assert.match(headline, /Holm-adjusted over the 48 contrasts tested/);
  assert.ok((await page.textContent('[data-testid="figure1"] svg')).includes('95% intervals'));
  assert.ok(!(await page.textContent('main')).includes('NaN'));
  assert.deepEqual(page.errors, []);
  await screenshot(page, 'overview-intervals');

  // The toggle hides the intervals and says so in the URL; the link brings the same view back.
  await page.uncheck('[data-testid="intervals-toggle"]');
  await page.waitForFunction(() => !document.querySelector('table[data-table="conditions"] tbody td:nth-child(3)').textContent.includes('['));
  assert.match(page.url(), /[?&]intervals=off/);
  const plain = await tableRows(page, 'conditions');
  assert.equal(plain[0][2], report.conditions[0].total_pct.toFixed(1));
  await page.reload();
  await page.waitForSelector('table[data-table="conditions"]');
  assert.equal(await page.isChecked('[data-testid="intervals-toggle"]'), false);
  assert.equal((await tableRows(page, 'conditions'))[0][2], report.conditions[0].total_pct.toFixed(1));
  await page.context().close();
});

test('the responses summary shows the interval of the filtered selection', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/responses?condition=C1');
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]')?.textContent === '400');
  // All of C1 is Table 1's C1 row: the same rows, though a stream of its own, so the bounds agree
  // within the bootstrap's Monte Carlo error (a few hundredths of a point at 10,000 resamples).
  const shown = (await page.textContent('[data-testid="summary-interval"]')).trim();
  const [low, high] = /^\[(.+), (.+)\]$/.exec(shown).slice(1).map(Number);
  const [reportLow, reportHigh] = report.conditions[0].total_ci95_pp;
  assert.ok(Math.abs(low - reportLow) < 0.5 && Math.abs(high - reportHigh) < 0.5, `${shown} vs ${reportLow}, ${reportHigh}`);
  // One question: undefined, said in words.
  await open(page, 'study', '/responses?condition=C1&question=1');
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]')?.textContent === '8');
  assert.equal((await page.textContent('[data-testid="summary-interval"]')).trim(), '[undefined (1 question)]');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the methods page explains the uncertainty with its formulas', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/methods');
  const text = await page.textContent('[data-testid="uncertainty-method"]');
  for (const phrase of ['SE = √(K / (K − 1))', 'p = (hits + 1) / (draws + 1)', 'MDE = 2.80 × SE', 'xoshiro256++', 'Holm']) {
    assert.ok(text.includes(phrase), `the methods page lacks ${phrase}`);
  }
  await page.context().close();
});
