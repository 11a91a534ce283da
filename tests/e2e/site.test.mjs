// The site loads the Wasm package in a real browser and computes with it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { site, newPage, teardown } from './helpers.mjs';

after(teardown);

test('index page loads the Wasm module (the estimators package only) and shows a computed IPW estimate', async () => {
  const { url } = await site();
  const page = await newPage();
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  await page.goto(url);
  const result = page.locator('#wasm-result');
  await result.waitFor({ state: 'visible', timeout: 15000 });
  // 3 of the 4 logged rounds with action 1 were clicks; w = 1/0.5 = 2: IPW = 2·3/8 = 0.75.
  assert.equal(Number(await result.getAttribute('data-value')), 0.75);
  assert.match(await page.locator('#wasm-status').textContent(), /is running/);
  assert.deepEqual(wasm, ['/pkg/estimators/receval_bg.wasm']);
  assert.deepEqual(page.problems, []);
  await page.closeAll();
});

test('index page says so when the Wasm module cannot load', async () => {
  const { url } = await site();
  const page = await newPage();
  await page.route('**/receval_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(url);
  await page.locator('#wasm-status[data-state="error"]').waitFor({ timeout: 15000 });
  assert.match(await page.locator('#wasm-status').textContent(), /did not load/);
  assert.equal(await page.locator('#wasm-result').isVisible(), false);
  await page.closeAll();
});

test('same seed, same numbers in Chromium as in node', async () => {
  const { url } = await site();
  const { determinismScenario } = await import('../js/determinism-scenario.mjs');
  const rv = await import('../../pkg/receval.js');
  const inNode = determinismScenario(rv);
  const page = await newPage();
  await page.goto(url);
  // Playwright evaluates this expression through the DevTools protocol (not subject to the page's
  // CSP); the scenario itself runs in the page's Wasm module.
  const inBrowser = await page.evaluate(`(async () => {
    const rv = await import('/pkg/receval.js');
    return (${determinismScenario.toString()})(rv);
  })()`);
  assert.deepEqual(inBrowser, inNode);
  await page.closeAll();
});

test('the lesson worker knows only its own tasks: "toString" or "constructor" are unknown tasks', async () => {
  const { url } = await site();
  const page = await newPage();
  await page.goto(url);
  const replies = await page.evaluate(`(async () => {
    const worker = new Worker('/js/worker.js', { type: 'module' });
    const seen = [];
    await new Promise((resolve) => {
      worker.onmessage = (e) => {
        seen.push(e.data);
        if (e.data.type === 'ready') for (const [id, task] of [[1, 'toString'], [2, 'constructor'], [3, '__proto__']]) worker.postMessage({ id, task, state: {} });
        if (seen.filter((m) => m.type === 'error').length === 3) resolve();
      };
    });
    worker.terminate();
    return seen.filter((m) => m.type === 'error');
  })()`);
  assert.deepEqual(replies.map((r) => r.message), ['unknown task toString', 'unknown task constructor', 'unknown task __proto__']);
  await page.closeAll();
});

test('the glossary loads cleanly, typesets its formulas, passes axe-core, and every lesson link to it lands on a term', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const { url } = await site();
  const page = await newPage();
  await page.goto(`${url}glossary.html#ess`);
  await page.waitForFunction(() => document.querySelectorAll('[data-tex]').length > 0 && [...document.querySelectorAll('[data-tex]')].every((e) => e.dataset.rendered === '1'), null, { timeout: 15000 });
  assert.equal(await page.locator('dt#ess.linked').count(), 1, 'the linked term is marked');
  const ids = await page.$$eval('dt[id]', (dts) => dts.map((d) => d.id));
  assert.ok(ids.length >= 35, `${ids.length} terms`);
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(() => globalThis.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), []);
  assert.deepEqual(page.problems, []);
  await page.closeAll();
  // every glossary link in the lessons names a term that exists
  const dir = new URL('../../www/lessons/', import.meta.url);
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.html'))) {
    for (const m of readFileSync(new URL(f, dir), 'utf8').matchAll(/href="\.\.\/glossary\.html#([a-z0-9-]+)"/g)) {
      assert.ok(ids.includes(m[1]), `${f} links to glossary#${m[1]}, which does not exist`);
    }
  }
});
