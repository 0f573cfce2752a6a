// After one visit the explorer works offline (every page, every response), and when the published data
// changes (the manifest's hashes) the next visit uses the new data. A copy of the study's site is
// served by `cargo xtask serve` in a child process, which the test stops (offline: nothing answers)
// and starts again on the same port with changed data.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launch, newPage, screenshot } from './helpers.mjs';

const BASE = '/offline/';
const work = mkdtempSync(join(tmpdir(), 'left-behind-offline-'));
const siteDir = join(work, 'site');
let browser;
let server;

/** Starts `xtask serve` on `port` (0: any) and resolves with its origin. */
function startServer(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.XTASK_BIN, ['serve', '--dir', siteDir, '--base', BASE, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (match) resolve({ child, origin: match[1], port: Number(new URL(match[1]).port) });
    });
    child.on('exit', (code) => reject(new Error(`xtask serve exited (${code}) before serving: ${output}`)));
  });
}

async function stopServer() {
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  server.child.kill();
  await exited;
}

before(async () => {
  assert.ok(process.env.STUDY_SITE && process.env.XTASK_BIN, 'STUDY_SITE and XTASK_BIN are set by `cargo xtask test`');
  cpSync(process.env.STUDY_SITE, siteDir, { recursive: true });
  // The copy is served below another base: index.html and 404.html say where.
  for (const page of ['index.html', '404.html']) {
    const path = join(siteDir, page);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/<base href="[^"]*"/, `<base href="${BASE}"`));
  }
  server = await startServer(0);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (server && server.child.exitCode === null) await stopServer();
  rmSync(work, { recursive: true, force: true });
});

/** Opens `route` and waits until the app has loaded every file. */
async function openRoute(page, route) {
  await page.goto(server.origin + BASE.replace(/\/$/, '') + route);
  await page.waitForSelector('html[data-loaded="complete"] main h1', { timeout: 30_000 });
}

test('after one visit every page and every response opens offline, and changed data is used on the next visit', async () => {
  const first = await newPage(browser);
  const context = first.context();
  await openRoute(first, '/');
  await first.waitForSelector('html[data-offline="ready"]', { timeout: 60_000 });
  const manifest = JSON.parse(readFileSync(join(siteDir, 'data/manifest.json'), 'utf8'));
  // The offline copy holds every file of the manifest (every response of the dataset).
  const cached = await first.evaluate(async () => (await (await caches.open('left-behind-data')).keys()).map((request) => request.url));
  for (const file of manifest.files) {
    assert.ok(cached.some((url) => url.includes(`/data/${file.path}?v=${file.sha256.slice(0, 16)}`)), `${file.path} is kept offline`);
  }
  await first.close();

  // Offline: nothing answers on the server's port.
  await stopServer();
  const page = await newPage(browser, {}, context);
  for (const [route, check] of [
    ['/', async () => assert.equal(await page.$$eval('table.report-table', (tables) => tables.length) >= 4, true)],
    ['/responses', async () => assert.equal(await page.textContent('[data-testid="match-count"]'), '2000')],
    ['/responses?model=qwen3&condition=C5', async () => assert.equal(await page.textContent('[data-testid="match-count"]'), '50')],
    ['/responses/C3/qwen3/12', async () => {
      assert.ok((await page.textContent('.response-detail .markdown')).length > 100);
      assert.ok((await page.textContent('[data-testid="judge-notes"]')).length > 10);
    }],
    ['/responses/C1/aya_expanse/50', async () => assert.ok((await page.textContent('.response-detail .markdown')).length > 20)],
    ['/questions', async () => assert.equal(await page.$$eval('[data-testid="questions"] tbody tr', (rows) => rows.length), 50)],
    ['/questions/41?a=C2.qwen3&b=C3.qwen3', async () => assert.equal(await page.$$eval('[data-testid="compare-cell"] .markdown', (cells) => cells.length), 2)],
    ['/methods', async () => assert.ok((await page.textContent('[data-testid="judge-prompt"]')).length > 200)],
  ]) {
    await openRoute(page, route);
    // (The study's answer sheet has a warning of its own; no file may fail to load.)
    assert.equal(await page.$('.problems .problem.error'), null, `${route} offline: ${await page.textContent('.problems').catch(() => '')}`);
    await check();
  }
  await screenshot(page, 'offline-response');
  assert.deepEqual(page.errors, []);
  await page.close();

  // The published data changes: question 41's English text, with the manifest's hash and size.
  const questionsPath = join(siteDir, 'data/benchmark/questions.json');
  const questions = readFileSync(questionsPath, 'utf8');
  const revised = questions.replace(/("id": 41,[\s\S]*?"english": ")/, '$1(Revised) ');
  assert.notEqual(revised, questions, 'question 41 was found');
  writeFileSync(questionsPath, revised);
  const bytes = readFileSync(questionsPath);
  const entry = manifest.files.find((file) => file.path === 'benchmark/questions.json');
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  entry.size = bytes.length;
  writeFileSync(join(siteDir, 'data/manifest.json'), JSON.stringify(manifest, null, 2));
  server = await startServer(server.port);

  const next = await newPage(browser, {}, context);
  await openRoute(next, '/questions/41');
  assert.ok((await next.textContent('main')).includes('(Revised) '), 'the next visit shows the new data');
  await next.waitForSelector('html[data-offline="ready"]', { timeout: 60_000 });
  const urls = await next.evaluate(async () => (await (await caches.open('left-behind-data')).keys()).map((request) => request.url));
  assert.ok(urls.some((url) => url.includes(`questions.json?v=${entry.sha256.slice(0, 16)}`)), 'the new file is kept offline');
  assert.equal(urls.filter((url) => url.includes('questions.json')).length, 1, 'the old copy is dropped');
  assert.deepEqual(next.errors, []);
  await next.context().close();
});
