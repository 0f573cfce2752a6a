// The explorer over the study's published dataset, served below a sub-path as on GitHub Pages.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  assertHeatmapPrinted,
  assertPrintedAsReport,
  assertShown,
  launch,
  newPage,
  open,
  parseCsv,
  screenshot,
  tableRows,
  url,
} from './helpers.mjs';

const report = JSON.parse(readFileSync(process.env.REPORT_JSON, 'utf8'));
const printedDir = process.env.REPORT_CSV_DIR;
const studyData = process.env.STUDY_DATA;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});


test('the overview shows the numbers of `left-behind report --format json`', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/');
  await page.waitForSelector('table[data-table="conditions"]');

  const table1 = await tableRows(page, 'conditions');
  assert.equal(table1.length, report.conditions.length);
  for (const [index, summary] of report.conditions.entries()) {
    const [condition, n, total, accuracy, fluency, completeness, time, length] = table1[index];
    assert.equal(condition, summary.condition);
    assert.equal(Number(n), summary.n);
    assertShown(total, summary.total_pct, 1, `Table 1 ${condition} total`);
    assertShown(accuracy, summary.accuracy_pct, 1, `Table 1 ${condition} accuracy`);
    assertShown(fluency, summary.fluency_pct, 1, `Table 1 ${condition} fluency`);
    assertShown(completeness, summary.completeness_pct, 1, `Table 1 ${condition} completeness`);
    assertShown(time, summary.mean_time_s, 1, `Table 1 ${condition} time`);
    assertShown(length, summary.mean_length_words, 0, `Table 1 ${condition} length`);
  }
  // Character for character what `left-behind report` prints.
  await assertPrintedAsReport(page, printedDir, 'conditions');

  const table2 = await tableRows(page, 'model_categories');
  assert.equal(table2.length, report.model_categories.length);
  for (const [index, summary] of report.model_categories.entries()) {
    const [, condition, n, score, delta, time, length] = table2[index];
    assert.equal(condition, summary.condition);
    assert.equal(Number(n), summary.n);
    assertShown(score, summary.score_pct, 1, `Table 2 ${summary.category} ${condition} score`);
    if (summary.clt_delta_pp === null) assert.equal(delta, '–');
    else assertShown(delta, summary.clt_delta_pp, 1, `Table 2 ${summary.category} ${condition} ΔCLT`);
    assertShown(time, summary.mean_time_s, 1, `Table 2 time`);
    assertShown(length, summary.mean_length_words, 0, `Table 2 length`);
  }
  // The category heads its group on the page; the CSV repeats it on every row.
  await assertPrintedAsReport(page, printedDir, 'model_categories', ['Model category']);

  // The heatmap: every model x condition cell, exactly as the report prints the model table.
  await assertHeatmapPrinted(page, printedDir);

  // The headline numbers are computed, not typed in.
  const headline = await page.textContent('[data-testid="headline"]');
  const h = report.headline;
  for (const [value, signed] of [
    [h.english_score_pct, false],
    [h.kazakh_gap_pp, false],
    [h.mongolian_gap_pp, false],
    [h.kazakh_clt_delta_pp, true],
    [h.mongolian_clt_delta_pp, true],
  ]) {
    const text = (signed && value > 0 ? '+' : '') + value.toFixed(1);
    assert.ok(headline.includes(text), `the headline lacks ${text}: ${headline}`);
  }

  // Figure 1 is the SVG that shared::figure1_svg draws.
  const svg = await page.$('[data-testid="figure1"] svg');
  assert.ok(svg, 'Figure 1 is drawn');
  assert.ok((await svg.textContent()).includes('Score vs response time'));
  assert.deepEqual(page.errors, []);
  await screenshot(page, 'overview');
  await page.context().close();
});

