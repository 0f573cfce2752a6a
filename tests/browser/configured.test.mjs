// The explorer over the study's dataset plus one model of the user's own, which the dataset's
// left-behind.toml makes bilingual: the site must name and group it exactly as `left-behind report`
// does over the same directory (the registry travels in the site's manifest), with no Unassigned row.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newPage, open, printedTable, screenshot, tableRows } from './helpers.mjs';

const reportDir = process.env.CONFIGURED_REPORT_DIR;
const addedModel = process.env.ADDED_MODEL ?? 'my_local_qwen';
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A table of `left-behind report --format csv --out DIR` as rows of printed strings (an empty cell is
 * the site's dash, as in the text report). */
function reportRows(id) {
  return printedTable(reportDir, id).map((record) => Object.values(record).map((cell) => (cell === '' ? '–' : cell)));
}

test('a model added by left-behind.toml is grouped by its configured category, as `report` prints it', async () => {
  const page = await newPage(browser);
  // The paper's tables (`?intervals=off`), as `report --no-intervals` prints them.
  await open(page, 'configured', '/?intervals=off');
  await page.waitForSelector('table[data-table="model_categories"]');

  const expected = reportRows('model_categories');
  const shown = await tableRows(page, 'model_categories');
  assert.deepEqual(shown, expected, 'Table 2 is the one `report` prints');
  const bilingualC1 = shown.find(([category, condition]) => category === 'Bilingual' && condition === 'C1');
  assert.equal(bilingualC1?.[2], '150', 'Bilingual C1 counts DeepSeek, Qwen3 and the added model');
  assert.ok(!shown.some(([category]) => category === 'Unassigned'), 'no Unassigned row');

  // The models table names the added model by its configured display name, in its category.
  assert.deepEqual(await tableRows(page, 'models'), reportRows('models'));
  assert.deepEqual(await tableRows(page, 'conditions'), reportRows('conditions'));
  const heatmap = await tableRows(page, 'heatmap');
  assert.ok(heatmap.some(([model]) => model === 'My local Qwen'), 'the heatmap names the added model');
  assert.deepEqual(page.errors, []);
  await screenshot(page, 'configured-overview');

  // The response list offers it under its display name and its category.
  await open(page, 'configured', `/responses?model=${addedModel}`);
  await page.waitForSelector('[data-testid="response-list"] tbody tr');
  assert.equal(await page.textContent('[data-testid="match-count"]'), '50');
  const categories = await page.$$eval('fieldset', (sets) =>
    sets
      .filter((set) => set.querySelector('legend')?.textContent === 'Model category')
      .flatMap((set) => [...set.querySelectorAll('label')].map((label) => label.textContent.trim())),
  );
  assert.ok(!categories.includes('Unassigned'), `no Unassigned category to filter by: ${categories}`);
  await page.context().close();
});
