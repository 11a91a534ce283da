// The tests every lesson linked from www/index.html must pass in Debian's Chromium: it loads
// cleanly, every control changes what the charts show, the URL hash reproduces a run, `_hide`
// hides, the keyboard alone operates it, axe-core finds no accessibility violations, and malformed
// links fall back to defaults. The lessons are split between lessons-a/-b.test.mjs, which node
// --test runs in two processes (each with its own browser) to use both cores.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { site, newPage } from './helpers.mjs';

const index = readFileSync(new URL('../../www/index.html', import.meta.url), 'utf8');
export const LESSONS = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const widget = (page) => page.locator('[data-lesson]');
const doneCount = async (page) => Number((await widget(page).getAttribute('data-done')) ?? 0);

async function waitDone(page, atLeast = 1, timeout = 30000) {
  await page.waitForFunction((n) => Number(document.querySelector('[data-lesson]')?.dataset.done ?? 0) >= n, atLeast, { timeout });
}

async function digests(page) {
  return page.$$eval('figure[data-chart]', (fs) => Object.fromEntries(fs.map((f) => [f.dataset.chart, f.dataset.digest ?? null])));
}

/** Open a lesson and wait until its first run has finished (or, with `firstDraw`, until it first drew). */
async function open(url, { firstDraw = false } = {}) {
  const page = await newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  if (firstDraw) await page.waitForFunction(() => Number(document.querySelector('[data-lesson]')?.dataset.renders ?? 0) >= 1, null, { timeout: 30000 });
  else await waitDone(page);
  return page;
}

/** Move a control to another value with the keyboard; returns true if its value changed. */
async function nudge(page, key) {
  const input = page.locator(`.control[data-key="${key}"] input, .control[data-key="${key}"] select`).first();
  const tag = await input.evaluate((e) => `${e.tagName}:${e.type}`);
  await input.focus();
  if (tag === 'INPUT:checkbox') {
    const was = await input.isChecked();
    await page.keyboard.press('Space');
    return (await input.isChecked()) !== was;
  }
  const before = await input.inputValue();
  if (tag.startsWith('SELECT')) await page.keyboard.press(before === (await input.evaluate((e) => e.options[e.options.length - 1].value)) ? 'ArrowUp' : 'ArrowDown');
  else {
    const max = await input.getAttribute('max');
    await page.keyboard.press(before === max ? 'Home' : 'End');
  }
  return (await input.inputValue()) !== before;
}

