// Shared set-up for the browser end-to-end tests: serve www/ on a free port, launch Debian's
// Chromium through playwright-core, and record every console error and failed request so that a
// test can assert there were none.
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The Content-Security-Policy of the test host page (a course platform on another origin). */
export const HOST_CSP = "default-src 'self'; script-src 'self' http://localhost:*; frame-src http://localhost:*; img-src 'self' data:";

let browserPromise;
/** One browser per test file. */
export function browser() {
  browserPromise ??= chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  return browserPromise;
}

let sitePromise;
/** The site, served once per test file (from RECEVAL_WWW if set: scripts/mutate-frontend.mjs). */
export function site() {
  sitePromise ??= startServer({ port: 0, ...(process.env.RECEVAL_WWW ? { dir: process.env.RECEVAL_WWW } : {}) });
  return sitePromise;
}

/** Close the browser and the server (call from an `after` hook). */
export async function teardown() {
  if (browserPromise) await (await browserPromise).close();
  if (sitePromise) (await sitePromise).server.close();
  browserPromise = sitePromise = sharedPromise = undefined;
}

async function newContext(options) {
  const context = await (await browser()).newContext(options);
  // Locator actions wait for their element; on a loaded CI machine a lesson's run can hold a frame
  // busy for many seconds. These are waits, not timing tests (speed is measured by `make bench`).
  context.setDefaultTimeout(180000);
  return context;
}

let sharedPromise;
/**
 * A fresh page that records problems: `page.problems` lists console errors, uncaught exceptions
 * and failed or non-2xx requests. Each page gets a browser context of its own (empty cache and
 * storage, as a new visitor's), unless `shared` is set: then it opens in the one context this
 * test file shares, as a learner's next tab would, where the browser reuses what it has cached
 * and compiled (the Wasm module, d3, Plot, Temml: about half a page load's CPU time). Tests that
 * share it must leave its storage as they found it; a shared page takes no option but `viewport`.
 */
export async function newPage({ shared = false, viewport, ...options } = {}) {
  if (!shared) {
    const context = await newContext({ viewport, ...options });
    const page = watch(await context.newPage());
    page.closeAll = () => context.close();
    return page;
  }
  if (Object.keys(options).length) throw new Error(`a shared page takes only a viewport, not ${Object.keys(options).join(', ')}`);
  sharedPromise ??= newContext({});
  const page = watch(await (await sharedPromise).newPage());
  if (viewport) await page.setViewportSize(viewport);
  page.closeAll = () => page.close();
  return page;
}

/** Record a page's problems in `page.problems` (console errors, uncaught exceptions, failed requests); returns the page. */
export function watch(page) {
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return page;
}

/** Wait until the lesson on `page` has finished at least `atLeast` runs (its `data-done` counter). */
export async function waitDone(page, atLeast = 1, timeout = 180000) {
  await page.waitForFunction((n) => Number(document.querySelector('[data-lesson]')?.dataset.done ?? 0) >= n, atLeast, { timeout });
}
