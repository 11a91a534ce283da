// The tests every lesson linked from www/index.html must pass in Debian's Chromium: it loads
// cleanly, every control changes what the charts show, the URL hash reproduces a run, the keyboard
// alone operates it, axe-core finds no accessibility violations, malformed links fall back to
// defaults, and every prediction prompt and exercise works. The lessons are split between
// lessons-a/-b.test.mjs, which node --test runs in two processes (each with its own browser) to
// use both cores.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { site, newPage, waitDone } from './helpers.mjs';
import { checkLearning, checkProgressKept } from './learning-checks.mjs';

const index = readFileSync(new URL('../../www/index.html', import.meta.url), 'utf8');
export const LESSONS = [...index.matchAll(/href="lessons\/([a-z0-9-]+)\.html"/g)].map((m) => m[1]);
/** Whether a lesson has prediction prompts and an exercise (its spec lists them in course.learning). */
export const hasLearning = (slug) => (JSON.parse(readFileSync(new URL(`../../www/lessons/${slug}.json`, import.meta.url), 'utf8')).course?.learning ?? []).length > 0;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const widget = (page) => page.locator('[data-lesson]');
const doneCount = async (page) => Number((await widget(page).getAttribute('data-done')) ?? 0);

async function digests(page) {
  return page.$$eval('figure[data-chart]', (fs) => Object.fromEntries(fs.map((f) => [f.dataset.chart, f.dataset.digest ?? null])));
}

/** Wait until no run is going on (a test that counts finished runs starts from an idle page). */
async function idle(page) {
  // a run starts on the next animation frame after an input: let that frame pass first
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForFunction(() => document.querySelector('[data-lesson]')?.getAttribute('aria-busy') !== 'true', null, { timeout: 180000 });
}

