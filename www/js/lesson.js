// The runtime every lesson page shares: state in the URL hash, controls and presets, a Web Worker
// that computes off the main thread and streams partial results, the share/embed panel, and the
// postMessage protocol for pages that embed the lesson in an iframe.
//
// A lesson page is plain HTML (prose, formulas, <figure data-chart="…"> slots) plus a module that
// calls startLesson({ slug, controls, presets, task, render }). `render(result, state, figures)`
// draws a (partial) result into the figures.
import { parseHash, serialize, validateState, defaults } from './state.js';
import { renderControls } from './controls.js';
import { TaskRunner } from './runner.js';
import { renderMath } from './math.js';
import { isMessage, HOST_TYPES, PROTOCOL_VERSION, parentOrigin } from './embed-protocol.js';
import { buildSharePanel } from './share.js';
import { mountLearning } from './learning.js';

export function startLesson(def) {
  const registry = def.controls;
  const root = document.querySelector(`[data-lesson="${def.slug}"]`);
  if (!root) throw new Error(`no element with data-lesson="${def.slug}"`);
  const $ = (sel) => root.querySelector(sel);
  const figures = {};
  for (const f of root.querySelectorAll('figure[data-chart]')) figures[f.dataset.chart] = f;

  let { state, hidden, embed, learn, problems } = parseHash(location.hash, registry);
  document.documentElement.classList.toggle('embedded', embed);
  const notice = $('.notice');
  const showProblems = (list) => {
    if (!notice) return;
    notice.hidden = list.length === 0;
    notice.textContent = list.length ? `Some settings in this link could not be used, so defaults apply: ${list.join('; ')}.` : '';
  };
  showProblems(problems);

  const status = $('.status');
  const progress = $('progress');
  const setStatus = (text, kind = 'ok') => {
    if (status) {
      status.textContent = text;
      status.dataset.state = kind;
    }
  };

  // ----- the controls' drawer on narrow screens (CSS shows the toggle only there) -----
  const panel = $('.controls-panel');
  const title = panel?.querySelector('.widget-title');
  if (panel && title) {
    const head = document.createElement('div');
    head.className = 'panel-head';
    title.replaceWith(head);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'drawer-toggle';
    toggle.setAttribute('aria-expanded', 'true');
    toggle.textContent = 'Hide controls';
    toggle.addEventListener('click', () => {
      const collapsed = panel.classList.toggle('collapsed');
      toggle.setAttribute('aria-expanded', String(!collapsed));
      toggle.textContent = collapsed ? 'Show controls' : 'Hide controls';
    });
    head.append(title, toggle);
  }

  // ----- controls and presets -----
  const controls = renderControls($('.controls'), registry, state, hidden, (key, value) => {
    state = { ...state, [key]: value };
    markPreset(null);
    changed('control');
  });
  const presetBar = $('.presets');
  const presetNote = $('.preset-note');
  function markPreset(id) {
    if (!presetBar) return;
    for (const b of presetBar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.preset === id));
    const p = def.presets?.find((x) => x.id === id);
    if (presetNote) {
      presetNote.textContent = p?.note ?? '';
      presetNote.hidden = !p;
    }
  }
  const presetState = (p) => ({ ...defaults(registry), ...p.state });
  if (presetBar && def.presets?.length) {
    for (const p of def.presets) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'preset';
      b.dataset.preset = p.id;
      b.textContent = p.label;
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', () => {
        // a preset is a whole setup, seed included: its note describes exactly what is shown
        state = presetState(p);
        controls.update(state, hidden);
        markPreset(p.id);
        changed('preset');
      });
      presetBar.append(b);
    }
  }

  // ----- share / embed -----
  const share = buildSharePanel($('.share'), { registry, slug: def.slug, getState: () => state, getHidden: () => hidden });

  // ----- computing -----
  const runner = new TaskRunner();
  // Inputs that are not part of the URL state (a file the learner loaded): sent with every run.
  const data = {};
  let pendingFrame = 0;
  let inputAt = 0;
  function changed(origin) {
    inputAt = performance.now();
    history.replaceState(null, '', `#${serialize(state, registry, { hidden, embed, learn })}`);
    share?.refresh();
    notifyParent('receval:state-changed');
    if (origin === 'control' && pendingFrame) return; // coalesce bursts of input events
    cancelAnimationFrame(pendingFrame);
    pendingFrame = requestAnimationFrame(() => {
      pendingFrame = 0;
      compute();
    });
  }

  // The last output drawn, the last finished run ({ output, state }), and who waits for the
  // current run to finish (prompts, exercises).
  let lastOutput = null;
  let lastDone = null;
  let waiting = [];
  function compute() {
    const snapshot = { ...state };
    const started = inputAt || performance.now();
    let first = true;
    let drawError = null;
    delete root.dataset.drawError;
    root.setAttribute('aria-busy', 'true');
    if (progress) {
      progress.hidden = false;
      progress.removeAttribute('value');
    }
    setStatus('Computing…', 'busy');
    runner.run(def.task, snapshot, {
      onPartial(result) {
        try {
          def.render(result, snapshot, figures, root);
          lastOutput = { output: result, state: snapshot };
        } catch (e) {
          // a draw failure is an error a learner and the tests see, and the run does not report "up to date"
          drawError = e;
          root.dataset.drawError = e.message;
          setStatus(`Could not draw the result: ${e.message}`, 'error');
          console.error(e);
          return;
        }
        if (first) {
          first = false;
          root.dataset.latency = String(Math.round(performance.now() - started));
        }
        root.dataset.renders = String(Number(root.dataset.renders ?? 0) + 1);
        if (result.progress && progress) {
          progress.max = result.progress.total;
          progress.value = result.progress.done;
        }
        if (result.progress && result.progress.done < result.progress.total) {
          const { done, total, unit } = result.progress;
          setStatus(Number.isInteger(done) ? `Computing… ${done} of ${total} ${unit ?? 'replicates'}` : `Computing… ${Math.round((100 * done) / total)}%`, 'busy');
        }
      },
      onDone() {
        root.setAttribute('aria-busy', 'false');
        if (progress) progress.hidden = true;
        if (!drawError) setStatus('Up to date.', 'ok');
        lastDone = !drawError && lastOutput?.state === snapshot ? lastOutput : null;
        root.dataset.done = String(Number(root.dataset.done ?? 0) + 1);
        notifyParent('receval:resize');
        const done = waiting;
        waiting = [];
        for (const w of done) (drawError ? w.reject(drawError) : w.resolve(lastOutput));
      },
      onError(e) {
        root.setAttribute('aria-busy', 'false');
        if (progress) progress.hidden = true;
        setStatus(`Something went wrong: ${e.message}`, 'error');
        const done = waiting;
        waiting = [];
        for (const w of done) w.reject(e);
      },
    }, data);
  }

  // ----- embedding: postMessage protocol -----
  const embedder = parentOrigin();
  function notifyParent(type, extra = {}) {
    if (window.parent === window) return;
    const msg = { type, lesson: def.slug, version: PROTOCOL_VERSION, ...extra };
    if (type === 'receval:state-changed' || type === 'receval:ready') msg.state = { ...state };
    if (type === 'receval:resize' || type === 'receval:ready') msg.height = Math.ceil(document.documentElement.scrollHeight);
    window.parent.postMessage(msg, embedder ?? '*');
  }
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || window.parent === window) return;
    if (embedder && event.origin !== embedder) return;
    if (!isMessage(event.data, HOST_TYPES)) return;
    if (event.data.type === 'receval:get-state') {
      notifyParent('receval:state-changed');
      return;
    }
    const v = validateState(event.data.state, registry);
    if (!v.ok) {
      notifyParent('receval:error', { message: `set-state refused: ${v.reason}` });
      return;
    }
    state = { ...state, ...v.state };
    controls.update(state, hidden);
    markPreset(null);
    changed('message');
  });
  if (window.parent !== window && 'ResizeObserver' in window) {
    let last = 0;
    new ResizeObserver(() => {
      const h = Math.ceil(document.documentElement.scrollHeight);
      if (h !== last) {
        last = h;
        notifyParent('receval:resize');
      }
    }).observe(document.body);
  }

  window.addEventListener('hashchange', () => {
    const parsed = parseHash(location.hash, registry);
    if (serialize(parsed.state, registry, { hidden: parsed.hidden, embed: parsed.embed, learn: parsed.learn }) === serialize(state, registry, { hidden, embed, learn })) return;
    ({ state, hidden, embed, learn } = parsed);
    document.documentElement.classList.toggle('embedded', embed);
    showProblems(parsed.problems);
    controls.update(state, hidden);
    changed('hash');
  });

  renderMath(document);
  const initialPreset = def.presets?.find((p) => Object.entries(presetState(p)).every(([k, v]) => state[k] === v));
  markPreset(initialPreset?.id ?? null);
  runner.ready.then(
    () => {
      notifyParent('receval:ready');
      compute();
    },
    (e) => setStatus(`The simulation could not start: ${e.message}`, 'error'),
  );
  const api = {
    slug: def.slug,
    get state() {
      return state;
    },
    /** Change some controls (as a learner would), recompute, and resolve with { output, state } once done. */
    setState(partial) {
      const next = { ...state, ...partial };
      // the same state as the last finished run, with nothing running: the core is deterministic,
      // so that run's output is the answer (a learner checking a prediction again waits for nothing)
      const idle = !pendingFrame && root.getAttribute('aria-busy') !== 'true';
      const key = serialize(next, registry);
      if (idle && lastDone && key === serialize(lastDone.state, registry) && key === serialize(state, registry)) {
        return Promise.resolve(lastDone);
      }
      state = next;
      controls.update(state, hidden);
      markPreset(null);
      const p = api.whenDone();
      changed('program');
      return p;
    },
    /** The next finished run's { output, state }. */
    whenDone() {
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    /** The inputs that are not in the URL (a lesson's files), as the runs get them. */
    get data() {
      return { ...data };
    },
    /** The last output drawn and its state (null before the first). */
    get last() {
      return lastOutput;
    },
    /** A synchronous core call in the worker (exercises), once the worker is ready. */
    call(fn, args) {
      return runner.ready.then(() => runner.call(fn, args));
    },
    /** Attach (or with `undefined`, remove) an input that is not in the URL, and recompute. */
    setData(key, value) {
      if (value === undefined) delete data[key];
      else data[key] = value;
      compute();
    },
  };
  if (def.learning) mountLearning(root, def, api, { notify: (detail) => notifyParent('receval:progress', detail), show: learn, embed });
  return api;
}
