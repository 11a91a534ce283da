// Walk one lesson in Chromium as a learner would and time its full runs: the page untouched, a new
// seed (a new world: the whole default run), then every preset; a screenshot of each state.
//   node bench/lesson-walk.mjs SLUG OUTDIR [key=value …]   (extra states to visit, e.g. miss=1)
import { chromium } from 'playwright-core';
import { startServer } from '../scripts/serve.mjs';
import { CHROMIUM, ARGS } from '../tests/e2e/helpers.mjs';

const [slug, out, ...extra] = process.argv.slice(2);
const { server, url } = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
page.on('pageerror', (e) => errors.push(String(e)));
const done = () => page.evaluate(() => Number(document.querySelector('[data-lesson]').dataset.done ?? 0));
const waitMore = (n) => page.waitForFunction((k) => Number(document.querySelector('[data-lesson]').dataset.done ?? 0) > k, n, { timeout: 60000 });
const t0 = Date.now();
await page.goto(`${url}lessons/${slug}.html`);
await waitMore(0);
console.log(`first load to complete run: ${Date.now() - t0} ms`);
await page.screenshot({ path: `${out}/${slug}-default.png`, fullPage: true });
const text = async () => page.evaluate(() => [...document.querySelectorAll('.readout, .preset-note:not([hidden])')].map((e) => e.textContent).join('\n'));
console.log(await text());
// full runs: new seeds (new world, nothing cached)
for (const seed of [2, 3, 4]) {
  const n = await done();
  const input = page.locator('.control[data-key="seed"] input').first();
  const t = Date.now();
  await input.fill(String(seed));
  await input.press('Enter');
  await waitMore(n);
  console.log(`seed ${seed}: full run ${Date.now() - t} ms (page latency to first draw ${await page.evaluate(() => document.querySelector('[data-lesson]').dataset.latency)} ms)`);
}
const presets = await page.$$eval('.presets button', (bs) => bs.map((b) => b.dataset.preset));
for (const id of presets) {
  const n = await done();
  const t = Date.now();
  await page.click(`.presets button[data-preset="${id}"]`);
  await waitMore(n);
  console.log(`\npreset ${id}: ${Date.now() - t} ms`);
  console.log(await text());
  await page.screenshot({ path: `${out}/${slug}-${id}.png`, fullPage: true });
}
for (const kv of extra) {
  const t = Date.now();
  await page.goto('about:blank'); // a new document: a hash change alone would not reload the page
  await page.goto(`${url}lessons/${slug}.html#${kv.replaceAll(',', '&')}`);
  await waitMore(0);
  console.log(`\nstate ${kv}: ${Date.now() - t} ms (with page load)`);
  console.log(await text());
  await page.screenshot({ path: `${out}/${slug}-${kv.replace(/[^a-z0-9=.-]/gi, '_')}.png`, fullPage: true });
}
console.log(errors.length ? `console errors: ${errors.join(' | ')}` : 'no console errors');
await browser.close();
server.close();