/** Open a lesson and wait until its first run has finished. */
async function open(url) {
  const page = await newPage({ viewport: { width: 1280, height: 900 }, shared: true });
  await page.goto(url);
  await waitDone(page);
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

/**
 * What each control shows beside it (and tells screen readers), compared with its value formatted
 * by the page's own formatter from the lesson's JSON spec: [{ key, value, shown, valuetext, want }].
 */
async function shownValues(page, slug) {
  return page.evaluate(async (slug) => {
    const { formatValue } = await import('/js/state.js');
    const { default: spec } = await import(`/lessons/${slug}.json`, { with: { type: 'json' } });
    return spec.controls.map((c) => {
      const row = document.querySelector(`.control[data-key="${c.key}"]`);
      const input = row.querySelector('input, select');
      let value;
      if (input.type === 'checkbox') value = input.checked;
      else if (input.tagName === 'SELECT') value = c.options.find((o) => String(o.value) === input.value)?.value;
      else if (c.type === 'steps') value = c.values[Number(input.value)];
      else value = Number(input.value);
      return { key: c.key, value, shown: row.querySelector('.control-value').textContent, valuetext: input.getAttribute('aria-valuetext'), want: formatValue(c, value), range: input.type === 'range' };
    });
  }, slug);
}

function assertShown(rows, when) {
  for (const r of rows) {
    assert.equal(r.shown, r.want, `${r.key} ${when}: the label shows ${r.shown}, the control is at ${r.want}`);
    if (r.range) assert.equal(r.valuetext, r.want, `${r.key} ${when}: aria-valuetext`);
  }
}

/**
 * Define the suites of every `shards`-th lesson, starting at index `shard`. Within a lesson the
 * tests share one desktop page, as one learner would: untouched first (loads, accessibility,
 * keyboard), then every control, every preset, links, the prompts and the exercise, then a reload
 * (the same numbers, the progress kept); then the same page zoomed to 200%. A phone gets a tab of
 * its own (opened from a malformed link). Opening a page costs a WebAssembly compile and a full
 * run, so the suite opens two per lesson instead of a dozen, as tabs of the file's shared browser
 * context; `_hide` and `learn=0` are checked where a course page sets them, in the custom element
 * of embed.test.mjs.
 */
export function lessonSuites(shard, shards) {
  for (const slug of LESSONS.filter((_, i) => i % shards === shard)) {
    describe(`lesson ${slug}`, () => {
      let page; // the learner's desktop page, shared by the tests below, in order
      before(async () => {
        const { url } = await site();
        page = await open(`${url}lessons/${slug}.html`);
      });
      after(async () => page?.closeAll());

      test('untouched, it loads with no console error or failed request, draws every chart, shows every value, and axe-core reports no accessibility violations', async () => {
        const figs = await digests(page);
        assert.ok(Object.keys(figs).length >= 2, 'at least two charts');
        for (const [name, d] of Object.entries(figs)) assert.ok(d, `chart ${name} was drawn`);
        assert.ok((await page.locator('figure[data-chart] svg').count()) >= Object.keys(figs).length, 'every chart is an SVG');
        assert.ok((await page.locator('math').count()) >= 1, 'formulas render as MathML');
        assert.equal(await page.locator('.status').getAttribute('data-state'), 'ok');
        assertShown(await shownValues(page, slug), 'untouched');
        await page.evaluate(axeSource); // through the DevTools protocol, not subject to the page's CSP
        const result = await page.evaluate(() => globalThis.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
        const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
        assert.deepEqual(violations, []);
        assert.deepEqual(page.problems, []);
      });

      test('the keyboard alone operates the presets and the controls', async () => {
        // Tab from the top of the page to the first preset button and press Enter.
        await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
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
      });

      test('moving each control changes what the charts show, and its label follows', async () => {
        // from an idle page: a run the last test left going would count as this move's
        await idle(page);
        const keys = await page.$$eval('.control[data-key]', (rows) => rows.map((r) => r.dataset.key));
        assert.ok(keys.length >= 3);
        for (const key of keys) {
          const before = await digests(page);
          const n = await doneCount(page);
          assert.ok(await nudge(page, key), `${key}: the control moved`);
          assertShown(await shownValues(page, slug), `after the keyboard moved ${key}`);
          // the next move may interrupt this run (as a learner's would): wait until a chart shows
          // something new, or the run has finished
          await page.waitForFunction(({ n, before }) => {
            if (Number(document.querySelector('[data-lesson]')?.dataset.done ?? 0) >= n + 1) return true;
            return [...document.querySelectorAll('figure[data-chart]')].some((f) => (f.dataset.digest ?? null) !== before[f.dataset.chart]);
          }, { n, before }, { timeout: 180000 });
          const after = await digests(page);
          assert.notDeepEqual(after, before, `${key}: some chart changed`);
        }
        await idle(page);
        assert.deepEqual(page.problems, []);
      });

      test('every preset sets its whole state and draws every chart with marks and numbers (no raw TeX, no page of dashes)', async () => {
        const presets = await page.evaluate(async (slug) => {
          const { default: spec } = await import(`/lessons/${slug}.json`, { with: { type: 'json' } });
          const defaults = Object.fromEntries(spec.controls.map((c) => [c.key, c.default]));
          return (spec.presets ?? []).map((p) => ({ id: p.id, want: { ...defaults, ...p.state } }));
        }, slug);
        await idle(page);
        for (const { id, want } of presets) {
          const n = await doneCount(page);
          const before = Object.fromEntries((await shownValues(page, slug)).map((r) => [r.key, r.value]));
          await page.locator(`.presets button[data-preset="${id}"]`).click();
          // a preset whose state is already on screen starts no run
          if (JSON.stringify(before) !== JSON.stringify(want)) await waitDone(page, n + 1);
          await page.waitForFunction(() => document.querySelector('.status')?.dataset.state !== 'busy', null, { timeout: 180000 });
          assert.equal(await page.locator('.status').getAttribute('data-state'), 'ok', `preset ${id}: ${await page.locator('.status').textContent()}`);
          const shown = await shownValues(page, slug);
          assertShown(shown, `after the preset ${id}`);
          const got = Object.fromEntries(shown.map((r) => [r.key, r.value]));
          assert.deepEqual(got, want, `preset ${id}: every control at the preset's value`);
          const charts = await page.$$eval('figure[data-chart]', (fs) =>
            fs.map((f) => {
              const cells = [...f.querySelectorAll('table td')].map((td) => td.textContent.trim());
              return { name: f.dataset.chart, digest: f.dataset.digest ?? null, marks: f.dataset.marks !== undefined ? Number(f.dataset.marks) : f.querySelectorAll('svg :is(circle, rect, path, line, ellipse, polygon)').length, cells, dashes: cells.filter((c) => c === '—').length };
            }),
          );
          for (const c of charts) {
            assert.ok(c.digest, `preset ${id}: chart ${c.name} drew`);
            assert.ok(c.marks > 0, `preset ${id}: chart ${c.name} has marks of its own`);
            assert.ok(c.cells.length === 0 || c.dashes < c.cells.length / 2, `preset ${id}: chart ${c.name}'s table is mostly dashes (${c.dashes} of ${c.cells.length})`);
          }
          // (charts drawn without Plot — the causal graph, the reweighting view — count their own shapes)
          // formulas are typeset: no TeX command left in the text a learner reads
          const tex = await page.evaluate(() => {
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            const found = [];
            for (let t = walker.nextNode(); t; t = walker.nextNode()) {
              if (t.parentElement.closest('math, script, style, annotation')) continue;
              const m = t.textContent.match(/\\(frac|hat|sum|mathbb|mathrm|pi|beta|lambda|mid|le|ge|cdot|text)\b/);
              if (m) found.push(t.textContent.trim().slice(0, 60));
            }
            return found;
          });
          assert.deepEqual(tex, [], `preset ${id}: raw TeX on the page`);
        }
        assert.deepEqual(page.problems, []);
      });

      test('the value shown beside every control follows it: pointer and links', async () => {
        // pointer: click each slider a quarter and three quarters of the way along
        for (const input of await page.locator('.control input[type="range"]:visible').all()) {
          await input.scrollIntoViewIfNeeded();
          const box = await input.boundingBox();
          for (const at of [0.25, 0.75]) {
            await page.mouse.click(box.x + at * box.width, box.y + box.height / 2);
            assertShown(await shownValues(page, slug), `after a click at ${at * 100}% of a slider`);
          }
        }
        // a link (hash change) with another seed
        await idle(page);
        const n = await doneCount(page);
        await page.evaluate(() => { location.hash = location.hash.replace(/seed=\d+/, 'seed=4321'); });
        await waitDone(page, n + 1);
        const rows = await shownValues(page, slug);
        assertShown(rows, 'after a link changed the state');
        assert.equal(rows.find((r) => r.key === 'seed').value, 4321);
        assert.deepEqual(page.problems, []);
      });

      // on the page as the tests above left it: a prompt without a state of its own predicts the
      // run on screen, whatever state the learner reached
      if (hasLearning(slug)) test('predict, then check: every prompt wrong then right, the exercise wrong then solved', async () => {
        await idle(page);
        await checkLearning(page, slug);
        assert.deepEqual(page.problems, []);
      });

      test(`the URL hash round-trips the state: a reload reproduces the same numbers${hasLearning(slug) ? ', keeps the progress and the course map shows it' : ''}`, async () => {
        await idle(page);
        const keys = await page.$$eval('.control[data-key]', (rows) => rows.map((r) => r.dataset.key));
        // two moves, as a learner makes them: the second replaces the first's run
        const n = await doneCount(page);
        for (const key of keys.slice(0, 2)) await nudge(page, key);
        await waitDone(page, n + 1);
        await idle(page);
        const hash = await page.evaluate(() => location.hash);
        assert.match(hash, /^#v=1&/);
        const values = await page.$$eval('.control input, .control select', (xs) => xs.map((x) => x.value));
        const figs = await digests(page);
        await page.reload();
        await waitDone(page);
        assert.equal(await page.evaluate(() => location.hash), hash);
        assert.deepEqual(await page.$$eval('.control input, .control select', (xs) => xs.map((x) => x.value)), values);
        assert.deepEqual(await digests(page), figs);
        if (hasLearning(slug)) await checkProgressKept(page, slug, (await site()).url);
        assert.deepEqual(page.problems, []);
      });

      test('at 200% zoom (a 1280 px window shown 640 CSS px wide) the page does not scroll sideways', async () => {
        await page.setViewportSize({ width: 640, height: 450 });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `page is ${overflow}px wider than a 640px screen`);
        assert.deepEqual(page.problems, []);
      });

      test('on a 390 × 844 phone, opened from a malformed link: it falls back to defaults and says so; no sideways scrolling, the first chart stays in view while the controls move, and no chart text is cut or overlaps', async () => {
        const { url } = await site();
        const phone = await newPage({ viewport: { width: 390, height: 844 }, shared: true });
        // opened from a malformed link (one page load for both checks): defaults apply, and the page says so
        await phone.goto(`${url}lessons/${slug}.html#v=1&seed=banana&nonsense=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&v=9`);
        await waitDone(phone);
        const notice = phone.locator('.notice');
        assert.equal(await notice.isVisible(), true);
        assert.match(await notice.textContent(), /defaults apply/);
        assert.equal(await phone.locator('.notice img').count(), 0, 'URL content is never inserted as HTML');
        assertShown(await shownValues(phone, slug), 'after a malformed link');
        assert.equal((await shownValues(phone, slug)).find((r) => r.key === 'seed').value, await phone.evaluate(async (slug) => (await import(`/lessons/${slug}.json`, { with: { type: 'json' } })).default.controls.find((c) => c.key === 'seed').default, slug), 'the seed is back at its default');
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `page is ${overflow}px wider than a 390px screen`);
        await phone.locator('[data-lesson] .results').scrollIntoViewIfNeeded();
        await phone.evaluate(() => document.querySelector('[data-lesson] .results').scrollIntoView({ block: 'start' }));
        for (const input of (await phone.locator('.control input, .control select').all()).slice(0, 4)) {
          await input.focus();
          const seen = await phone.evaluate(() => {
            const svg = document.querySelector('figure[data-chart] svg[role="img"]');
            const drawer = document.querySelector('.controls-panel').getBoundingClientRect();
            const r = svg.getBoundingClientRect();
            return { top: r.top, bottom: r.bottom, drawerTop: drawer.top };
          });
          assert.ok(seen.bottom > 40 && seen.top < seen.drawerTop - 60, `the first chart is out of view while a control has focus: ${JSON.stringify(seen)}`);
        }
        const problems = await phone.evaluate(() => {
          const out = [];
          for (const fig of document.querySelectorAll('figure[data-chart]')) {
            const svg = fig.querySelector('svg[role="img"]');
            if (!svg) continue;
            const box = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll('text')].filter((t) => t.getAttribute('display') !== 'none' && t.textContent.trim());
            for (const t of texts) {
              const r = t.getBoundingClientRect();
              if (r.width > 0 && (r.left < box.left - 2 || r.right > box.right + 2)) out.push(`${fig.dataset.chart}: "${t.textContent}" is cut at the chart's edge`);
            }
            for (const g of svg.querySelectorAll('[data-mark$="tick label"]')) {
              const rs = [...g.querySelectorAll('text')].map((t) => [t.textContent, t.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
              for (let i = 1; i < rs.length; i++) {
                const [a, ra] = rs[i - 1];
                const [b, rb] = rs[i];
                const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
                const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
                if (w > 1 && h > 1) out.push(`${fig.dataset.chart}: tick labels "${a}" and "${b}" overlap`);
              }
            }
          }
          return out;
        });
        assert.deepEqual(problems, []);
        // the prediction prompts and the exercise (issue 15) fit the phone's width too
        if (hasLearning(slug)) {
          await phone.waitForFunction(() => !/Loading/.test(document.querySelector('.exercise-goal')?.textContent ?? 'Loading'), null, { timeout: 180000 });
          const wide = await phone.$$eval('[data-receval-prompt], [data-receval-exercise]', (xs) =>
            xs.filter((x) => x.getBoundingClientRect().right > 390 + 1 || x.scrollWidth > x.clientWidth + 1).map((x) => x.dataset.recevalPrompt ?? x.dataset.recevalExercise));
          assert.deepEqual(wide, [], 'no prompt or exercise is wider than a 390 px screen');
        }
        assert.deepEqual(phone.problems, []);
        await phone.closeAll();
      });

    });
  }
}
