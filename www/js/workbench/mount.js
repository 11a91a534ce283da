// The evaluation workbench: drop a log file, map its columns, get an off-policy evaluation report,
// all in this browser tab. `mountWorkbench(el, { file })` renders the whole workbench into `el`
// (www/evaluate.html calls it; the notebook widget does too). It loads its own worker, Wasm, charts
// and styles relative to this module's URL, so it works wherever the module is served from.
import { estimatesChart, fmt, pct, show, COLORS } from '../charts.js';
import { reportCsv } from './report.js';

const here = (path) => new URL(path, import.meta.url);

export const SAMPLES = [
  { id: 'obd', label: 'Open Bandit Dataset sample', file: 'obd-random-bts.csv', note: 'Real logs: 10,000 uniformly random impressions from ZOZOTOWN; the target is the Bernoulli Thompson-sampling policy that ran beside it (its share of each item at each slot).' },
  { id: 'world', label: 'Simulated world sample', file: 'world-softmax.csv', note: 'A simulated log from receval’s world: a popularity-leaning logger and a relevance-seeking target over 10 items, with π_e for every action.' },
];

/** Load a classic script once (the chart libraries are UMD builds). */
function loadScript(url) {
  const href = url.href;
  const existing = [...document.scripts].find((s) => s.src === href);
  if (existing?.dataset.loaded) return Promise.resolve();
  return new Promise((resolve) => {
    const s = existing ?? document.createElement('script');
    s.addEventListener('load', () => { s.dataset.loaded = '1'; resolve(); });
    s.addEventListener('error', () => resolve());
    if (!existing) {
      s.src = href;
      document.head.append(s);
    }
  });
}

async function ensureLibraries() {
  if (!document.querySelector('link[data-workbench-css]')) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = here('../../css/workbench.css').href;
    link.dataset.workbenchCss = '1';
    document.head.append(link);
  }
  if (!globalThis.Plot) await loadScript(here('../../vendor/charts.min.js'));
}

