// What a learner's browser downloads: the Wasm module's size, and every lesson page's first load
// (each file the page and its worker fetch until the first run has finished), as gzip -9 bytes
// (what a server that compresses sends) beside issue 16's targets: ≤ 180 KB gzip for
// receval_bg.wasm, ≤ 350 KB gzip for a lesson's first load. Needs scripts/build.sh first.
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

const wasm = readFileSync(new URL('../www/pkg/receval_bg.wasm', import.meta.url));
const wasmGz = gz(wasm);
console.log(`receval_bg.wasm: ${kb(wasm.length)} KB raw, ${kb(wasmGz)} KB gzip   target ≤ ${WASM_KB} KB gzip   met: ${wasmGz <= WASM_KB * 1000 ? 'yes' : 'no'}`);

const index = readFileSync(new URL('../www/index.html', import.meta.url), 'utf8');
const all = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
const lessons = process.argv.length > 2 ? process.argv.slice(2) : all;
const { server, url } = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
console.log(`\nlesson                  files   first load KB gzip (of which Wasm / JS / other)   met (≤ ${FIRST_LOAD_KB} KB)`);
let met = 0;
for (const slug of lessons) {
  // a fresh context: nothing cached, as on a learner's first visit
  const context = await browser.newContext();
  const seen = new Map();
  // the context sees the page's requests and its worker's
  context.on('response', async (r) => {
    if (!r.url().startsWith(url) || seen.has(r.url())) return;
    seen.set(r.url(), r.body().then(gz, () => 0));
  });
  const page = await context.newPage();
  await page.goto(`${url}lessons/${slug}.html`);
  await page.waitForFunction(() => Number(document.querySelector('[data-lesson]')?.dataset.done ?? 0) >= 1, null, { timeout: 120000 });
  const sizes = await Promise.all([...seen].map(async ([u, p]) => [u, await p]));
  const by = { wasm: 0, js: 0, other: 0 };
  for (const [u, n] of sizes) by[u.endsWith('.wasm') ? 'wasm' : /\.(m?js)(\?|$)/.test(u) ? 'js' : 'other'] += n;
  const total = by.wasm + by.js + by.other;
  const ok = total <= FIRST_LOAD_KB * 1000;
  met += ok;
  console.log(`${slug.padEnd(22)} ${String(sizes.length).padStart(6)}   ${kb(total).padStart(18)} (${kb(by.wasm)} / ${kb(by.js)} / ${kb(by.other)})`.padEnd(76) + (ok ? 'yes' : 'no'));
  await context.close();
}
console.log(`${met} of ${lessons.length} lessons' first loads meet the target`);
await browser.close();
server.close();
