// Learning by predicting: "predict, then check" prompts, a checked exercise, and the learner's
// progress (kept in this browser's localStorage under PROGRESS_KEY; reset from the course map).
//
// A lesson lists them in `learning: { prompts, exercise }` (see docs/authoring-lessons.md) and places
// an empty container for each in its page: <div data-receval-prompt="ID"></div>,
// <section data-receval-exercise="ID"></section>. A prompt asks for a prediction about a state of
// the lesson, runs the lesson there, and compares the prediction with the live result; the lesson's
// `reveal(output, state, guess)` says what happened and why, from the numbers just computed. An
// exercise's instance, its check and its worked solution come from the Rust core (the worker's
// `exercise` call), seeded per learner so that two learners get comparable, not identical, problems.
// Every answer is recorded and announced (receval:progress to an embedding page). A prompt's
// `state`, like a preset's, is a whole setup: the controls' defaults, then its own values, so that
// its question describes what is computed whatever the learner had set before.
import { defaults } from './state.js';

export const PROGRESS_KEY = 'receval:progress:v1';
const LEARNER_KEY = 'receval:learner:v1';

/** Everything recorded in this browser: { [lesson]: { [item]: { kind, attempts, correct, guess } } }. */
export function readProgress() {
  try {
    const p = JSON.parse(localStorage.getItem(PROGRESS_KEY) ?? '{}');
    return p && typeof p === 'object' && !Array.isArray(p) ? p : {};
  } catch {
    return {};
  }
}

function writeProgress(p) {
  try {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify(p));
  } catch {
    /* storage full or disabled: progress is simply not kept */
  }
}

/** Forget the recorded progress of one lesson, or of every lesson. */
export function resetProgress(slug) {
  if (slug === undefined) writeProgress({});
  else {
    const p = readProgress();
    delete p[slug];
    writeProgress(p);
  }
}

/** Record an answer; returns the item's record after it. */
export function recordAnswer(slug, item, kind, correct, guess) {
  const p = readProgress();
  const lesson = (p[slug] ??= {});
  const r = (lesson[item] ??= { kind, attempts: 0, correct: false });
  r.attempts += 1;
  r.correct = r.correct || correct;
  r.last = correct;
  r.guess = guess;
  writeProgress(p);
  return r;
}

/** A lesson is complete when every prompt and its exercise have been answered correctly once. */
export function lessonComplete(slug, items) {
  const lesson = readProgress()[slug] ?? {};
  return items.length > 0 && items.every((id) => lesson[id]?.correct);
}

/** This browser's learner seed (a random 31-bit integer, kept), which exercises are drawn from. */
export function learnerSeed() {
  try {
    let s = Number(localStorage.getItem(LEARNER_KEY));
    if (!Number.isInteger(s) || s <= 0) {
      s = 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % 2147483646);
      localStorage.setItem(LEARNER_KEY, String(s));
    }
    return s;
  } catch {
    return 1;
  }
}

const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};

let uid = 0;

/**
 * An answer input of `spec.kind`: "choice" (options: [{ value, label }]), "number" (min, max, step,
 * unit; a slider to drag and a box to type, kept together), or "order" (items: [{ value, label }],
 * moved with buttons). Returns { node, value(), set(v), disable(flag) }.
 */
