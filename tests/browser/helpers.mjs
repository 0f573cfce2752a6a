// Shared by the browser tests and the benchmark: start Debian's Chromium through playwright-core
// (never a browser playwright downloads), open pages of the sites `cargo xtask test` serves, and
// save screenshots as test artifacts.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const origin = process.env.SITE_ORIGIN ?? 'http://127.0.0.1:8080';
export const bases = {
  study: process.env.STUDY_BASE ?? '/left-behind/',
  planted: process.env.PLANTED_BASE ?? '/planted/',
  empty: process.env.EMPTY_BASE ?? '/empty/',
  configured: process.env.CONFIGURED_BASE ?? '/configured/',
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

/** A new page that records uncaught errors and dialogs (an `alert` from model output would be one). */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
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

/** Opens `route` and waits until the app has loaded its data. */
export async function open(page, site, route = '/') {
  await page.goto(url(site, route));
  await page.waitForSelector('main h1', { timeout: 20_000 });
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
