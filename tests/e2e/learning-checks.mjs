// Learning by predicting (issue 15), checked on a lesson page the lesson suite has open: each
// prompt answered wrong, then right, with feedback that matches the computed outcome; the exercise
// answered wrong until its worked solution appears, then right; then, after the suite's reload,
// progress kept and shown on the course map (opened beside the lesson, in the same browser context).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { watch } from './helpers.mjs';

const spec = (slug) => JSON.parse(readFileSync(new URL(`../../www/lessons/${slug}.json`, import.meta.url), 'utf8'));

/** Answer the prompt in `box` with `value` (an option's value, or a number) and return its feedback. */
async function answerPrompt(box, value) {
  if (await box.locator('input[type=radio]').count()) {
    await box.locator(`input[type=radio][data-value="${value}"]`).check();
  } else {
    await box.locator('input[type=number]').fill(String(value));
  }
  const before = await box.locator('[role=status]').textContent();
  await box.locator('button.check').click();
  await box.page().waitForFunction((b) => b.querySelector('[role=status]')?.dataset.correct !== undefined && !/^Running/.test(b.querySelector('[role=status]').textContent), await box.elementHandle(), { timeout: 180000 });
  const fb = box.locator('[role=status]');
  const text = await fb.textContent();
  const r = { correct: (await fb.getAttribute('data-correct')) === 'true', answer: JSON.parse((await fb.getAttribute('data-answer')) ?? 'null'), text, before };
  // reset the marker so that the next answer waits for its own feedback
  await box.evaluate((b) => delete b.querySelector('[role=status]').dataset.correct);
  return r;
}

/** The values of a choice input's options (empty for a number input). */
const optionValues = (box) => box.locator('input[type=radio]').evaluateAll((xs) => xs.map((x) => x.dataset.value));

/** Give the exercise in `ex` the answer `value` (an option's value, or a number) and wait for its verdict. */
async function answerExercise(page, ex, value, attempt) {
  if (await ex.locator('input[type=radio]').count()) await ex.locator(`input[type=radio][data-value="${value}"]`).check();
  else await ex.locator('input[type=number]').fill(String(value));
  await ex.locator('button.check').click();
  await page.waitForFunction((k) => JSON.parse(localStorage.getItem('receval:progress:v1') ?? '{}')?.[document.querySelector('[data-lesson]').dataset.lesson]?.[document.querySelector('[data-receval-exercise]').dataset.recevalExercise]?.attempts >= k, attempt, { timeout: 180000 });
  await page.waitForFunction(() => document.querySelector('.exercise-feedback')?.dataset.correct !== undefined, null, { timeout: 180000 });
  const fb = ex.locator('.exercise-feedback');
  const r = { correct: (await fb.getAttribute('data-correct')) === 'true', text: await fb.textContent() };
  await ex.evaluate((b) => delete b.querySelector('.exercise-feedback').dataset.correct);
  return r;
}

/**
 * Drive every prompt and the exercise of lesson `slug` on `page` (a desktop page of the lesson whose
 * runs have finished). `checkProgressKept` checks, after a reload, what they left.
 */
