// The course map: proves the Wasm module loads in this browser, and shows for each lesson its
// learning goals, time, what to read first, and the learner's progress (kept in this browser; see
// learning.js), with a way to forget it.
import { readProgress, resetProgress, lessonComplete } from './learning.js';

const status = document.getElementById('wasm-status');
const result = document.getElementById('wasm-result');

async function courseMap() {
  const items = [...document.querySelectorAll('.lesson-list a[href^="lessons/"]')];
  const titles = Object.fromEntries(items.map((a) => [a.getAttribute('href').slice(8, -5), a.textContent]));
  const progress = readProgress();
  let any = false;
  await Promise.all(
    items.map(async (a) => {
      const slug = a.getAttribute('href').slice(8, -5);
      let spec;
      try {
        spec = await (await fetch(`lessons/${slug}.json`)).json();
      } catch {
        return;
      }
      const course = spec.course;
      if (!course) return;
      const li = a.closest('li');
      li.dataset.slug = slug;
      const meta = document.createElement('p');
      meta.className = 'lesson-meta';
      const after = (course.after ?? []).map((s) => titles[s] ?? s);
      meta.textContent = `About ${course.minutes} minutes${after.length ? ` · after ${after.join(', ')}` : ''}`;
      const goals = document.createElement('ul');
      goals.className = 'lesson-goals';
      for (const g of course.goals ?? []) {
        const x = document.createElement('li');
        x.textContent = g;
        goals.append(x);
      }
      const mark = document.createElement('p');
      mark.className = 'lesson-progress';
      const ids = course.learning ?? [];
      const answered = ids.filter((id) => progress[slug]?.[id]?.correct).length;
      if (answered) any = true;
      const complete = lessonComplete(slug, ids);
      li.dataset.complete = String(complete);
      mark.textContent = complete ? '✓ Completed' : ids.length ? `${answered} of ${ids.length} predictions and exercise done` : '';
      li.append(meta, goals, mark);
    }),
  );
  const reset = document.getElementById('reset-progress');
  if (reset) {
    reset.hidden = !any;
    reset.addEventListener('click', () => {
      resetProgress();
      for (const m of document.querySelectorAll('.lesson-progress')) m.remove();
      for (const li of document.querySelectorAll('.lesson-list li[data-slug]')) li.dataset.complete = 'false';
      reset.hidden = true;
      document.getElementById('reset-note').textContent = 'Your progress in this browser was forgotten.';
    });
  }
  document.getElementById('lesson-list').dataset.mapped = 'true';
}

courseMap();

try {
  const { estimatePolicyValue, version } = await import('../pkg/estimators/receval.js');
  // Eight logged rounds from a uniform logger over two actions; the candidate always plays action 1.
  const log = {
    reward: [1, 0, 1, 0, 0, 1, 1, 0],
    action: [1, 0, 1, 1, 0, 1, 0, 0],
    pscore: new Float64Array(8).fill(0.5),
    actionDist: Array.from({ length: 16 }, (_, i) => (i % 2 === 1 ? 1 : 0)),
    nActions: 2,
  };
  const ipw = estimatePolicyValue('ipw', log);
  status.textContent = `receval ${version()} is running in this browser.`;
  status.dataset.state = 'ok';
  result.textContent = `IPW estimate of "always action 1" from 8 uniform-random rounds: ${ipw.toFixed(3)}`;
  result.dataset.value = String(ipw);
  result.hidden = false;
} catch (e) {
  status.textContent = `The WebAssembly module did not load (${e.message}). Try a current browser, or check that the site was built with "make serve".`;
  status.dataset.state = 'error';
}
