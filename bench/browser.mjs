// Slider-to-redraw latency in Chromium for every lesson: move the first slider with the keyboard
// several times and read the time from the input event to the first redraw (measured in the page
// by www/js/lesson.js as data-latency), and the time until the run completes.
//
//   node bench/browser.mjs            (make bench runs it after the native and node benches)
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { startServer } from '../scripts/serve.mjs';
import { CHROMIUM, ARGS } from '../tests/e2e/helpers.mjs';

const index = readFileSync(new URL('../www/index.html', import.meta.url), 'utf8');
const lessons = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
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
  for (let i = 0; i < 8; i++) {
    const n = await done();
    await slider.focus();
    const t0 = Date.now();
    await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
    await page.waitForFunction((k) => Number(document.querySelector('[data-lesson]').dataset.done ?? 0) > k, n, { timeout: 60000 });
    full.push(Date.now() - t0);
    first.push(Number(await page.evaluate(() => document.querySelector('[data-lesson]').dataset.latency)));
  }
  console.log(`${slug.padEnd(22)} ${String(median(first)).padStart(26)} ${String(median(full)).padStart(26)} ${String(first.length).padStart(7)}`);
  await page.close();
}
await browser.close();
server.close();
