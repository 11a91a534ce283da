// Learning by predicting, seen from an embedding page: the progress events reach it through the
// iframe protocol and the custom element. (Every prompt and exercise of every lesson is driven on
// the lesson suite's own pages, with learn=0 and the fit on a phone: lesson-suite.mjs and
// learning-checks.mjs.)
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { site, newPage, teardown, HOST_CSP } from './helpers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { LESSONS, hasLearning } from './lesson-suite.mjs';

after(teardown);

const spec = (slug) => JSON.parse(readFileSync(new URL(`../../www/lessons/${slug}.json`, import.meta.url), 'utf8'));
const WITH_LEARNING = LESSONS.filter(hasLearning);

/** The lessons whose prompts an embedding page answers: the first and the last with learning items. */
const EMBED_SAMPLE = [...new Set([WITH_LEARNING[0], WITH_LEARNING[WITH_LEARNING.length - 1]])];

// The progress events travel through code every lesson shares (learning.js announces, lesson.js
// posts, receval-lesson.js re-dispatches); the first and the last lesson with learning items check the route.
describe('progress events reach an embedding page', () => {
  for (const slug of EMBED_SAMPLE) {
    test(`${slug}: by postMessage from an iframe and as the custom element's progress event`, async () => {
      const { url } = await site();
      const host = await startServer({ dir: new URL('./host/', import.meta.url).pathname, port: 0, headers: { 'Content-Security-Policy': HOST_CSP } });
      const page = await newPage({ viewport: { width: 1200, height: 900 } });
      try {
        await page.goto(`${host.url}?site=${encodeURIComponent(url)}&lesson=${slug}`);
        await page.waitForFunction(() => window.hostReady && window.received.some((m) => m.via === 'iframe' && m.type === 'receval:ready'), null, { timeout: 180000 });
        const id = spec(slug).course.learning[0];
        for (const frame of [page.frameLocator('#iframe-slot iframe'), page.frameLocator('receval-lesson >> iframe')]) {
          // the lesson's first run has finished (a prompt disables its inputs while it runs)
          await frame.locator('[data-lesson][data-done]:not([data-done="0"])').waitFor();
          await frame.locator(`[data-receval-prompt="${id}"] button.check:enabled`).waitFor();
          const box = frame.locator(`[data-receval-prompt="${id}"]`);
          if (await box.locator('input[type=radio]').count()) await box.locator('input[type=radio]').first().check();
          await box.locator('button.check').click();
        }
        await page.waitForFunction((item) => window.received.some((m) => m.via === 'iframe' && m.type === 'receval:progress' && m.item === item), id, { timeout: 180000 });
        await page.waitForFunction((item) => window.received.some((m) => m.via === 'element' && m.type === 'progress' && m.detail?.item === item), id, { timeout: 180000 });
        const ev = await page.evaluate(() => window.received.find((m) => m.via === 'element' && m.type === 'progress').detail);
        assert.equal(ev.kind, 'prediction');
        assert.equal(typeof ev.correct, 'boolean');
        assert.ok(ev.attempts >= 1);
      } finally {
        await page.closeAll();
        host.server.close();
      }
    });
  }
});
