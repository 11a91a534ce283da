// A lesson embedded in a page on another origin: iframe + postMessage, and the custom element.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { site, newPage, teardown } from './helpers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { LESSONS } from './lesson-suite.mjs';

after(teardown);

describe('embedding a lesson in a page on another origin', () => {
  test('iframe + postMessage and the <receval-lesson> custom element both work', async () => {
    const { url } = await site();
    const host = await startServer({ dir: new URL('./host/', import.meta.url).pathname, port: 0, headers: { 'Content-Security-Policy': "default-src 'self'; script-src 'self' http://localhost:*; frame-src http://localhost:*; img-src 'self' data:" } });
    const slug = LESSONS[0];
    const page = await newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await page.goto(`${host.url}?site=${encodeURIComponent(url)}&lesson=${slug}`);
      await page.waitForFunction(() => window.hostReady && window.received.some((m) => m.via === 'iframe' && m.type === 'receval:ready') && window.received.some((m) => m.via === 'element' && m.type === 'ready'), null, { timeout: 30000 });
      const readyState = await page.evaluate(() => window.received.find((m) => m.via === 'iframe' && m.type === 'receval:ready').state);
      const key = Object.keys(readyState).find((k) => k === 'seed');
      assert.ok(key, 'the ready message carries the state');

      // the iframe resizes to its content
      await page.waitForFunction(() => window.iframeHeight() > 400, null, { timeout: 30000 });

      // set-state through postMessage reaches the lesson, which reports the new state
      await page.evaluate(() => window.sendToIframe({ type: 'receval:set-state', state: { seed: 77 } }));
      await page.waitForFunction(() => window.received.some((m) => m.via === 'iframe' && m.type === 'receval:state-changed' && m.state?.seed === 77), null, { timeout: 30000 });
      // a malformed message is ignored, an invalid state is refused with a reason
      await page.evaluate(() => {
        window.sendToIframe('hello');
        window.sendToIframe({ type: 'receval:set-state', state: { nope: 1 } });
      });
      await page.waitForFunction(() => window.received.some((m) => m.via === 'iframe' && m.type === 'receval:error' && /unknown control/.test(m.message)), null, { timeout: 30000 });

      // the custom element: hide attribute honoured, setState round trip, events
      const frameEl = page.frameLocator('receval-lesson >> iframe');
      await frameEl.locator('[data-lesson]').waitFor();
      assert.equal(await frameEl.locator('.control[data-key="seed"]').isVisible(), false, 'hide="seed" hides the seed control');
      await page.evaluate(() => window.element.setState({ seed: 5 }));
      await page.waitForFunction(() => window.received.some((m) => m.via === 'element' && m.type === 'statechange' && m.state?.seed === 5), null, { timeout: 30000 });
      assert.equal(await page.evaluate(() => window.element.state.seed), 5);
      assert.ok(await page.evaluate(() => document.querySelector('receval-lesson').shadowRoot.querySelector('iframe').getBoundingClientRect().height > 400));
      assert.deepEqual(page.problems, []);
    } finally {
      await page.closeAll();
      host.server.close();
    }
  });
});
