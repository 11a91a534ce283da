// The site loads the Wasm package in a real browser and computes with it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { site, newPage, teardown } from './helpers.mjs';

after(teardown);

test('index page loads the Wasm module and shows a computed IPW estimate', async () => {
  const { url } = await site();
  const page = await newPage();
  await page.goto(url);
  const result = page.locator('#wasm-result');
  await result.waitFor({ state: 'visible', timeout: 15000 });
  // 3 of the 4 logged rounds with action 1 were clicks; w = 1/0.5 = 2: IPW = 2·3/8 = 0.75.
  assert.equal(Number(await result.getAttribute('data-value')), 0.75);
  assert.match(await page.locator('#wasm-status').textContent(), /is running/);
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
