// What a learner's browser downloads: the Wasm module's size, and every lesson page's first load
// (each file the page and its worker fetch until the first run has finished), as gzip -9 bytes
// (what a server that compresses sends) beside issue 16's targets: ≤ 180 KB gzip for
// receval_bg.wasm, ≤ 350 KB gzip for a lesson's first load. Beside each lesson, what it downloads
// after the first lesson of the run (the course's first, by default): the files that lesson did not
// fetch (the module, the charts and the math are in the browser's cache by then; the server answers
// a revalidation with 304 and no body). Needs scripts/build.sh first.
//
//   node bench/size.mjs             every lesson (make bench runs it)
//   node bench/size.mjs markets …   only these
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startServer } from '../scripts/serve.mjs';
import { CHROMIUM, ARGS } from '../tests/e2e/helpers.mjs';

const WASM_KB = 180;
const FIRST_LOAD_KB = 350;
const kb = (n) => (n / 1000).toFixed(0);
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

for (const [label, file] of [['receval_bg.wasm (the course: world, lab, lessons, estimators)', 'receval_bg.wasm'],
  ['estimators/receval_bg.wasm (receval/estimators: the estimators alone)', 'estimators/receval_bg.wasm']]) {
  const wasm = readFileSync(new URL(`../www/pkg/${file}`, import.meta.url));
  const wasmGz = gz(wasm);
  console.log(`${label}: ${kb(wasm.length)} KB raw, ${kb(wasmGz)} KB gzip   target ≤ ${WASM_KB} KB gzip   met: ${wasmGz <= WASM_KB * 1000 ? 'yes' : 'no'}`);
}

const index = readFileSync(new URL('../www/index.html', import.meta.url), 'utf8');
const all = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
// The course's home page (its demo estimate) and the workbench (its simulated-world sample's report)
// load the estimators package; a lesson page loads the course module.
const pages = [
  ['home page', '', (page) => page.locator('#wasm-result').waitFor({ state: 'visible', timeout: 120000 })],
  ['workbench', 'evaluate.html', async (page) => {
    await page.getByRole('button', { name: 'Simulated world sample' }).click();
    await page.waitForFunction(() => document.getElementById('workbench').dataset.state === 'report', null, { timeout: 120000 });
  }],
];
const lessons = process.argv.length > 2 ? process.argv.slice(2) : all;
const { server, url } = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
/** What a first visit to `path` downloads (gzip bytes by kind) until `ready(page)` resolves. */
async function firstLoad(path, ready) {
  // a fresh context: nothing cached, as on a learner's first visit
  const context = await browser.newContext();
  const seen = new Map();
  // the context sees the page's requests and its worker's
  context.on('response', async (r) => {
    if (!r.url().startsWith(url) || seen.has(r.url())) return;
    seen.set(r.url(), r.body().then(gz, () => 0));
  });
  const page = await context.newPage();
  await page.goto(`${url}${path}`);
  await ready(page);
  const sizes = await Promise.all([...seen].map(async ([u, p]) => [u, await p]));
  await context.close();
  const by = { files: sizes.length, wasm: 0, js: 0, other: 0, urls: new Map(sizes) };
  for (const [u, n] of sizes) by[u.endsWith('.wasm') ? 'wasm' : /\.(m?js)(\?|$)/.test(u) ? 'js' : 'other'] += n;
  return { ...by, total: by.wasm + by.js + by.other };
}
let firstLesson; // the URLs the course's first lesson fetched
const row = (label, l, lesson = false) => {
  const ok = l.total <= FIRST_LOAD_KB * 1000;
  let next = '';
  if (lesson) {
    firstLesson ??= l.urls;
    next = kb([...l.urls].reduce((sum, [u, n]) => sum + (firstLesson.has(u) ? 0 : n), 0)).padStart(10);
  }
  console.log(`${label.padEnd(22)} ${String(l.files).padStart(6)}   ${kb(l.total).padStart(18)} (${kb(l.wasm)} / ${kb(l.js)} / ${kb(l.other)})`.padEnd(76) + (ok ? 'yes' : 'no ') + next);
  return ok;
};

console.log(`\npage                    files   first load KB gzip (of which Wasm / JS / other)   met (≤ ${FIRST_LOAD_KB} KB)   after the first lesson KB`);
if (process.argv.length <= 2) for (const [label, path, ready] of pages) row(label, await firstLoad(path, ready));
let met = 0;
for (const slug of lessons) {
  met += row(slug, await firstLoad(`lessons/${slug}.html`,
    (page) => page.waitForFunction(() => Number(document.querySelector('[data-lesson]')?.dataset.done ?? 0) >= 1, null, { timeout: 120000 })), true);
}
console.log(`${met} of ${lessons.length} lessons' first loads meet the target`);
await browser.close();
server.close();
