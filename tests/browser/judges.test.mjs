// The explorer over a dataset graded by two judges (fixtures/judges): "graded by" recomputes every
// table of the overview under each judge and the panel, as `left-behind report --judge NAME --format
// json` does; a response shows every judge's verdict; the methods page lists the judges.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { assertHeatmapPrinted, assertPrintedAsReport, assertShown, launch, newPage, open, screenshot, tableRows } from './helpers.mjs';

const reports = Object.fromEntries(
  ['study', 'judge_b', 'panel'].map((name) => [
    name,
    JSON.parse(readFileSync(join(process.env.JUDGE_REPORTS, `${name}.json`), 'utf8')),
  ]),
);
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});


/**
 * Waits until Table 1 shows the first total of the report under `name` (study, judge_b or panel), then
 * checks Tables 1 and 2, the model table and the heatmap.
 */
async function assertOverview(page, name, judge) {
  const report = reports[name];
  const first = report.conditions[0].total_pct.toFixed(1);
  await page.waitForFunction(
    (expected) =>
      document.querySelector('table[data-table="conditions"] tbody tr td:nth-child(3)')?.textContent.trim().split(/\s/)[0] === expected,
    first,
    { timeout: 10_000 },
  );
  const table1 = await tableRows(page, 'conditions');
  assert.equal(table1.length, report.conditions.length, judge);
  for (const [index, summary] of report.conditions.entries()) {
    const [condition, n, total, accuracy, fluency, completeness] = table1[index];
    assert.equal(condition, summary.condition);
    assert.equal(Number(n), summary.n);
    assertShown(total, summary.total_pct, 1, `${judge}: Table 1 ${condition} total`);
    assertShown(accuracy, summary.accuracy_pct, 1, `${judge}: Table 1 ${condition} accuracy`);
    assertShown(fluency, summary.fluency_pct, 1, `${judge}: Table 1 ${condition} fluency`);
    assertShown(completeness, summary.completeness_pct, 1, `${judge}: Table 1 ${condition} completeness`);
  }
  const table2 = await tableRows(page, 'model_categories');
  assert.equal(table2.length, report.model_categories.length);
  for (const [index, summary] of report.model_categories.entries()) {
    assertShown(table2[index][3], summary.score_pct, 1, `${judge}: Table 2 ${summary.condition} score`);
  }
  // Character for character what `left-behind report --judge NAME --format csv` prints.
  const printed = join(process.env.JUDGE_REPORTS, `${name}-csv`);
  await assertPrintedAsReport(page, printed, 'conditions');
  await assertPrintedAsReport(page, printed, 'model_categories', ['Model category']);
  await assertPrintedAsReport(page, printed, 'models', ['Category']);
  await assertHeatmapPrinted(page, printed);
}

test('"graded by" recomputes the overview under each judge and the panel, kept in the URL', async () => {
  const page = await newPage(browser);
  await open(page, 'judges', '/');
  const choice = '[data-testid="graded-by"]';
  await page.waitForSelector(choice);
  const options = await page.$$eval(`${choice} option`, (options) => options.map((option) => option.value));
  assert.deepEqual(options, ['', 'judge_b', 'panel']);
  await assertOverview(page, 'study', 'the study judge');

  await page.selectOption(choice, 'judge_b');
  await page.waitForURL(/\?judge=judge_b$/);
  await assertOverview(page, 'judge_b', 'judge_b');

  await page.selectOption(choice, 'panel');
  await page.waitForURL(/\?judge=panel$/);
  await assertOverview(page, 'panel', 'the panel');
  assert.deepEqual(reports.panel.graded_by.members, ['claude_sonnet_4.5', 'judge_b']);
  const note = await page.textContent('[data-testid="judge-note"]');
  assert.ok(note.includes('the median of 2 (claude_sonnet_4.5, judge_b)'), note);
  await screenshot(page, 'judges-panel');

  // The choice is in the URL: a reload (or a shared link) shows the same numbers.
  await page.reload();
  await page.waitForSelector(choice);
  assert.equal(await page.$eval(choice, (select) => select.value), 'panel');
  await assertOverview(page, 'panel', 'the panel after a reload');

  await page.selectOption(choice, '');
  await page.waitForURL((url) => !url.search.includes('judge='));
  await assertOverview(page, 'study', 'the study judge again');

  // A judge the dataset does not have: the study's numbers, and a note saying so.
  await open(page, 'judges', '/?judge=nobody');
  await assertOverview(page, 'study', 'an unknown judge');
  assert.ok((await page.textContent('[data-testid="judge-note"]')).includes('no grades of judge "nobody"'));
  assert.deepEqual(page.errors, []);
});

test("a response shows every judge's verdict in one table; the methods page lists the judges", async () => {
  const page = await newPage(browser);
  await open(page, 'judges', '/responses/C1/gpt_5.2/1');
  // Blind review hides the judges' verdicts until the reader reviews or asks for them.
  await page.check('[data-testid="show-judge"]');
  await page.waitForSelector('[data-testid="verdicts"]');
  const rows = await page.$$eval('[data-testid="verdicts"] tbody tr', (rows) =>
    rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent.trim())),
  );
  // The panel of two: per criterion the lower of the two middle scores: (2, 1) -> 1, (2, 2) -> 2.
  assert.deepEqual(rows, [
    ['claude_sonnet_4.5', '2', '2', '2', '6/6', 'study judge on gpt_5.2'],
    ['judge_b', '1', '2', '1', '4/6', 'judge_b on gpt_5.2'],
    ['panel', '1', '2', '1', '4/6', 'median of 2 judges'],
  ]);

  await open(page, 'judges', '/methods');
  const judges = await page.$$eval('[data-testid="judges"] tbody tr', (rows) =>
    rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent.trim())),
  );
  assert.deepEqual(judges, [
    ['claude_sonnet_4.5', 'anthropic', 'claude-sonnet-4-5-20250929', 'anthropic', 'grades/', '8'],
    ['judge_b', '–', '–', '–', 'grades/judges/judge_b/', '8'],
  ]);
  assert.deepEqual(page.errors, []);
});
