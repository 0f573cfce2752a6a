// Build-time rendering of the overview (run by `cargo xtask site`): opens the built site in headless
// Chromium, lets the app load the data and render the overview with `shared` (as it does for every
// reader), and writes that DOM into index.html inside `<div id="prerender">`. A reader then sees the
// overview as soon as the HTML arrives; the live app replaces it once it has rendered the same page
// from the same files.
//
// Usage: node prerender.mjs <site URL> <index.html to write into>

import { readFileSync, writeFileSync } from 'node:fs';

import { launch } from './helpers.mjs';

const [siteUrl, indexPath] = process.argv.slice(2);
if (!siteUrl || !indexPath) {
  console.error('usage: node prerender.mjs <site URL> <index.html>');
  process.exit(2);
}

const browser = await launch();
try {
  // No service worker: the page must be the app as a first visitor gets it.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(siteUrl);
  await page.waitForSelector('html[data-loaded="complete"] main h1', { timeout: 60_000 });
  // Let the complete data's render settle.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));
  if (errors.length > 0) throw new Error(`the app failed while rendering: ${errors.join('; ')}`);
  const html = await page.evaluate(() =>
    [...document.body.children]
      .filter((element) => !['SCRIPT', 'NOSCRIPT', 'LINK'].includes(element.tagName) && element.id !== 'prerender')
      .map((element) => element.outerHTML)
      .join(''),
  );
  const index = readFileSync(indexPath, 'utf8');
  if (!index.includes('</body>')) throw new Error(`${indexPath} has no </body>`);
  const withoutOld = index.replace(/<div id="prerender"[\s\S]*?<!--\/prerender--><\/div>/, '');
  writeFileSync(indexPath, withoutOld.replace('</body>', `<div id="prerender" aria-busy="true">${html}<!--/prerender--></div></body>`));
  console.error(`prerendered the overview into ${indexPath} (${html.length} characters)`);
} finally {
  await browser.close();
}