/** Define the suites of every `shards`-th lesson, starting at index `shard`. */
export function lessonSuites(shard, shards) {
  for (const slug of LESSONS.filter((_, i) => i % shards === shard)) {
    describe(`lesson ${slug}`, () => {
      test('loads with no console error or failed request and draws every chart', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html`);
        const figs = await digests(page);
        assert.ok(Object.keys(figs).length >= 2, 'at least two charts');
        for (const [name, d] of Object.entries(figs)) assert.ok(d, `chart ${name} was drawn`);
        assert.ok((await page.locator('figure[data-chart] svg').count()) >= Object.keys(figs).length, 'every chart is an SVG');
        assert.ok((await page.locator('math').count()) >= 1, 'formulas render as MathML');
        assert.equal(await page.locator('.status').getAttribute('data-state'), 'ok');
        assert.deepEqual(page.problems, []);
        await page.closeAll();
      });

      test('moving each control changes what the charts show', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html`);
        const keys = await page.$$eval('.control[data-key]', (rows) => rows.map((r) => r.dataset.key));
        assert.ok(keys.length >= 3);
        for (const key of keys) {
          const before = await digests(page);
          const n = await doneCount(page);
          assert.ok(await nudge(page, key), `${key}: the control moved`);
          await waitDone(page, n + 1);
          const after = await digests(page);
          assert.notDeepEqual(after, before, `${key}: some chart changed`);
        }
        assert.deepEqual(page.problems, []);
        await page.closeAll();
      });

      test('the URL hash round-trips the state: a reload reproduces the same numbers', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html`);
        const keys = await page.$$eval('.control[data-key]', (rows) => rows.map((r) => r.dataset.key));
        for (const key of keys.slice(0, 2)) {
          const n = await doneCount(page);
          await nudge(page, key);
          await waitDone(page, n + 1);
        }
        const hash = await page.evaluate(() => location.hash);
        assert.match(hash, /^#v=1&/);
        const values = await page.$$eval('.control input, .control select', (xs) => xs.map((x) => x.value));
        const figs = await digests(page);
        const again = await open(`${url}lessons/${slug}.html${hash}`);
        assert.deepEqual(await again.$$eval('.control input, .control select', (xs) => xs.map((x) => x.value)), values);
        assert.deepEqual(await digests(again), figs);
        await page.closeAll();
        await again.closeAll();
      });

      test('`<control>_hide=true` hides that control and nothing else', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html#v=1&seed_hide=true`, { firstDraw: true });
        assert.equal(await page.locator('.control[data-key="seed"]').isVisible(), false);
        const visible = await page.locator('.control[data-key]:visible').count();
        const total = await page.locator('.control[data-key]').count();
        assert.equal(visible, total - 1);
        await page.closeAll();
      });

      test('the keyboard alone operates the presets and the controls', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html`);
        // Tab from the top of the page to the first preset button and press Enter.
        let focused = '';
        for (let i = 0; i < 40 && focused !== 'preset'; i++) {
          await page.keyboard.press('Tab');
          focused = await page.evaluate(() => (document.activeElement?.classList.contains('preset') ? 'preset' : document.activeElement?.tagName));
        }
        assert.equal(focused, 'preset', 'a preset button is reachable with Tab');
        const pressedBefore = await page.evaluate(() => document.activeElement.getAttribute('aria-pressed'));
        let n = await doneCount(page);
        await page.keyboard.press('Enter');
        assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-pressed')), 'true');
        if (pressedBefore !== 'true') await waitDone(page, n + 1);
        // Tab on to the first slider and move it with the arrow keys.
        for (let i = 0; i < 40 && focused !== 'range'; i++) {
          await page.keyboard.press('Tab');
          focused = await page.evaluate(() => document.activeElement?.type);
        }
        assert.equal(focused, 'range', 'a slider is reachable with Tab');
        const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
        assert.notEqual(outline, 'none', 'the focused control shows a focus ring');
        const hash = await page.evaluate(() => location.hash);
        n = await doneCount(page);
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        await waitDone(page, n + 1);
        assert.notEqual(await page.evaluate(() => location.hash), hash, 'the state changed');
        assert.deepEqual(page.problems, []);
        await page.closeAll();
      });

      test('axe-core reports no accessibility violations', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html`);
        await page.evaluate(axeSource); // through the DevTools protocol, not subject to the page's CSP
        const result = await page.evaluate(() => globalThis.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
        const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
        assert.deepEqual(violations, []);
        await page.closeAll();
      });

      test('works on a phone-sized screen and at 200% zoom without horizontal scrolling', async () => {
        const { url } = await site();
        for (const viewport of [{ width: 390, height: 844 }, { width: 640, height: 450 }]) {
          // 640 CSS px wide is a 1280 px window at 200% zoom
          const page = await newPage({ viewport });
          await page.goto(`${url}lessons/${slug}.html`);
          await waitDone(page);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 1, `page is ${overflow}px wider than a ${viewport.width}px screen`);
          assert.deepEqual(page.problems, []);
          await page.closeAll();
        }
      });

      test('a malformed link falls back to defaults and says so', async () => {
        const { url } = await site();
        const page = await open(`${url}lessons/${slug}.html#v=1&seed=banana&nonsense=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&v=9`, { firstDraw: true });
        const notice = page.locator('.notice');
        assert.equal(await notice.isVisible(), true);
        assert.match(await notice.textContent(), /defaults apply/);
        assert.equal(await page.locator('.notice img').count(), 0, 'URL content is never inserted as HTML');
        assert.deepEqual(page.problems, []);
        await page.closeAll();
      });
    });
  }
}