/** Build an element: h('p', { className: 'x' }, 'text', child). Text is always text, never HTML. */
function h(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const MAPPING_FIELDS = [
  ['reward', 'Reward', true],
  ['action', 'Logged action', true],
  ['pscore', 'Logging propensity (pscore)', true],
  ['position', 'Position (optional)', false],
];

/** Render the workbench into `el`; optionally load `file` ({ name, text } or a File) right away. */
export async function mountWorkbench(el, { file } = {}) {
  if (!(el instanceof Element)) throw new Error('mountWorkbench: `el` must be a DOM element');
  if (file !== undefined && file !== null && !(file instanceof Blob) && (typeof file !== 'object' || typeof file.text !== 'string')) {
    throw new Error('mountWorkbench: `file` must be a File or { name, text } with the file’s text');
  }
  await ensureLibraries();
  const ui = buildUi(el);
  const wb = new Workbench(el, ui);
  if (file) {
    await wb.load(file instanceof Blob ? { file } : { name: file.name ?? 'data.csv', text: file.text }, { auto: true });
  }
  return wb;
}

function buildUi(el) {
  el.classList.add('workbench');
  const input = h('input', { type: 'file', accept: '.csv,.tsv,.txt,.parquet,.pq,.json,text/csv,application/json', className: 'file-input' });
  const drop = h('div', { className: 'drop', tabIndex: 0, role: 'group', ariaLabel: 'Load a log file' },
    h('p', {}, h('strong', {}, 'Drop a log file here'), ' (CSV, Parquet, or the JSON that log.toObpJson() exports), or ',
      h('label', { className: 'file-label' }, 'choose a file', input), '.'),
    h('p', { className: 'samples' }, 'No file at hand? Try a sample: ',
      ...SAMPLES.flatMap((s, i) => [i ? ' ' : '', h('button', { type: 'button', className: 'sample', dataset: { sample: s.id }, title: s.note }, s.label)])));
  const privacy = h('p', { className: 'privacy' },
    'Private by construction: your file is read and evaluated by WebAssembly inside this browser tab and is never uploaded. ',
    'The page’s Content-Security-Policy allows no connection to any other site, and the page sends nothing to its own server: its only requests fetch its own code and the sample files.');
  const progress = h('progress', { max: 1, ariaLabel: 'Progress of the evaluation' });
  const progressText = h('span', { className: 'progress-text' });
  const cancel = h('button', { type: 'button', className: 'cancel' }, 'Cancel');
  const progressBox = h('div', { className: 'progress', hidden: true, role: 'status', ariaLive: 'polite' }, progress, ' ', progressText, ' ', cancel);
  const status = h('p', { className: 'status', role: 'status', ariaLive: 'polite' });
  const problem = h('div', { className: 'problem', role: 'alert', hidden: true });
  const mapping = h('form', { className: 'mapping', hidden: true });
  const report = h('section', { className: 'report', hidden: true, ariaLabel: 'Evaluation report' });
  el.replaceChildren(privacy, drop, status, progressBox, problem, mapping, report);
  return { input, drop, progress, progressText, cancel, progressBox, status, problem, mapping, report };
}

class Workbench {
  constructor(el, ui) {
    this.el = el;
    this.ui = ui;
    this.worker = null;
    this.pending = null;
    ui.input.addEventListener('change', () => {
      const f = ui.input.files?.[0];
      if (f) this.load({ file: f }, { auto: false });
      ui.input.value = '';
    });
    ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
    ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
    ui.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      ui.drop.classList.remove('over');
      const f = e.dataTransfer?.files?.[0];
      if (f) this.load({ file: f }, { auto: false });
    });
    ui.drop.querySelectorAll('button.sample').forEach((b) => b.addEventListener('click', () => {
      const s = SAMPLES.find((x) => x.id === b.dataset.sample);
      this.load({ url: here(`../../data/workbench/${s.file}`).href, name: s.file }, { auto: true });
    }));
    ui.cancel.addEventListener('click', () => this.cancel());
  }

  /** A fresh worker (a cancelled run is dropped with its worker). */
  startWorker() {
    this.worker?.terminate();
    this.worker = new Worker(here('./worker.js'), { type: 'module' });
    // A module worker drops messages that arrive before its imports (the Wasm) have loaded: wait
    // for its "ready".
    this.ready = new Promise((resolve) => {
      const onReady = (e) => {
        if (e.data?.type !== 'ready') return;
        this.worker.removeEventListener('message', onReady);
        resolve();
      };
      this.worker.addEventListener('message', onReady);
    });
    this.worker.addEventListener('message', (e) => this.receive(e.data));
    this.worker.addEventListener('error', (e) => {
      e.preventDefault?.();
      this.finish();
      this.showProblem(`The workbench could not start its worker (${e.message || 'is WebAssembly allowed here?'}).`);
      this.pending?.reject(new Error(e.message || 'worker failed'));
    });
  }

  send(msg) {
    if (!this.worker) this.startWorker();
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, type: msg.type };
      this.ready.then(() => { if (this.worker === worker) worker.postMessage(msg); });
    });
  }

  receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'progress') return this.showProgress(msg.phase, msg.fraction);
    if (msg.type === 'ready') return;
    const p = this.pending;
    this.pending = null;
    if (msg.type === 'inspected') p?.resolve(msg.info);
    else if (msg.type === 'report') p?.resolve(msg.report);
    else if (msg.type === 'error') p?.reject(Object.assign(new Error(msg.message), { problem: msg.problem }));
  }

  /** Load a source ({ file } | { name, text } | { url, name }); `auto` evaluates with the guessed mapping. */
  async load(source, { auto }) {
    this.source = source;
    this.clear();
    const name = source.file?.name ?? source.name;
    this.ui.status.textContent = `Reading ${name}…`;
    this.el.dataset.state = 'inspecting';
    try {
      this.info = await this.send({ type: 'inspect', ...source });
    } catch (e) {
      return this.failed(e);
    }
    this.renderMapping(name);
    if (auto || this.info.layout === 'obd') return this.evaluate();
    this.ui.status.textContent = `Check the columns of ${name}, then evaluate.`;
    this.el.dataset.state = 'mapping';
  }

  /** Evaluate with the current mapping. */
  async evaluate() {
    const mapping = this.readMapping();
    this.ui.problem.hidden = true;
    this.ui.report.hidden = true;
    this.showProgress('Reading the file', 0);
    this.el.dataset.state = 'running';
    const t0 = performance.now();
    try {
      const report = await this.send({ type: 'evaluate', ...this.source, info: this.info, mapping });
      report.timing = { ...report.timing, pageMs: Math.round(performance.now() - t0) };
      this.finish();
      this.report = report;
      this.renderReport(report);
      this.ui.status.textContent = `Report ready: ${report.nRounds.toLocaleString('en-US')} rounds in ${(report.timing.pageMs / 1000).toFixed(1)} s.`;
      this.el.dataset.state = 'report';
      this.el.dispatchEvent(new CustomEvent('workbench:report', { detail: { report } }));
    } catch (e) {
      this.failed(e);
    }
  }

  cancel() {
    if (!this.pending) return;
    this.worker?.terminate();
    this.worker = null;
    const p = this.pending;
    this.pending = null;
    this.finish();
    this.ui.status.textContent = 'Cancelled. Nothing was kept.';
    this.el.dataset.state = 'cancelled';
    p.reject(Object.assign(new Error('cancelled'), { cancelled: true }));
  }

  failed(e) {
    this.finish();
    if (e?.cancelled) return;
    this.showProblem(e.problem ? e.message : `The evaluation failed: ${e.message}`);
    this.ui.status.textContent = 'The file could not be evaluated; see the message below.';
    this.el.dataset.state = 'error';
    this.el.dispatchEvent(new CustomEvent('workbench:error', { detail: { message: e.message } }));
  }

  showProblem(text) {
    this.ui.problem.replaceChildren(h('strong', {}, 'Problem in the file: '), text);
    this.ui.problem.hidden = false;
  }

  showProgress(phase, fraction) {
    const { progressBox, progress, progressText } = this.ui;
    progressBox.hidden = false;
    if (Number.isFinite(fraction)) progress.value = fraction;
    else progress.removeAttribute('value');
    progressText.textContent = `${phase}${Number.isFinite(fraction) ? ` (${Math.round(100 * fraction)}%)` : ''}…`;
  }

  finish() {
    this.ui.progressBox.hidden = true;
  }

  clear() {
    this.ui.problem.hidden = true;
    this.ui.report.hidden = true;
    this.ui.mapping.hidden = true;
  }

  renderMapping(name) {
    const { info } = this;
    const form = this.ui.mapping;
    const cols = info.header;
    const select = (key, label, required) => {
      const s = h('select', { name: key, id: `wb-map-${key}` },
        required ? null : h('option', { value: '' }, '(none)'),
        ...cols.map((c) => h('option', { value: c, selected: info.mapping[key] === c }, c)));
      if (!info.mapping[key] && required) s.prepend(h('option', { value: '', selected: true }, '(choose)'));
      return h('label', { htmlFor: s.id }, label, s);
    };
    const hasPiECols = cols.some((c) => /^pi_e_\d+$/.test(c));
    const hasQ = cols.some((c) => /^q_\d+$/.test(c));
    const policy = h('select', { name: 'policy', id: 'wb-map-policy' },
      hasPiECols ? h('option', { value: 'columns', selected: info.mapping.policy === 'columns' }, 'columns pi_e_<a>: π_e for every action (all estimators)') : null,
      ...cols.filter((c) => !/^(pi_e|q)_\d+$/.test(c)).map((c) => h('option', { value: `logged:${c}`, selected: info.mapping.policy === 'logged' && info.mapping.piE === c }, `column ${c}: π_e of the logged action (IPS, SNIPS, replay)`)),
      h('option', { value: 'uniform', selected: info.mapping.policy === 'uniform' }, 'the uniform random policy (the file has none)'));
    const model = h('select', { name: 'rewardModel', id: 'wb-map-rewardModel' },
      hasQ ? h('option', { value: 'columns', selected: info.mapping.rewardModel === 'columns' }, 'columns q_<a> from the file') : null,
      h('option', { value: 'fit', selected: info.mapping.rewardModel === 'fit' }, 'fit one here (tabular, 5-fold cross-fitted)'),
      h('option', { value: 'none', selected: info.mapping.rewardModel === 'none' }, 'none (no DM or DR)'));
    const layoutNote = {
      obd: 'Recognised: the Open Bandit Dataset’s CSV layout (parsed by receval’s core as in the real-logs lesson; positions 1–3 become slots 0–2). It carries no evaluation policy, so the report evaluates the uniform random policy.',
      'obd-with-policy': 'Recognised: the Open Bandit Dataset’s columns (item_id → action, click → reward, propensity_score → pscore, positions counted from 1).',
      'obp-json': 'Recognised: OBP’s bandit_feedback JSON (as log.toObpJson() exports it).',
    }[info.layout];
    const preview = h('table', { className: 'preview' },
      h('thead', {}, h('tr', {}, ...cols.slice(0, 12).map((c) => h('th', { scope: 'col' }, c)), cols.length > 12 ? h('th', {}, `+${cols.length - 12} more`) : null)),
      h('tbody', {}, ...info.preview.map((r) => h('tr', {}, ...r.slice(0, 12).map((v) => h('td', {}, String(v))), cols.length > 12 ? h('td', {}, '…') : null))));
    form.replaceChildren(...[
      h('h2', {}, `Columns of ${name}`),
      layoutNote ? h('p', { className: 'layout-note' }, layoutNote) : null,
      h('details', { className: 'preview-box' }, h('summary', {}, 'First rows'), preview),
      h('div', { className: 'fields' },
        ...MAPPING_FIELDS.map(([k, l, r]) => select(k, l, r)),
        h('label', { htmlFor: policy.id }, 'Evaluation policy π_e', policy),
        h('label', { htmlFor: model.id }, 'Reward model for DM/DR', model)),
      h('button', { type: 'submit', className: 'evaluate' }, 'Evaluate')].filter(Boolean));
    if (info.layout === 'obd') form.querySelector('.fields').hidden = true;
    form.onsubmit = (e) => {
      e.preventDefault();
      this.evaluate();
    };
    form.hidden = false;
  }

  readMapping() {
    const f = this.ui.mapping;
    const v = (k) => f.querySelector(`[name="${k}"]`)?.value ?? '';
    const policy = v('policy');
    const m = {
      reward: v('reward'), action: v('action'), pscore: v('pscore'), position: v('position'),
      policy: policy.startsWith('logged:') ? 'logged' : policy,
      piE: policy.startsWith('logged:') ? policy.slice(7) : '',
      rewardModel: v('rewardModel'),
    };
    if (this.info.mapping.positionBase) m.positionBase = this.info.mapping.positionBase;
    if (m.policy === 'logged' && m.rewardModel !== 'none') m.rewardModel = 'none';
    return m;
  }

  renderReport(r) {
    const box = this.ui.report;
    const rec = r.recommendation;
    const estimates = [
      { label: 'Logged mean (logger’s value)', value: r.naive.estimate, lower: r.naive.lower, upper: r.naive.upper, color: '#777777' },
      ...r.rows.map((x) => ({ label: x.lambda !== null && x.tuned ? `${x.label}, λ=${short(x.lambda)}` : x.label, value: x.estimate, lower: x.lower, upper: x.upper, color: x.estimator === rec.estimator ? COLORS[3] : COLORS[0] })),
    ];
    const chartEst = h('figure', { dataset: { chart: 'estimates' } }, h('figcaption', {}, `Estimated value of the evaluation policy (mean reward per round), ${r.interval}. The logged mean is what the logging policy got, for comparison; the recommended estimate is in orange.`));
    const chartW = h('figure', { dataset: { chart: 'weights' } }, h('figcaption', {}, `Importance weights π_e(a|x)/π_b(a|x) of the ${r.nRounds.toLocaleString('en-US')} rounds (log scale; rounds with weight 0 are counted apart: ${r.histogram.zero.toLocaleString('en-US')}).`));
    const d = r.diagnostics;
    const dl = h('dl', { className: 'diagnostics' },
      ...[
        ['Rounds', r.nRounds.toLocaleString('en-US')],
        ['Actions', String(r.nActions)],
        r.nPositions ? ['Positions', String(r.nPositions)] : null,
        ['Effective sample size', `${Math.round(d.effectiveSampleSize).toLocaleString('en-US')} (${pct(d.essRatio)} of the rounds)`],
        ['Largest weight', fmt(d.maxWeight, 3)],
        ['Mean weight (≈ 1 when the logger covers the target)', `${fmt(d.meanWeight, 3)} ± ${fmt(d.meanWeightSe, 3)}`],
        ['Rounds with weight 0', pct(d.zeroWeightShare)],
        d.massOnUnloggedActions !== null ? ['Target mass on never-logged actions', pct(d.massOnUnloggedActions)] : null,
        ['Support violation', d.supportViolation ? 'likely' : 'no evidence'],
        ['Reward model', r.rewardModel ?? 'none (DM and DR need π_e for every action and a model)'],
      ].filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const table = h('table', { className: 'estimates-table' },
      h('thead', {}, h('tr', {}, ...['Estimator', 'λ', 'Estimate', 'Lower', 'Upper', 'ESS', 'Notes'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {},
        h('tr', { dataset: { estimator: 'naive' } }, h('th', { scope: 'row' }, 'Logged mean (logger’s value)'), h('td', {}, ''), h('td', {}, fmt(r.naive.estimate, 4)), h('td', {}, fmt(r.naive.lower, 4)), h('td', {}, fmt(r.naive.upper, 4)), h('td', {}, ''), h('td', {}, 'not an estimate of the target')),
        ...r.rows.map((x) => h('tr', { dataset: { estimator: x.estimator }, className: x.estimator === rec.estimator ? 'recommended' : '' },
          h('th', { scope: 'row' }, x.label), h('td', {}, x.tuned ? `${short(x.lambda)} (tuned)` : ''),
          h('td', {}, fmt(x.estimate, 4)), h('td', {}, fmt(x.lower, 4)), h('td', {}, fmt(x.upper, 4)),
          h('td', {}, Math.round(x.effectiveSampleSize).toLocaleString('en-US')), h('td', {}, x.warnings.join(' '))))));
    const dl2 = h('div', { className: 'downloads' }, h('span', {}, 'Download: '),
      button('Report (CSV)', 'csv', () => download(`${stem(r.file.name)}-report.csv`, 'text/csv', reportCsv(r))),
      button('Report (JSON)', 'json', () => download(`${stem(r.file.name)}-report.json`, 'application/json', reportJson(r))),
      button('Estimates chart (SVG)', 'estimates-svg', () => downloadSvg(chartEst, `${stem(r.file.name)}-estimates.svg`)),
      button('Estimates chart (PNG)', 'estimates-png', () => downloadPng(chartEst, `${stem(r.file.name)}-estimates.png`)),
      button('Weights chart (SVG)', 'weights-svg', () => downloadSvg(chartW, `${stem(r.file.name)}-weights.svg`)),
      button('Weights chart (PNG)', 'weights-png', () => downloadPng(chartW, `${stem(r.file.name)}-weights.png`)));
    box.replaceChildren(
      h('h2', {}, `Report: ${r.file.name}`),
      h('p', { className: 'summary' }, `${r.nRounds.toLocaleString('en-US')} rounds, ${r.nActions} actions${r.nPositions ? `, ${r.nPositions} positions` : ''}; evaluation policy: ${r.policy === 'columns' ? 'π_e for every action (pi_e_<a>)' : r.policy === 'logged' ? 'π_e of the logged action only' : 'uniform random'}. Computed in this tab in ${((r.timing?.totalMs ?? 0) / 1000).toFixed(1)} s.`),
      h('div', { className: 'recommendation', dataset: { estimator: rec.estimator ?? 'none' } }, h('h3', {}, 'Which estimate to trust'), h('p', {}, rec.text)),
      r.warnings.length ? h('div', { className: 'warnings' }, h('h3', {}, 'Warnings'), h('ul', {}, ...r.warnings.map((w) => h('li', { dataset: { warning: w.id } }, w.text)))) : h('p', { className: 'no-warnings' }, 'No warnings: the weights look healthy.'),
      ...r.notes.map((n) => h('p', { className: 'note' }, n)),
      h('h3', {}, 'Estimates'), chartEst, table,
      h('h3', {}, 'Weight diagnostics'), dl, chartW, dl2);
    box.hidden = false;
    estimatesChart(chartEst, { rows: estimates, xLabel: 'mean reward per round →', description: `Estimates of the evaluation policy's value with ${r.interval}` });
    weightsChart(chartW, r.histogram);
  }
}

function button(label, id, onClick) {
  const b = h('button', { type: 'button', dataset: { download: id } }, label);
  b.addEventListener('click', onClick);
  return b;
}

function weightsChart(el, hist) {
  const bins = hist.counts.map((c, j) => ({ x1: hist.edges[j], x2: hist.edges[j + 1], count: c }));
  show(el, {
    data: hist,
    description: 'Histogram of importance weights on a log scale',
    table: { columns: ['weight from', 'weight to', 'rounds'], rows: [['0 (exactly)', 0, hist.zero], ...bins.map((b) => [fmt(b.x1, 4), b.x2, b.count])] },
    make: (P) => P.plot({
      style: { fontSize: '13px', overflow: 'visible' },
      width: Math.max(320, Math.min(760, el.clientWidth || 720)),
      height: 260, marginBottom: 46, marginLeft: 60,
      x: { type: 'log', label: 'importance weight π_e / π_b (log scale) →', labelAnchor: 'center', labelOffset: 38 },
      y: { label: '↑ rounds', grid: true },
      marks: [
        P.rectY(bins, { x1: 'x1', x2: 'x2', y: 'count', fill: COLORS[0], inset: 0.5 }),
        P.ruleX([1], { stroke: '#000', strokeDasharray: '4 3' }),
        P.ruleY([0]),
      ],
    }),
  });
}

const short = (x) => (Number.isFinite(x) ? String(Number(x.toPrecision(3))) : '∞');
const stem = (name) => String(name).replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'log';

/** JSON with non-finite numbers (λ = ∞) as strings. */
export function reportJson(r) {
  return JSON.stringify(r, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

function download(name, type, content) {
  const url = URL.createObjectURL(content instanceof Blob ? content : new Blob([content], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The chart's SVG as a standalone file (white background, the page's font size). */
function svgText(figure) {
  const svg = figure.querySelector('.chart-slot svg[role="img"]') ?? figure.querySelector('svg');
  if (!svg) return null;
  const copy = svg.cloneNode(true);
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  copy.setAttribute('style', 'background:#fff;font:13px system-ui,sans-serif');
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

function downloadSvg(figure, name) {
  const s = svgText(figure);
  if (s) download(name, 'image/svg+xml', s.text);
}

function downloadPng(figure, name) {
  const s = svgText(figure);
  if (!s) return;
  const img = new Image();
  img.onload = () => {
    const scale = 2;
    const c = document.createElement('canvas');
    c.width = Math.round(s.width * scale);
    c.height = Math.round(s.height * scale);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    c.toBlob((b) => download(name, 'image/png', b), 'image/png');
  };
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s.text)}`;
}