test('filtering to one model and one condition shows its 50 responses, and the URL keeps the filter', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/responses');
  assert.equal(await page.textContent('[data-testid="match-count"]'), '2000');
  await page.check('fieldset:has(legend:text-is("Model")) input[value="qwen3"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]').textContent === '250');
  await page.check('fieldset:has(legend:text-is("Condition")) input[value="C3"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]').textContent === '50');
  assert.match(page.url(), /[?&]model=qwen3/);
  assert.match(page.url(), /[?&]condition=C3/);
  assert.equal(await page.$$eval('[data-testid="response-list"] tbody tr', (rows) => rows.length), 50);
  await screenshot(page, 'responses-filtered');

  // Back undoes the last filter change, forward redoes it.
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]').textContent === '250');
  assert.equal(await page.isChecked('fieldset:has(legend:text-is("Condition")) input[value="C3"]'), false);
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]').textContent === '50');

  // The search narrows the filtered set further, and the summary follows.
  await page.fill('input[type="search"]', 'Астана');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="match-count"]').textContent) < 50);
  assert.match(page.url(), /[?&]q=/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a deep link restores the filters and opens the right response, with the judge notes', async () => {
  const grades = parseCsv(readFileSync(join(studyData, 'grades/C3_kazakh_transfer.csv'), 'utf8'));
  const row = grades.find((r) => r.model === 'qwen3' && r.question_id === '7');
  const page = await newPage(browser);
  await open(page, 'study', '/responses/C3/qwen3/7?model=qwen3&condition=C3');
  const heading = await page.textContent('main h1');
  assert.equal(heading, 'C3 Kazakh + transfer · Qwen3 235B · Question 7');
  assert.equal(await page.textContent('.prev-next a[href*="/responses?"]'), '7 of 50 in the list');
  // Blind review hides the judge's grade until the reader reviews or asks for it.
  assert.ok(await page.$('[data-testid="judge-hidden"]'));
  await page.check('[data-testid="show-judge"]');
  assert.equal(await page.textContent('[data-testid="judge-notes"]'), row.notes);
  const scores = await page.textContent('.scores');
  assert.ok(scores.includes(`${row.total}/6`), scores);
  // Kazakh text is marked as Kazakh, the judge's notes as English.
  assert.equal(await page.getAttribute('.response-detail blockquote', 'lang'), 'kk');
  assert.equal(await page.getAttribute('.response-detail .markdown', 'lang'), 'kk');
  assert.equal(await page.getAttribute('[data-testid="judge-notes"]', 'lang'), 'en');
  // C3: the graded final answer is highlighted, and the metrics are shown.
  assert.ok(await page.$('.markdown mark.final-answer'), 'the final answer is highlighted');
  assert.ok((await page.textContent('[data-testid="metrics"]')).includes('Detected language'));
  await screenshot(page, 'response-detail');

  // The list link of the detail view leads back to the filtered list, the filters restored.
  await page.click('.prev-next a[href*="/responses?"]');
  await page.waitForSelector('[data-testid="response-list"]');
  assert.equal(await page.textContent('[data-testid="match-count"]'), '50');
  assert.equal(await page.isChecked('fieldset:has(legend:text-is("Model")) input[value="qwen3"]'), true);
  assert.equal(await page.isChecked('fieldset:has(legend:text-is("Condition")) input[value="C3"]'), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the keyboard moves through the filtered list and reaches every control', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/responses/C2/aya_expanse/10?model=aya_expanse&condition=C2');
  await page.keyboard.press('ArrowRight');
  await page.waitForURL(/\/responses\/C2\/aya_expanse\/11\?/);
  await page.keyboard.press('j');
  await page.waitForURL(/\/responses\/C2\/aya_expanse\/12\?/);
  await page.keyboard.press('ArrowLeft');
  await page.waitForURL(/\/responses\/C2\/aya_expanse\/11\?/);
  assert.equal(await page.textContent('main h1'), 'C2 Kazakh · Aya Expanse 32B · Question 11');
  await page.keyboard.press('Escape');
  await page.waitForURL(/\/responses\?model=aya_expanse&condition=C2$/);
  await page.waitForSelector('[data-testid="response-list"]');

  // Tab order: the skip link first, and it moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  const before = page.url();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'main');
  assert.equal(page.url(), before, 'the skip link stays on the page');
  // A checkbox is reached by Tab and toggled by Space.
  const box = page.locator('fieldset:has(legend:text-is("Grading")) input[value="scored"]');
  await box.focus();
  await page.keyboard.press('Space');
  await page.waitForURL(/grading=scored/);
  // Every form control has a name a screen reader can read (a label around it).
  const unlabelled = await page.$$eval('form.filters input, form.filters select', (controls) =>
    controls.filter((control) => !control.closest('label')).length,
  );
  assert.equal(unlabelled, 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the question view compares two cells side by side', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/questions/41');
  await page.click('button[data-cell="C2.qwen3"]');
  await page.waitForSelector('[data-testid="compare-cell"]');
  await page.click('button[data-cell="C3.qwen3"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare-cell"]').length === 2);
  assert.match(page.url(), /a=C2\.qwen3&b=C3\.qwen3/);
  assert.equal(await page.getAttribute('button[data-cell="C3.qwen3"]', 'aria-pressed'), 'true');
  const langs = await page.$$eval('[data-testid="compare-cell"] .markdown', (cells) => cells.map((cell) => cell.lang));
  assert.deepEqual(langs, ['kk', 'kk']);
  await screenshot(page, 'question-compare');
  await open(page, 'study', '/questions');
  await screenshot(page, 'questions');
  await open(page, 'study', '/methods');
  assert.ok((await page.textContent('[data-testid="models"]')).includes('CohereLabs/aya-expanse-32b'));
  assert.ok((await page.textContent('[data-testid="judge-prompt"]')).length > 200);
  await screenshot(page, 'methods');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('Kazakh and Mongolian render in the bundled font that has every Kazakh letter', async () => {
  const page = await newPage(browser);
  await open(page, 'study', '/questions');
  const result = await page.evaluate(async () => {
    await document.fonts.ready;
    const kazakh = 'әғқңөұүһі ӘҒҚҢӨҰҮҺІ';
    await document.fonts.load('16px "Noto Sans"', kazakh);
    const faces = [...document.fonts].filter((face) => face.family.replace(/"/g, '') === 'Noto Sans' && face.status === 'loaded');
    return {
      check: document.fonts.check('16px "Noto Sans"', kazakh),
      loaded: faces.map((face) => face.unicodeRange),
      family: getComputedStyle(document.querySelector('td[lang="kk"]')).fontFamily,
    };
  });
  assert.ok(result.check, 'Noto Sans covers every Kazakh letter');
  assert.ok(result.loaded.some((range) => range.includes('U+460-52F')), `the Cyrillic Supplement subset loaded: ${result.loaded}`);
  assert.match(result.family, /^"?Noto Sans"?/);
  await page.context().close();
});

test('at 360 px every page fits the screen, and the responses list starts on the first screen', async () => {
  const page = await newPage(browser, { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  await open(page, 'study', '/');
  // Every page the header links to, and the pages below them.
  const sections = await page.$$eval('header nav a', (links) => links.map((link) => new URL(link.href).pathname));
  const base = new URL(url('study', '/')).pathname.replace(/\/$/, '');
  const routes = [
    ...sections.map((path) => path.slice(base.length) || '/'),
    '/responses?model=qwen3&condition=C3&q=%D0%B0',
    '/responses/C4/gemini_3_pro/3',
    '/responses/C3/qwen3/12',
    '/questions/3?a=C4.gemini_3_pro&b=C5.gemini_3_pro',
    '/no/such/page',
  ];
  assert.ok(routes.length >= 8, `the header links to the sections: ${sections}`);
  for (const route of new Set(routes)) {
    await open(page, 'study', route);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${route} is ${overflow}px wider than the 360 px screen`);
    await screenshot(page, `phone-${route.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'overview'}`);
  }

  // The list starts within the first screen; the filters wait behind one button that counts them.
  await open(page, 'study', '/responses?model=qwen3&condition=C3');
  const listTop = await page.$eval('[data-testid="response-list"]', (list) => list.getBoundingClientRect().top);
  assert.ok(listTop < 640, `the list starts ${listTop}px down, below the first screen`);
  const toggle = page.locator('[data-testid="filters-toggle"]');
  assert.equal(await toggle.textContent(), 'Filters (2 active)');
  assert.equal(await page.isVisible('form.filters'), false, 'the filters are folded');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.isVisible('form.filters'), true);
  await page.check('fieldset:has(legend:text-is("Grading")) input[value="scored"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="filters-toggle"]').textContent === 'Filters (3 active)');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the open filters are ${overflow}px wider than the screen`);
  await screenshot(page, 'phone-filters-open');
  // On a wide screen the filters are always shown, and the button is not.
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.equal(await toggle.isVisible(), false);
  assert.equal(await page.isVisible('form.filters'), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an unknown path inside the site shows the app, not a server error', async () => {
  const page = await newPage(browser);
  const response = await page.goto(url('study', '/no/such/page'));
  assert.equal(response.status(), 404, 'the static host answers 404 with the app (GitHub Pages style)');
  await page.waitForSelector('main h1');
  assert.equal(await page.textContent('main h1'), 'No such page');
  await page.context().close();
});
