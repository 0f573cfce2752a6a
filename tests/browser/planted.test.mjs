// Hostile and broken input: model output is untrusted (nothing in it may run or become an element),
// and a malformed file is named with what is wrong while the rest stays browsable.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launch, newPage, open, screenshot } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('planted <script>, <img onerror>, <iframe> and javascript: links neither run nor become elements', async () => {
  const page = await newPage(browser);
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  // Show the judge's (hostile) notes: blind review hides them by default.
  await open(page, 'planted', '/responses/C2/gpt_5.2/1');
  await page.check('[data-testid="show-judge"]');
  for (const route of ['/responses/C2/gpt_5.2/1', '/responses/C2/gpt_5.2/2', '/questions/1?a=C2.gpt_5.2', '/responses?q=script']) {
    await open(page, 'planted', route);
    await page.waitForTimeout(300);
    const found = await page.evaluate(() => ({
      planted: window.__planted ?? null,
      title: document.title,
      scripts: [...document.querySelectorAll('main script, main iframe, main img, main svg, main object, main embed')]
        .filter((element) => !element.closest('[data-testid="figure1"]'))
        .map((element) => element.outerHTML),
      javascriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
      handlers: [...document.querySelectorAll('main *')].filter((element) =>
        [...element.attributes].some((attribute) => attribute.name.startsWith('on')),
      ).length,
    }));
    assert.equal(found.planted, null, `${route}: planted code ran`);
    assert.equal(found.title, 'Left Behind: explorer', `${route}: the title was changed`);
    assert.deepEqual(found.scripts, [], `${route}: planted elements exist`);
    assert.equal(found.javascriptLinks, 0, `${route}: a javascript: link exists`);
    assert.equal(found.handlers, 0, `${route}: an element has an inline event handler`);
  }
  assert.deepEqual(page.dialogs, [], 'no alert ran');
  assert.ok(!requests.some((request) => /\/x$/.test(request)), 'no planted image was requested');

  // The markup is shown as text, and the safe link is kept.
  await open(page, 'planted', '/responses/C2/gpt_5.2/1');
  const markdown = await page.textContent('.markdown');
  assert.ok(markdown.includes("<script>window.__planted = 'script ran'"), markdown);
  assert.ok(markdown.includes('<iframe src='), markdown);
  assert.equal(await page.getAttribute('.markdown a[href="https://example.org/dombra"]', 'rel'), 'nofollow noopener noreferrer');
  assert.ok((await page.textContent('[data-testid="judge-notes"]')).includes('<img src=x onerror='));
  await screenshot(page, 'planted-xss');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('malformed files are named with what is wrong, and the rest stays browsable', async () => {
  const page = await newPage(browser);
  await open(page, 'planted', '/responses');
  const problems = await page.textContent('.problems');
  assert.match(problems, /error: results\/C1_english\/gpt_5\.2\.json:\d+:\d+: .*EOF while parsing/);
  assert.match(problems, /grades\/C3_kazakh_transfer\.csv:1: missing column `notes`/);
  assert.equal(await page.getAttribute('.problems details', 'open'), '', 'errors are shown open');
  // The good files still load: both C2 responses and the C3 one.
  assert.equal(await page.textContent('[data-testid="match-count"]'), '3');
  // The failed grading is shown as a failure, not a zero.
  await page.check('fieldset:has(legend:text-is("Grading")) input[value="failed"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="match-count"]').textContent === '1');
  assert.equal(await page.textContent('[data-testid="response-list"] tbody td.failed'), 'failed');
  await screenshot(page, 'planted-problems');

  // C3's final answer (after the step-3 marker) is highlighted.
  await open(page, 'planted', '/responses/C3/gpt_5.2/2');
  const marked = await page.$$eval('mark.final-answer', (marks) => marks.map((mark) => mark.textContent).join('\n'));
  assert.ok(marked.endsWith('Қазақстанның астанасы — Астана қаласы.'), marked);
  assert.ok(!marked.includes('What is the capital') && !marked.includes('The capital is Astana'), marked);
  assert.ok((await page.textContent('.final-answer-note')).includes('step-3 marker'));
  await page.context().close();
});

test('a site without data says how to get the dataset', async () => {
  const page = await newPage(browser);
  await open(page, 'empty', '/');
  assert.equal(await page.textContent('.empty-dataset h1'), 'No dataset here yet');
  assert.ok((await page.textContent('.empty-dataset')).includes('cargo xtask demo'));
  await screenshot(page, 'empty-dataset');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
