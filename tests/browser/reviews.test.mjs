// Reviewing in the explorer: a blind review queue worked with the keyboard, reviews kept across a
// reload, exported (rows and hashes checked), cleared and imported back; the agreement page shows the
// numbers of `left-behind agreement --format json` on the exported file. On the planted dataset:
// review notes with HTML render as text, and each kind of bad review input is named while the rest
// loads.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch, newPage, open, parseCsv, screenshot, tableRows } from './helpers.mjs';

const studyData = process.env.STUDY_DATA;
const runner = process.env.LEFT_BEHIND_BIN;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const REVIEW_COLUMNS = [
  'condition', 'model', 'question_id', 'accuracy', 'fluency', 'completeness', 'flag', 'notes', 'reviewed_at', 'graded_text_sha256',
];

/** Waits until the queue's progress reads `text`. */
async function progress(page, text) {
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="queue-progress"]')?.textContent === expected,
    text,
  );
}

/** `left-behind agreement --format json` over the study's data plus `reviews/<name>.csv`. */
function agreementJson(name, csv) {
  const dir = mkdtempSync(join(tmpdir(), 'left-behind-agreement-'));
  for (const part of ['benchmark', 'results', 'grades']) {
    symlinkSync(join(studyData, part), join(dir, part));
  }
  mkdirSync(join(dir, 'reviews'));
  writeFileSync(join(dir, 'reviews', `${name}.csv`), csv);
  return JSON.parse(execFileSync(runner, ['agreement', '--data', dir, '--format', 'json'], { encoding: 'utf8' }));
}

/** A displayed number equals the command's at the printed precision (`–` for undefined). */
function assertShown(shown, value, decimals, what) {
  if (value === null) {
    assert.equal(shown, '–', `${what}: undefined in the command's output`);
    return;
  }
  assert.ok(Math.abs(Number(shown) - value) <= 0.5 * 10 ** -decimals + 1e-9, `${what}: the page shows ${shown}, the command says ${value}`);
}

