// Screenshots of the lessons for the README: docs/screenshots/<slug>.png, the interactive part of
// each page at 1280 px wide (the top of the widget: controls, readout and first charts).
//   node scripts/screenshots.mjs                 every lesson linked from www/index.html
//   node scripts/screenshots.mjs real-logs …     only these
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { startServer } from './serve.mjs';
import { CHROMIUM, ARGS } from '../tests/e2e/helpers.mjs';

const index = readFileSync(new URL('../www/index.html', import.meta.url), 'utf8');
const all = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
const slugs = process.argv.length > 2 ? process.argv.slice(2) : all;
const out = new URL('../docs/screenshots/', import.meta.url);
mkdirSync(out, { recursive: true });
const { server, url } = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
for (const slug of slugs) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${url}lessons/${slug}.html`);
  await page.waitForFunction(() => document.querySelector('[data-lesson]')?.dataset.done, null, { timeout: 120000 });
  await page.waitForTimeout(300);
  const box = await page.locator('section.widget').boundingBox();
  await page.screenshot({ path: new URL(`${slug}.png`, out).pathname, fullPage: true, clip: { x: 0, y: Math.max(0, box.y - 8), width: 1280, height: Math.min(box.height + 16, 1100) } });
  console.log(`docs/screenshots/${slug}.png`);
  await page.close();
}
await browser.close();
server.close();