function answerInput(spec, label) {
  const id = `learn${++uid}`;
  if (spec.kind === 'choice') {
    const fs = el('fieldset', { class: 'answer choice' }, el('legend', { class: 'visually-hidden' }, label));
    const radios = spec.options.map((o, i) => {
      const r = el('input', { type: 'radio', name: id, id: `${id}-${i}`, value: String(i), 'data-value': String(o.value) });
      fs.append(el('div', { class: 'option' }, r, el('label', { for: `${id}-${i}` }, o.label)));
      return r;
    });
    return {
      node: fs,
      value: () => {
        const i = radios.findIndex((r) => r.checked);
        return i < 0 ? undefined : spec.options[i].value;
      },
      set: (v) => radios.forEach((r, i) => (r.checked = spec.options[i].value === v)),
      disable: (d) => radios.forEach((r) => (r.disabled = d)),
    };
  }
  if (spec.kind === 'number') {
    const range = el('input', { type: 'range', id: `${id}-range`, min: String(spec.min), max: String(spec.max), step: String(spec.step), 'aria-label': `${label} (drag)` });
    const box = el('input', { type: 'number', id, min: String(spec.min), max: String(spec.max), step: String(spec.step), class: 'answer-number' });
    const mid = spec.start ?? (spec.min + spec.max) / 2;
    range.value = box.value = String(mid);
    range.addEventListener('input', () => (box.value = range.value));
    box.addEventListener('input', () => {
      if (box.value !== '') range.value = box.value;
    });
    const node = el('div', { class: 'answer number' }, el('label', { for: id }, label), el('div', { class: 'answer-row' }, range, box, spec.unit ? el('span', { class: 'unit' }, spec.unit) : null));
    return {
      node,
      value: () => (box.value === '' || !Number.isFinite(Number(box.value)) ? undefined : Number(box.value)),
      set: (v) => (range.value = box.value = String(v)),
      disable: (d) => (range.disabled = box.disabled = d),
    };
  }
  if (spec.kind === 'order') {
    let order = spec.items.map((it) => it.value);
    const list = el('ol', { class: 'answer order', 'aria-label': label });
    const draw = () => {
      list.replaceChildren(
        ...order.map((v, i) => {
          const it = spec.items.find((x) => x.value === v);
          const up = el('button', { type: 'button', 'aria-label': `Move ${it.label} up`, disabled: i === 0 }, '↑');
          const down = el('button', { type: 'button', 'aria-label': `Move ${it.label} down`, disabled: i === order.length - 1 }, '↓');
          up.addEventListener('click', () => {
            [order[i - 1], order[i]] = [order[i], order[i - 1]];
            draw();
            list.querySelectorAll('button')[Math.max(0, 2 * (i - 1))]?.focus();
          });
          down.addEventListener('click', () => {
            [order[i + 1], order[i]] = [order[i], order[i + 1]];
            draw();
            list.querySelectorAll('button')[Math.min(2 * order.length - 1, 2 * (i + 1) + 1)]?.focus();
          });
          return el('li', {}, el('span', { class: 'item' }, it.label), up, down);
        }),
      );
    };
    draw();
    return {
      node: list,
      value: () => [...order],
      set: (v) => {
        if (Array.isArray(v) && v.length === order.length) order = [...v];
        draw();
      },
      disable: (d) => list.querySelectorAll('button').forEach((b) => (b.disabled = d)),
    };
  }
  throw new Error(`unknown answer kind ${spec.kind}`);
}

/** Show `text` (and a ✓/✗) as the feedback of a prompt or exercise. */
function feedback(node, correct, lines) {
  node.replaceChildren(
    el('strong', { class: correct ? 'right' : 'wrong' }, correct ? '✓ Right. ' : '✗ Not this time. '),
    ...lines.flatMap((l, i) => (i ? [el('br'), l] : [l])),
  );
  node.dataset.correct = String(correct);
}

function mountPrompt(container, prompt, ctx) {
  container.classList.add('prompt');
  const input = answerInput(prompt.answer, prompt.answerLabel ?? 'Your prediction');
  const check = el('button', { type: 'button', class: 'check' }, prompt.button ?? 'Check my prediction');
  const out = el('p', { class: 'prompt-feedback', role: 'status', 'aria-live': 'polite' });
  container.replaceChildren(el('p', { class: 'prompt-label' }, 'Predict, then check'), el('p', { class: 'prompt-q' }, prompt.question), input.node, check, out);
  const previous = ctx.progress[prompt.id];
  if (previous?.guess !== undefined) {
    input.set(previous.guess);
    out.textContent = previous.correct ? 'You answered this one correctly before. Check again to see this run.' : 'You tried this one before. Check again to see this run.';
  }
  check.addEventListener('click', async () => {
    const guess = input.value();
    if (guess === undefined) {
      out.textContent = 'Make a prediction first.';
      return;
    }
    check.disabled = true;
    input.disable(true);
    out.textContent = 'Running the lesson there…';
    try {
      const { output, state } = prompt.state ? await ctx.api.setState({ ...defaults(ctx.controls), ...prompt.state }) : ctx.api.last ?? (await ctx.api.whenDone());
      const r = prompt.reveal(output, state, guess);
      feedback(out, r.correct, [r.outcome, r.why]);
      out.dataset.answer = JSON.stringify(r.answer);
      const rec = recordAnswer(ctx.slug, prompt.id, 'prediction', r.correct, guess);
      ctx.announce(prompt.id, 'prediction', r.correct, rec.attempts);
    } catch (e) {
      out.textContent = `The lesson could not run: ${e.message}`;
    } finally {
      check.disabled = false;
      input.disable(false);
    }
  });
}

