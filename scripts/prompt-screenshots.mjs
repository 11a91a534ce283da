// The README's pair of screenshots of one "predict, then check" prompt, before and after the reveal:
// docs/screenshots/prompt-before.png and prompt-after.png (lesson 11's "small-market" prompt, at 720 px).
//   node scripts/prompt-screenshots.mjs [slug prompt-id option-value]
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { startServer } from './serve.mjs';
import { CHROMIUM, ARGS } from '../tests/e2e/helpers.mjs';

const [slug = 'markets', id = 'small-market', option = 'B'] = process.argv.slice(2);
const out = new URL('../docs/screenshots/', import.meta.url);
mkdirSync(out, { recursive: true });
const { server, url } = await startServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const page = await browser.newPage({ viewport: { width: 720, height: 900 } });
await page.goto(`${url}lessons/${slug}.html`);
await page.waitForFunction(() => document.querySelector('[data-lesson]')?.dataset.done, null, { timeout: 120000 });
const box = page.locator(`[data-receval-prompt="${id}"]`);
await box.scrollIntoViewIfNeeded();
await box.locator(`input[type=radio][data-value="${option}"]`).check();
await box.screenshot({ path: new URL('prompt-before.png', out).pathname });
await box.locator('button.check').click();
await page.waitForFunction((b) => b.querySelector('[role=status]')?.dataset.correct !== undefined, await box.elementHandle(), { timeout: 120000 });
await box.scrollIntoViewIfNeeded();
await box.screenshot({ path: new URL('prompt-after.png', out).pathname });
console.log('docs/screenshots/prompt-before.png, docs/screenshots/prompt-after.png');
await browser.close();
server.close();
