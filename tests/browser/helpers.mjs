// Shared by the browser tests and the benchmark: start Debian's Chromium through playwright-core
// (never a browser playwright downloads), open pages of the sites `cargo xtask test` serves, and
// save screenshots as test artifacts.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const origin = process.env.SITE_ORIGIN ?? 'http://127.0.0.1:8080';
export const bases = {
  study: process.env.STUDY_BASE ?? '/left-behind/',
  planted: process.env.PLANTED_BASE ?? '/planted/',
  empty: process.env.EMPTY_BASE ?? '/empty/',
  configured: process.env.CONFIGURED_BASE ?? '/configured/',
  judges: process.env.JUDGES_BASE ?? '/judges/',
};
const artifacts = process.env.ARTIFACTS_DIR ?? join(process.cwd(), 'artifacts');

/** Chromium with the flags these machines need (see ../shared/notes/wasm-toolchain.md). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new page that records uncaught errors (with a Rust panic's message) and dialogs (an `alert` from model output would be one), in a
 * new browser context (nothing cached) unless one is given.
 */
export async function newPage(browser, options = {}, context = null) {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  // A Rust panic reaches the page as `unreachable`; its message is on the console (the panic hook).
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('panicked at')) page.errors.push(message.text().split('\n\nStack')[0]);
  });
  page.on('dialog', async (dialog) => {
    page.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  return page;
}

/** The URL of `route` (`/responses?model=qwen3`) in `site` (`study`, `planted`, `empty`, `configured`). */
export function url(site, route = '/') {
  return origin + bases[site].replace(/\/$/, '') + route;
}

/** Opens `route` and waits until the app has loaded all its data (the core first, then the responses). */
export async function open(page, site, route = '/') {
  await page.goto(url(site, route));
  await page.waitForSelector('html[data-loaded="complete"] main h1', { timeout: 20_000 });
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** The text of the cells of a table's rows (`data-table` attribute), header cells included. */
export async function tableRows(page, id) {
  return page.$$eval(`table[data-table="${id}"] tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent.trim())),
  );
}

/** Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...records] = rows;
  return records.filter((r) => r.length === header.length).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** A table as `left-behind report --format csv --out DIR` printed it into `dir`: its rows, each by heading. */
export function printedTable(dir, id) {
  return parseCsv(readFileSync(join(dir, `${id}.csv`), 'utf8'));
}

/** A cell as the CSV has it: a missing value is empty there and `–` on the page. */
export const asPrinted = (shown) => (shown === '–' ? '' : shown);

/**
 * The page's table `id` equals, cell for cell, what `left-behind report --format csv` printed for it
 * into `dir`: each column of the page is the CSV's column of the same heading (the CSV may have more,
 * such as an interval's ends), row by row, the number before any interval the page shows beside it;
 * `skip` names columns not compared.
 */
export async function assertPrintedAsReport(page, dir, id, skip = []) {
  const headings = await page.$$eval(`table[data-table="${id}"] thead th`, (cells) => cells.map((cell) => cell.textContent.trim()));
  const rows = await tableRows(page, id);
  const printed = printedTable(dir, id);
  assert.equal(rows.length, printed.length, `${id}: rows`);
  for (const [column, heading] of headings.entries()) {
    if (skip.includes(heading)) continue;
    assert.ok(heading in printed[0], `${id}: the report has no column "${heading}" (it has ${Object.keys(printed[0]).join(', ')})`);
    for (const [index, row] of rows.entries()) {
      assert.equal(asPrinted(row[column].split(' [')[0]), printed[index][heading], `${id} row ${index} "${heading}" as report prints it`);
    }
  }
}

/**
 * The heatmap equals, cell for cell, the model table `report` printed into `dir` (the same rows and
 * condition columns, without the category).
 */
export async function assertHeatmapPrinted(page, dir) {
  const heatmap = await tableRows(page, 'heatmap');
  const headings = await page.$$eval('table[data-table="heatmap"] thead th', (cells) => cells.map((cell) => cell.textContent.trim()));
  const printed = printedTable(dir, 'models');
  assert.equal(heatmap.length, printed.length, 'heatmap rows');
  assert.ok(headings.length > 1, 'the heatmap has condition columns');
  for (const [row, cells] of heatmap.entries()) {
    assert.equal(cells[0], printed[row].Model, `heatmap row ${row}: model`);
    for (const [column, condition] of headings.slice(1).entries()) {
      assert.equal(asPrinted(cells[column + 1]), printed[row][condition], `heatmap ${cells[0]} ${condition} as report prints it`);
    }
  }
}

/**
 * The number a cell shows equals the report's `value` at the printed precision (`decimals`); the
 * number before any interval shown beside it (`76.9 [72.8, 80.9]`). The report must have a value.
 */
export function assertShown(shown, value, decimals, what) {
  assert.notEqual(value, null, `${what}: the report has no value`);
  const number = Number(shown.split(' [')[0].replace('+', '').replace('−', '-'));
  assert.ok(Math.abs(number - value) <= 0.5 * 10 ** -decimals + 1e-9, `${what}: the site shows ${shown}, the report says ${value}`);
}