test('a blind review queue worked with the keyboard: kept, exported, cleared, imported, and agreement equals the CLI', async () => {
  const page = await newPage(browser);
  // k = 1 per model x condition: 40 items, the first eight in C1 (the list's order).
  const queue = '/review?sample=cell&k=1&seed=7';
  await open(page, 'study', queue);
  await progress(page, '0 of 40 reviewed');
  assert.ok((await page.textContent('[data-testid="storage-note"]')).includes('live in this browser (its local storage for this site) until you export them'));
  await page.fill('[data-testid="reviewer-name"]', 'alice');
  await page.press('[data-testid="reviewer-name"]', 'Tab');
  await page.locator('main h1').click();

  // The same link gives the same sample.
  const first = await page.getAttribute('[data-testid="queue-item"]', 'data-key');
  const second = await newPage(browser);
  await open(second, 'study', queue);
  assert.equal(await second.getAttribute('[data-testid="queue-item"]', 'data-key'), first);
  await second.context().close();

  const reviewed = [];
  for (let item = 0; item < 3; item++) {
    const key = await page.getAttribute('[data-testid="queue-item"]', 'data-key');
    assert.ok(key.startsWith('C1/'), key);
    // Blind: the judge's grade is hidden until the review is saved.
    assert.ok(await page.$('[data-testid="judge-hidden"]'), `${key}: the judge's grade is hidden`);
    assert.equal(await page.$('[data-testid="judge-notes"]'), null);
    for (const keyName of ['2', '1', '2', 's']) {
      await page.keyboard.press(keyName);
    }
    await page.waitForFunction(() => document.querySelector('[data-testid="review-status"]').textContent.startsWith('Saved'));
    await page.waitForSelector('[data-testid="judge-notes"]', { state: 'attached' });
    await progress(page, `${item + 1} of 40 reviewed`);
    reviewed.push(key);
    await page.keyboard.press('n');
    await page.waitForFunction((previous) => document.querySelector('[data-testid="queue-item"]')?.dataset.key !== previous, key);
  }
  await screenshot(page, 'review-queue');

  // A reload keeps the reviews and the name.
  await page.reload();
  await progress(page, '3 of 40 reviewed');
  assert.equal(await page.inputValue('[data-testid="reviewer-name"]'), 'alice');

  // Export: alice.csv with the three reviews, each with the graded text's SHA-256 (C1: the whole response).
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-reviews"]')]);
  assert.equal(download.suggestedFilename(), 'alice.csv');
  const exported = readFileSync(await download.path(), 'utf8');
  const rows = parseCsv(exported);
  assert.equal(rows.length, 3);
  assert.deepEqual(Object.keys(rows[0]).slice(0, REVIEW_COLUMNS.length), REVIEW_COLUMNS);
  for (const row of rows) {
    const key = `${row.condition}/${row.model}/${row.question_id}`;
    assert.ok(reviewed.includes(key), key);
    assert.deepEqual([row.accuracy, row.fluency, row.completeness], ['2', '1', '2']);
    assert.match(row.reviewed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const results = JSON.parse(readFileSync(join(studyData, 'results/C1_english', `${row.model}.json`), 'utf8'));
    const response = results.responses.find((record) => String(record.question_id) === row.question_id).response;
    assert.equal(row.graded_text_sha256, createHash('sha256').update(response, 'utf8').digest('hex'), key);
  }

  // Clear (asked twice), then import the file back.
  await page.click('[data-testid="clear-reviews"]');
  await page.click('[data-testid="clear-reviews-confirm"]');
  await progress(page, '0 of 40 reviewed');
  await page.setInputFiles('[data-testid="import-reviews"]', { name: 'alice.csv', mimeType: 'text/csv', buffer: Buffer.from(exported) });
  await progress(page, '3 of 40 reviewed');

  // The agreement page shows the command's numbers on that file.
  const cli = agreementJson('alice', exported);
  assert.equal(cli.stale, 0, 'the exported hashes match the answers');
  await open(page, 'study', '/agreement');
  await page.waitForSelector('table[data-table="agreement_pairs"]');
  const pairs = await tableRows(page, 'agreement_pairs');
  assert.equal(pairs.length, cli.pairs.length);
  for (const [index, pair] of cli.pairs.entries()) {
    const [raterA, raterB, dimension, n, exact, withinOne, kappa, interval] = pairs[index];
    const what = `${pair.rater_a}/${pair.rater_b} ${pair.dimension}`;
    assert.deepEqual([raterA, raterB, dimension], [pair.rater_a, pair.rater_b, pair.dimension]);
    assert.equal(Number(n), pair.n, what);
    assertShown(exact, pair.exact_pct, 1, `${what} exact`);
    assertShown(withinOne, pair.within_one_pct, 1, `${what} within one`);
    assertShown(kappa, pair.weighted_kappa, 3, `${what} kappa`);
    if (pair.kappa_ci95 === null) {
      assert.equal(interval, '–', what);
    } else {
      const [low, high] = interval.split('..');
      assertShown(low, pair.kappa_ci95[0], 3, `${what} interval low`);
      assertShown(high, pair.kappa_ci95[1], 3, `${what} interval high`);
    }
  }
  const alpha = await tableRows(page, 'agreement_alpha');
  for (const [index, entry] of cli.alpha.entries()) {
    assert.equal(alpha[index][0], entry.dimension);
    assert.equal(alpha[index][1], entry.raters.join(', '));
    assertShown(alpha[index][3], entry.krippendorff_alpha, 3, `alpha ${entry.dimension}`);
  }
  const headline = await page.textContent('[data-testid="agreement-headline"]');
  assert.equal(headline, 'Judge: claude_sonnet_4.5. 3 reviews by 1 reviewer; 0 stale reviews left out.');
  await screenshot(page, 'agreement');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('on a phone the review panel follows the response; on a wide screen it sits beside it', async () => {
  const wide = await newPage(browser);
  await open(wide, 'study', '/responses/C2/qwen3/7');
  await wide.locator('[data-testid="review-panel"]').waitFor({ state: 'visible' });
  const article = await wide.locator('[data-testid="response-detail"]').boundingBox();
  const panel = await wide.locator('[data-testid="review-panel"]').boundingBox();
  assert.ok(panel.x > article.x + article.width - 1, 'beside the response');
  await wide.context().close();
  const phone = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true });
  await open(phone, 'study', '/responses/C2/qwen3/7');
  await phone.locator('[data-testid="review-panel"]').waitFor({ state: 'visible' });
  const phoneArticle = await phone.locator('[data-testid="response-detail"]').boundingBox();
  const phonePanel = await phone.locator('[data-testid="review-panel"]').boundingBox();
  assert.ok(phonePanel.y >= phoneArticle.y + phoneArticle.height - 1, 'after the response');
  assert.ok(phonePanel.x + phonePanel.width <= 361, 'within the screen');
  await phone.context().close();
});

test('planted review notes with HTML render as text, and flags are listed per question', async () => {
  const page = await newPage(browser);
  await open(page, 'planted', '/responses/C2/gpt_5.2/1');
  await page.check('[data-testid="show-judge"]');
  for (const route of ['/responses/C2/gpt_5.2/1', '/questions/1', '/agreement']) {
    await open(page, 'planted', route);
    await page.waitForSelector('.review-note');
    await page.waitForTimeout(300);
    const found = await page.evaluate(() => ({
      planted: window.__planted ?? null,
      elements: [...document.querySelectorAll('main img, main script, main iframe, main b')].map((element) => element.outerHTML),
      javascriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
      notes: [...document.querySelectorAll('.review-note')].map((note) => note.textContent),
    }));
    assert.equal(found.planted, null, `${route}: planted code ran`);
    assert.deepEqual(found.elements, [], `${route}: planted elements exist`);
    assert.equal(found.javascriptLinks, 0, route);
    assert.ok(found.notes.some((note) => note.includes('<img src=x onerror=')), `${route}: ${found.notes}`);
  }
  // Question 1's flags: mallory's (question) and the good row of broken.csv (reference).
  await open(page, 'planted', '/questions/1');
  const flags = await page.textContent('[data-testid="question-flags"]');
  assert.ok(flags.includes('mallory') && flags.includes("the question's wording"), flags);
  assert.ok(flags.includes('broken') && flags.includes('the reference answer is wrong'), flags);
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** The message of each kind of bad review input, for a file named `file`. */
function badInputMessages(file) {
  return [
    `error: ${file}:3: field \`accuracy\`: "3" is not a score (0, 1 or 2)`,
    `error: ${file}:4: field \`condition\`: "C9" is not a condition (expected one of C1, C2, C3, C4, C5)`,
    `error: ${file}:5: field \`model\`: the dataset has no model "no_such_model" (no results or grades of it)`,
    `error: ${file}:6: field \`question_id\`: the dataset has no question 77`,
    `error: ${file}:7: field \`question_id\`: a second review of C2 gpt_5.2 question 1 (the first is on line 2); only the first is kept`,
    `error: ${file}:8: field \`graded_text_sha256\`: "not-a-hash" is not a SHA-256 (64 hexadecimal digits)`,
  ];
}

test('each kind of bad review input is named by file, line and field, and the rest still loads', async () => {
  const page = await newPage(browser);
  await open(page, 'planted', '/agreement');
  const problems = await page.textContent('.problems');
  for (const message of badInputMessages('reviews/broken.csv')) {
    assert.ok(problems.includes(message), `${message}\nin\n${problems}`);
  }
  assert.ok(problems.includes('error: reviews/headless.csv:1: missing column `graded_text_sha256`'), problems);
  // The good rows load: broken.csv's first and mallory's two.
  await page.waitForSelector('table[data-table="agreement_reviews"]');
  const reviewers = await tableRows(page, 'agreement_reviews');
  assert.deepEqual(reviewers.map((row) => [row[0], row[1]]), [['broken', '1'], ['mallory', '2']]);

  // The same file imported through the picker: the same messages, under its own name.
  const broken = readFileSync(new URL('./fixtures/planted/reviews/broken.csv', import.meta.url));
  await page.setInputFiles('[data-testid="import-reviews"]', { name: 'bob.csv', mimeType: 'text/csv', buffer: broken });
  await page.waitForSelector('[data-testid="import-problems"]');
  const imported = await page.textContent('[data-testid="import-problems"]');
  for (const message of badInputMessages('reviews/bob.csv')) {
    assert.ok(imported.includes(message), `${message}\nin\n${imported}`);
  }
  await page.waitForFunction(() => [...document.querySelectorAll('table[data-table="agreement_reviews"] tbody th')].some((cell) => cell.textContent === 'bob'));
  await screenshot(page, 'review-problems');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
