// The real-logs lesson accepts the learner's own CSV files in the Open Bandit Dataset format.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { site, newPage, teardown } from './helpers.mjs';

after(teardown);

const done = (page, n) => page.waitForFunction((k) => Number(document.querySelector('[data-lesson]').dataset.done ?? 0) >= k, n, { timeout: 60000 });

test('real-logs: your own OBD-format CSVs replace the shipped sample, bad files say why', async () => {
  const { url } = await site();
  const page = await newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${url}lessons/real-logs.html`);
  await done(page, 1);
  assert.match(await page.locator('.source-note').textContent(), /OBD random\/all/);
  // the first 4,000 rows of the shipped random log, as a learner's own file
  const lines = readFileSync(new URL('../../www/data/obd/random_all.csv', import.meta.url), 'utf8').split('\n');
  await page.setInputFiles('#upload-logged', { name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.slice(0, 4001).join('\n')) });
  await page.waitForFunction(() => /your CSV/.test(document.querySelector('.source-note').textContent), null, { timeout: 60000 });
  assert.match(await page.locator('.readout').textContent(), /4,000 impressions/);
  // a second file of exactly the same length but other clicks: new estimates (the cache was keyed
  // by the text's length and showed the first file's numbers)
  const before = await page.locator('.readout').textContent();
  const flipped = lines.slice(0, 4001).map((l, i) => (i === 0 ? l : l.replace(/,([01]),(0\.\d+)$/, (_, c, p) => `,${c === '1' ? '0' : '1'},${p}`)));
  assert.equal(flipped.join('\n').length, lines.slice(0, 4001).join('\n').length);
  await page.setInputFiles('#upload-logged', { name: 'other.csv', mimeType: 'text/csv', buffer: Buffer.from(flipped.join('\n')) });
  await page.waitForFunction((old) => document.querySelector('.readout').textContent !== old && document.querySelector('[data-lesson]').getAttribute('aria-busy') === 'false', before, { timeout: 60000 });
  assert.notEqual(await page.locator('.readout').textContent(), before);
  // a malformed file: a clear error, and the page keeps working
  await page.setInputFiles('#upload-target', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
  await page.waitForFunction(() => document.querySelector('.status').dataset.state === 'error', null, { timeout: 60000 });
  assert.match(await page.locator('.status').textContent(), /timestamp/);
  await page.click('#upload-reset');
  await page.waitForFunction(() => /OBD random\/all/.test(document.querySelector('.source-note').textContent) && document.querySelector('.status').dataset.state === 'ok', null, { timeout: 60000 });
  assert.deepEqual(page.problems, []);
  await page.closeAll();
});
