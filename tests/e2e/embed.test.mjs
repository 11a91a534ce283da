// Lessons embedded in a page on another origin: the custom element (with its hide and learn
// attributes: the `<control>_hide` and `learn=0` of a link) for every lesson, a hand-made iframe +
// postMessage for every fifth; and the README's embedding snippets, pasted as they are into a plain
// HTML page.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { site, newPage, teardown, HOST_CSP } from './helpers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { LESSONS, hasLearning } from './lesson-suite.mjs';

after(teardown);


// The hand-made iframe and its postMessage protocol are the same code for every lesson (the custom
// element is built on them): they are driven for every fifth lesson, the element for all.
const IFRAME_TOO = new Set(LESSONS.filter((_, i) => i % 5 === 0));

describe('embedding a lesson in a page on another origin', () => {
  for (const slug of LESSONS) {
    const both = IFRAME_TOO.has(slug);
    test(`${slug}: ${both ? 'iframe + postMessage and the <receval-lesson> custom element work' : 'the <receval-lesson> custom element works'}`, async () => {
    const { url } = await site();
    const host = await startServer({ dir: new URL('./host/', import.meta.url).pathname, port: 0, headers: { 'Content-Security-Policy': HOST_CSP } });
    // one browser context for the lessons in turn, as a course's pages in one browser (it keeps no
    // storage between them: learn="false" records nothing)
    const page = await newPage({ viewport: { width: 1200, height: 900 }, shared: true });
    try {
      await page.goto(`${host.url}?site=${encodeURIComponent(url)}&lesson=${slug}&learn=false${both ? '' : '&iframe=0'}`);
      await page.waitForFunction((both) => window.hostReady && (!both || window.received.some((m) => m.via === 'iframe' && m.type === 'receval:ready')) && window.received.some((m) => m.via === 'element' && m.type === 'ready'), both, { timeout: 180000 });
      if (both) {
        const readyState = await page.evaluate(() => window.received.find((m) => m.via === 'iframe' && m.type === 'receval:ready').state);
        const key = Object.keys(readyState).find((k) => k === 'seed');
        assert.ok(key, 'the ready message carries the state');

        // the iframe resizes to its content
        await page.waitForFunction(() => window.iframeHeight() > 400, null, { timeout: 180000 });

        // set-state through postMessage reaches the lesson, which reports the new state
        await page.evaluate(() => window.sendToIframe({ type: 'receval:set-state', state: { seed: 77 } }));
        await page.waitForFunction(() => window.received.some((m) => m.via === 'iframe' && m.type === 'receval:state-changed' && m.state?.seed === 77), null, { timeout: 180000 });
        // a malformed message is ignored, an invalid state is refused with a reason
        await page.evaluate(() => {
          window.sendToIframe('hello');
          window.sendToIframe({ type: 'receval:set-state', state: { nope: 1 } });
        });
        await page.waitForFunction(() => window.received.some((m) => m.via === 'iframe' && m.type === 'receval:error' && /unknown control/.test(m.message)), null, { timeout: 180000 });
      }

      // the custom element: hide="seed" hides that control and no other, learn="false" the prompts
      // and the exercise (the link's seed_hide=true&learn=0); setState round trip, events
      const frameEl = page.frameLocator('receval-lesson >> iframe');
      await frameEl.locator('[data-lesson]').waitFor();
      assert.equal(await frameEl.locator('.control[data-key="seed"]').isVisible(), false, 'hide="seed" hides the seed control');
      assert.equal(await frameEl.locator('.control[data-key]:visible').count(), (await frameEl.locator('.control[data-key]').count()) - 1, 'and no other');
      if (hasLearning(slug)) {
        await frameEl.locator('[data-receval-prompt], [data-receval-exercise]').first().waitFor({ state: 'attached' });
        assert.equal(await frameEl.locator('[data-receval-prompt]:visible, [data-receval-exercise]:visible').count(), 0, 'learn="false" hides the prompts and the exercise');
      }
      await page.evaluate(() => window.element.setState({ seed: 5 }));
      await page.waitForFunction(() => window.received.some((m) => m.via === 'element' && m.type === 'statechange' && m.state?.seed === 5), null, { timeout: 180000 });
      assert.equal(await page.evaluate(() => window.element.state.seed), 5);
      assert.ok(await page.evaluate(() => document.querySelector('receval-lesson').shadowRoot.querySelector('iframe').getBoundingClientRect().height > 400));
      assert.deepEqual(page.problems, []);
    } finally {
      await page.closeAll();
      host.server.close();
    }
  });
  }

  test("the README's snippets work when pasted into a plain HTML page", async () => {
    const { url } = await site();
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Embedding a lesson'), readme.indexOf('\n## ', readme.indexOf('## Embedding a lesson') + 5));
    const blocks = [...section.matchAll(/```(html|js)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2].replaceAll('https://YOUR-SITE/', url) }));
    const html = blocks.filter((b) => b.lang === 'html').map((b) => b.code);
    const js = blocks.filter((b) => b.lang === 'js').map((b) => b.code);
    assert.equal(html.length, 2, 'an iframe snippet and a custom-element snippet');
    assert.equal(js.length, 1, 'a postMessage snippet');
    const dir = mkdtempSync(join(tmpdir(), 'receval-host-'));
    // the host page: the two snippets as pasted, and the postMessage snippet as the page's script
    // (a strict CSP forbids inline scripts, so it goes in a file), recording what it logs
    writeFileSync(join(dir, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course page</title><link rel="icon" href="data:,"><script src="log.js"></script><script type="module" src="snippet.js"></script></head><body>\n${html.join('\n')}\n</body></html>`);
    writeFileSync(join(dir, 'log.js'), 'window.logged = []; console.log = (...xs) => window.logged.push(xs);');
    writeFileSync(join(dir, 'snippet.js'), js[0]);
    // a plain page: scripts only from files (no inline script), inline style attributes allowed
    const host = await startServer({ dir, port: 0, headers: { 'Content-Security-Policy': `${HOST_CSP}; style-src 'self' 'unsafe-inline'` } });
    const page = await newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await page.goto(host.url);
      // the postMessage snippet set share = 5% once the iframe's lesson was ready, and logged the new state
      await page.waitForFunction(() => window.logged.some(([s]) => s?.share === 0.05), null, { timeout: 180000 });
      const iframeState = await page.evaluate(() => window.logged.find(([s]) => s?.share === 0.05)[0]);
      assert.equal(iframeState.seed, 7, "the iframe link's seed");
      const frame = page.frameLocator('body > iframe');
      await frame.locator('[data-lesson]').waitFor();
      assert.equal(await frame.locator('.notice').isVisible(), false, 'no "defaults apply" notice: every key in the link is known');
      assert.equal(await frame.locator('.control[data-key="seed"]').isVisible(), false, 'seed_hide=true');
      // at the snippet's height (760 px) and a course column's width, the main chart is in view
      // without scrolling the frame (it used to show the controls only)
      for (const width of [1200, 700, 390]) {
        await page.evaluate((w) => { document.querySelector('body > iframe').style.width = `${w}px`; }, width);
        await frame.locator('figure[data-chart] svg[role="img"]').first().waitFor();
        const inView = await frame.locator('figure[data-chart] svg[role="img"]').first().evaluate((svg) => {
          const r = svg.getBoundingClientRect();
          return r.top >= 0 && r.top + Math.min(r.height, 150) <= window.innerHeight;
        });
        assert.ok(inView, `the first chart is in view in a ${width} × 760 iframe`);
      }
      // the custom element: its state attribute applied, its hide attribute honoured
      await page.waitForFunction(() => document.querySelector('receval-lesson')?.state?.share === 0.01, null, { timeout: 180000 });
      assert.equal(await page.evaluate(() => document.querySelector('receval-lesson').state.seed), 7);
      const el = page.frameLocator('receval-lesson >> iframe');
      assert.equal(await el.locator('.notice').isVisible(), false);
      assert.equal(await el.locator('.control[data-key="seed"]').isVisible(), false, 'hide="seed"');
      assert.deepEqual(page.problems, []);
    } finally {
      await page.closeAll();
      host.server.close();
    }
  });
});