function mountExercise(container, ex, ctx) {
  container.classList.add('exercise');
  const seed = ctx.seed;
  const title = el('h3', {}, ex.title ?? 'Exercise');
  const goal = el('p', { class: 'exercise-goal' }, 'Loading your problem…');
  let input = answerInput(ex.answer, ex.answerLabel ?? 'Your answer');
  const check = el('button', { type: 'button', class: 'check' }, 'Check my answer');
  const hint = el('button', { type: 'button', class: 'hint' }, 'A hint, please');
  const hints = el('ol', { class: 'hints' });
  const out = el('p', { class: 'exercise-feedback', role: 'status', 'aria-live': 'polite' });
  const solution = el('details', { class: 'solution', hidden: true }, el('summary', {}, 'Worked solution'), el('p', {}));
  const setup = el('button', { type: 'button', class: 'setup', hidden: true }, 'Set the controls for this problem');
  container.replaceChildren(title, goal, setup, input.node, el('div', { class: 'exercise-buttons' }, check, hint), hints, out, solution);
  setup.addEventListener('click', () => {
    if (instance?.state?.length) ctx.api.setState(ex.stateOf ? ex.stateOf(instance.state) : Object.fromEntries(instance.state)).catch(() => {});
  });
  let instance = null;
  let shownHints = 0;
  const previous = ctx.progress[ex.id];
  // an exercise about the lesson's files (ex.withData) gets the page's (the worker fills in defaults)
  const withData = () => (ex.withData ? { data: ctx.api.data } : {});
  ctx.call('exercise', { lesson: ctx.slug, id: ex.id, seed, ...withData() }).then(
    (inst) => {
      instance = inst;
      goal.textContent = inst.goal;
      setup.hidden = !inst.state?.length;
      if (inst.options?.length) {
        // options that depend on the instance (e.g. the candidates of this learner's problem)
        const list = inst.options.map(([value, label]) => ({ value, label }));
        const fresh = answerInput({ ...ex.answer, options: list, items: list }, ex.answerLabel ?? 'Your answer');
        input.node.replaceWith(fresh.node);
        input = fresh;
      }
      if (previous?.guess !== undefined) input.set(previous.guess);
      if (previous?.correct) out.textContent = 'You solved this one before.';
    },
    (e) => (goal.textContent = `The exercise could not be prepared: ${e.message}`),
  );
  hint.addEventListener('click', () => {
    if (!instance) return;
    if (shownHints < instance.hints.length) hints.append(el('li', {}, instance.hints[shownHints++]));
    if (shownHints >= instance.hints.length) hint.disabled = true;
  });
  check.addEventListener('click', async () => {
    const answer = input.value();
    if (!instance || answer === undefined) {
      out.textContent = 'Give an answer first.';
      return;
    }
    check.disabled = true;
    try {
      const r = await ctx.call('checkExercise', { lesson: ctx.slug, id: ex.id, seed, answer, ...withData() });
      feedback(out, r.correct, [r.message]);
      const rec = recordAnswer(ctx.slug, ex.id, 'exercise', r.correct, answer);
      ctx.announce(ex.id, 'exercise', r.correct, rec.attempts);
      if (r.correct || rec.attempts >= 3) {
        solution.hidden = false;
        solution.querySelector('p').textContent = r.solution;
        solution.dataset.answer = JSON.stringify(r.answer);
      }
    } catch (e) {
      out.textContent = `The answer could not be checked: ${e.message}`;
    } finally {
      check.disabled = false;
    }
  });
}

/**
 * Mount a lesson's prompts and exercise. `api` is the lesson's (setState, whenDone, last, call);
 * `notify(detail)` tells an embedding page; `show` false hides them all (learn=0 in the link);
 * `embed` moves them after the widget (an embedded lesson shows no prose).
 */
export function mountLearning(root, def, api, { notify, show, embed }) {
  const { prompts = [], exercise } = def.learning;
  const containers = [
    ...prompts.map((p) => [p, document.querySelector(`[data-receval-prompt="${p.id}"]`)]),
    ...(exercise ? [[exercise, document.querySelector(`[data-receval-exercise="${exercise.id}"]`)]] : []),
  ];
  for (const [item, c] of containers) if (!c) throw new Error(`lesson ${def.slug}: no container for ${item.id}`);
  if (!show) {
    for (const [, c] of containers) c.hidden = true;
    return;
  }
  if (embed) {
    // an embed shows the widget without the page's text: bring the prompts and the exercise along,
    // after the widget
    const section = document.createElement('section');
    section.className = 'learning-embed';
    section.setAttribute('aria-label', 'Predict, then check; exercise');
    section.append(...containers.map(([, c]) => c));
    root.after(section);
  }
  const ctx = {
    slug: def.slug,
    controls: def.controls,
    api,
    call: api.call,
    seed: learnerSeed(),
    progress: readProgress()[def.slug] ?? {},
    announce(item, kind, correct, attempts) {
      const detail = { lesson: def.slug, item, kind, correct, attempts };
      notify(detail);
      document.dispatchEvent(new CustomEvent('receval:progress', { detail }));
    },
  };
  for (const p of prompts) mountPrompt(document.querySelector(`[data-receval-prompt="${p.id}"]`), p, ctx);
  if (exercise) mountExercise(document.querySelector(`[data-receval-exercise="${exercise.id}"]`), exercise, ctx);
}