export async function checkLearning(page, slug) {
  const ids = spec(slug).course.learning;
  const prompts = await page.$$eval('[data-receval-prompt]', (xs) => xs.map((x) => x.getAttribute('data-receval-prompt')));
  const exercises = await page.$$eval('[data-receval-exercise]', (xs) => xs.map((x) => x.getAttribute('data-receval-exercise')));
  assert.deepEqual([...prompts, ...exercises].sort(), [...ids].sort(), 'the page holds exactly the items its spec lists');
  assert.ok(prompts.length >= 2 && prompts.length <= 3, `${prompts.length} prompts`);
  assert.equal(exercises.length, 1);
  for (const id of prompts) {
    const box = page.locator(`[data-receval-prompt="${id}"]`);
    await box.scrollIntoViewIfNeeded();
    const options = await optionValues(box);
    // a first answer reveals the computed outcome; then answer wrong and right on purpose
    const numeric = options.length ? null : box.locator('input[type=number]');
    const min = numeric ? Number(await numeric.getAttribute('min')) : 0;
    const max = numeric ? Number(await numeric.getAttribute('max')) : 0;
    const first = await answerPrompt(box, options.length ? options[0] : min);
    assert.ok(first.answer !== null, `${id}: the feedback carries the computed answer`);
    if (options.length) assert.ok(options.includes(first.answer), `${id}: the computed answer ${first.answer} is one of the options`);
    const wrongValue = options.length ? options.find((o) => o !== first.answer) : Math.abs(first.answer - min) > Math.abs(first.answer - max) ? min : max;
    const wrong = await answerPrompt(box, wrongValue);
    assert.ok(!wrong.correct, `${id}: a wrong answer is marked wrong`);
    assert.match(wrong.text, /Not this time/);
    const right = await answerPrompt(box, first.answer);
    assert.ok(right.correct, `${id}: the computed answer is marked right: ${right.text}`);
    assert.match(right.text, /Right/);
    assert.equal(right.answer, first.answer, `${id}: the same state gives the same outcome`);
  }
  const ex = page.locator('[data-receval-exercise]');
  await ex.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('.exercise-goal').textContent));
  assert.ok((await ex.locator('.exercise-goal').textContent()).length > 40, 'the exercise states its goal');
  await ex.locator('button.hint').click();
  assert.equal(await ex.locator('.hints li').count(), 1, 'hints come one at a time');
  const exOptions = await optionValues(ex);
  const solution = ex.locator('details.solution');
  let attempts = 0;
  let wrongs = 0;
  if (exOptions.length) {
    // options in turn until one was wrong and the worked solution shows (after a right answer or three tries)
    for (const o of exOptions) {
      const r = await answerExercise(page, ex, o, ++attempts);
      if (!r.correct) {
        wrongs++;
        assert.match(r.text, /Not this time/);
      }
      if (wrongs > 0 && (await solution.isVisible())) break;
    }
  } else {
    const input = ex.locator('input[type=number]');
    const [min, max] = [await input.getAttribute('min'), await input.getAttribute('max')];
    for (let i = 0; i < 3; i++) {
      const r = await answerExercise(page, ex, i % 2 ? min : max, ++attempts);
      assert.ok(!r.correct, `an end of the range is not the answer: ${r.text}`);
      wrongs++;
    }
  }
  assert.ok(wrongs > 0, 'a wrong answer was checked');
  await solution.waitFor({ state: 'visible' });
  const answer = JSON.parse(await solution.getAttribute('data-answer'));
  const solved = await answerExercise(page, ex, answer, ++attempts);
  assert.ok(solved.correct, `the worked solution's answer is right: ${solved.text}`);
  assert.match(solved.text, /Right/);
}

/**
 * After `checkLearning` and a reload of `page`: the progress survived (localStorage), and the
 * course map at `url` marks the lesson complete; its "reset progress" leaves the storage empty
 * again, as the next lesson's checks expect.
 */
export async function checkProgressKept(page, slug, url) {
  const prompts = await page.$$eval('[data-receval-prompt]', (xs) => xs.map((x) => x.getAttribute('data-receval-prompt')));
  for (const id of prompts) assert.match(await page.locator(`[data-receval-prompt="${id}"] [role=status]`).textContent(), /correctly before/);
  await page.waitForFunction(() => /solved this one before/.test(document.querySelector('.exercise-feedback').textContent), null, { timeout: 180000 });
  const map = watch(await page.context().newPage());
  await map.goto(url);
  await map.waitForFunction(() => document.getElementById('lesson-list').dataset.mapped === 'true');
  const li = map.locator(`.lesson-list li[data-slug="${slug}"]`);
  assert.equal(await li.getAttribute('data-complete'), 'true');
  assert.match(await li.locator('.lesson-progress').textContent(), /Completed/);
  await map.click('#reset-progress');
  assert.equal(await li.getAttribute('data-complete'), 'false');
  assert.equal(await map.evaluate(() => localStorage.getItem('receval:progress:v1')), '{}', 'no progress is left for the next lesson');
  assert.deepEqual(map.problems, []);
  await map.close();
}
