// Slider-to-redraw latency in Chromium for every lesson: move the first slider with the keyboard
// to values it has not had yet (so no lesson-level cache can answer) and read the time from the
// input event to the first redraw (measured in the page by www/js/lesson.js as data-latency), and
// the time until the run completes.
//
//   node bench/browser.mjs            every lesson (make bench runs it after the node bench)
//   node bench/browser.mjs markets …  only these
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { startServer } from '../scripts/serve.mjs';
import { CHROMIUM, ARGS } from '../tests/e2e/helpers.mjs';

const index = readFileSync(new URL('../www/index.html', import.meta.url), 'utf8');
const all = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
const lessons = process.argv.length > 2 ? process.argv.slice(2) : all;
const { server, url } = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log('lesson                 first redraw (median ms)   complete run (median ms)   moves');
for (const slug of lessons) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${url}lessons/${slug}.html`);
  const done = () => page.evaluate(() => Number(document.querySelector('[data-lesson]').dataset.done ?? 0));
  await page.waitForFunction(() => document.querySelector('[data-lesson]').dataset.done);
  const slider = page.locator('.control input[type=range]').first();
  const first = [];
  const full = [];
  // start from the slider's minimum, then step up through new values
  {
    const n = await done();
    await slider.focus();
    await page.keyboard.press('Home');
    if ((await slider.inputValue()) !== (await slider.getAttribute('max'))) await page.waitForFunction((k) => Number(document.querySelector('[data-lesson]').dataset.done ?? 0) > k, n, { timeout: 60000 }).catch(() => {});
  }
  for (let i = 0; i < 8; i++) {
    const n = await done();
    const before = await slider.inputValue();
    await slider.focus();
    const t0 = Date.now();
    await page.keyboard.press('ArrowRight');
    if ((await slider.inputValue()) === before) break; // reached the maximum
    await page.waitForFunction((k) => Number(document.querySelector('[data-lesson]').dataset.done ?? 0) > k, n, { timeout: 60000 });
    full.push(Date.now() - t0);
    first.push(Number(await page.evaluate(() => document.querySelector('[data-lesson]').dataset.latency)));
  }
  console.log(`${slug.padEnd(22)} ${String(median(first)).padStart(26)} ${String(median(full)).padStart(26)} ${String(first.length).padStart(7)}`);
  await page.close();
}
await browser.close();
server.close();
