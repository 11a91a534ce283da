// Lesson 10: "Draw the graph before you trust the data".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { estimatesChart, linesChart, COLORS, fmt } from '../js/charts.js';
import { SIZES, PARAMS } from '../js/tasks/causal-graph.js';

const EDGES = 'Causal graph: what causes what';
const ADJUST = 'What you measured and adjust for';
const LOGS = 'Logs';

const controls = defineControls([
  { key: 'confounding', type: 'number', label: 'Confounding strength', min: 0, max: 3, step: 0.25, default: 1, group: EDGES, format: (v) => `×${v}`, help: 'Multiplies the weights of the four arrows out of taste and popularity; 0 removes them all. Switch single arrows off below.' },
  { key: 'tasteToExposure', type: 'bool', label: 'Taste → shown', default: true, group: EDGES },
  { key: 'popularityToExposure', type: 'bool', label: 'Popularity → shown', default: true, group: EDGES },
  { key: 'tasteToClick', type: 'bool', label: 'Taste → click', default: true, group: EDGES },
  { key: 'popularityToClick', type: 'bool', label: 'Popularity → click', default: true, group: EDGES },
  { key: 'exposureToClick', type: 'bool', label: 'Shown → click (the effect we want)', default: true, group: EDGES },
  { key: 'adjustTaste', type: 'bool', label: 'Adjust for taste (it is measured)', default: true, group: ADJUST, help: 'Needs logs that record whether the user likes this kind of item (a survey, past ratings). Off: taste is unmeasured.' },
  { key: 'adjustPopularity', type: 'bool', label: 'Adjust for popularity', default: true, group: ADJUST, help: 'Popularity is easy to measure: every catalog has it.' },
  { key: 'n', type: 'steps', label: 'Logged user–item pairs n', values: SIZES, default: 1000, group: LOGS, format: (v) => v.toLocaleString('en'), help: 'The size of the log behind the first two charts.' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: LOGS, help: 'Same seed, same logs, same numbers.' },
]);

const presets = [
  {
    id: 'no-confounding',
    label: 'No confounding',
    state: { tasteToExposure: false, popularityToExposure: false, adjustTaste: false, adjustPopularity: false },
    note: 'Nothing but chance decides what is shown, as in an A/B test: the arrows into “shown” are gone, so no back-door path is left. Taste and popularity still drive clicks, but equally among shown and unshown pairs: the naive association is the causal effect, with nothing to adjust for.',
  },
  {
    id: 'popularity',
    label: 'Popularity confounds',
    state: { tasteToExposure: false, adjustTaste: false, adjustPopularity: true },
    note: 'Only popularity drives both exposure and clicks. The naive estimate credits showing with clicks that popularity earned; adjusting for popularity, which every catalog records, blocks the only back-door path and lands on the truth.',
  },
  {
    id: 'taste-unmeasured',
    label: 'Taste is unmeasured',
    state: { adjustTaste: false, adjustPopularity: true },
    note: 'Taste drives both exposure and clicks too, but nobody recorded it. Adjusting for popularity closes one back-door path and leaves shown ← taste → click open: back-door and IPW barely move from the naive number, and the bottom chart shows that more logs only make them more precisely wrong.',
  },
  {
    id: 'few-logs',
    label: 'Few logs, right graph',
    state: { n: 200 },
    note: 'Two hundred logged pairs, with taste and popularity measured. Both intervals are wide — the naive one may even reach the truth — but the bottom chart shows what each is centred on: the adjusted estimate on the truth from the smallest logs on, the naive one on the wrong value however many logs you add. With the right graph a small log is enough; with the wrong one no log is.',
  },
  {
    id: 'no-effect',
    label: 'Showing does nothing',
    state: { exposureToClick: false },
    note: 'Switch off shown → click: showing an item changes nothing, the true effect is 0. The logs still say shown items are clicked twice as often, because the recommender shows what users would click anyway. Adjusted for taste and popularity, the effect’s interval covers zero.',
  },
  {
    id: 'positivity',
    label: 'Positivity fails',
    state: { confounding: 2.5 },
    note: 'The recommender now almost always shows popular items to users who like them. In these 1,000 logs not one such pair went unshown, so nothing says what those users do when the item is not shown: do(not show), and the effect, cannot be estimated by adjustment or IPW (the readout says which stratum is empty).',
  },
];

// ---------------------------------------------------------------------------------------------
// The graph: which edges are on, which back-door paths are open.

const NODES = {
  U: { name: 'taste', symbol: 'U', x: 260, y: 52 },
  E: { name: 'shown', symbol: 'E', x: 92, y: 158 },
  Y: { name: 'click', symbol: 'Y', x: 428, y: 158 },
  C: { name: 'popularity', symbol: 'C', x: 260, y: 264 },
};
const RX = 56;
const RY = 30;

/** The graph's edges with their effective logit coefficients for the state. */
export function analyse(s) {
  const k = s.confounding;
  const edge = (from, to, key, coef) => ({ from, to, key, on: Boolean(s[key]) && coef !== 0, toggled: Boolean(s[key]), coef: s[key] ? coef : 0 });
  const edges = [
    edge('U', 'E', 'tasteToExposure', PARAMS.eU * k),
    edge('U', 'Y', 'tasteToClick', PARAMS.yU * k),
    edge('C', 'E', 'popularityToExposure', PARAMS.eC * k),
    edge('C', 'Y', 'popularityToClick', PARAMS.yC * k),
    edge('E', 'Y', 'exposureToClick', PARAMS.yE),
  ];
  const on = (from, to) => edges.find((e) => e.from === from && e.to === to).on;
  const confounders = [
    { node: 'U', name: 'taste', adjusted: s.adjustTaste },
    { node: 'C', name: 'popularity', adjusted: s.adjustPopularity },
  ].filter((c) => on(c.node, 'E') && on(c.node, 'Y'));
  const open = confounders.filter((c) => !c.adjusted);
  for (const e of edges) {
    const path = confounders.find((c) => c.node === e.from);
    e.backdoor = Boolean(path);
    e.open = Boolean(path && !path.adjusted);
  }
  return { edges, confounders, open, effect: on('E', 'Y') };
}

const SVG = 'http://www.w3.org/2000/svg';
function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const INK = '#1b1f24';
const MUTED = '#57606a';
const OFF = '#8c959f';
const OPEN = COLORS[3];
const CAUSAL = COLORS[0];

/** Where the segment from a node's centre towards (dx, dy) leaves its shape. */
function boundary(node, adjusted, dx, dy) {
  const len = Math.hypot(dx, dy);
  const ux = dx / len;
  const uy = dy / len;
  const t = adjusted
    ? Math.min((RX + 4) / Math.abs(ux || 1e-9), (RY + 4) / Math.abs(uy || 1e-9))
    : 1 / Math.sqrt((ux / RX) ** 2 + (uy / RY) ** 2);
  return [node.x + ux * t, node.y + uy * t];
}

function drawGraph(fig, s, g) {
  const adjusted = { U: s.adjustTaste, C: s.adjustPopularity, E: false, Y: false };
  const key = JSON.stringify({ e: g.edges.map((e) => [e.on, e.toggled, e.coef, e.open]), adjusted });
  if (fig.dataset.digest === key) return;
  fig.dataset.digest = key;

  const edgeText = (e) => `${NODES[e.from].name} → ${NODES[e.to].name}`;
  const described = [
    `Causal graph of one recommendation. Edges on: ${g.edges.filter((e) => e.on).map((e) => `${edgeText(e)} (${signed(e.coef)})`).join(', ') || 'none'}.`,
    `Off: ${g.edges.filter((e) => !e.on).map(edgeText).join(', ') || 'none'}.`,
    `Adjusted for: ${[s.adjustTaste ? 'taste' : null, s.adjustPopularity ? 'popularity' : null].filter(Boolean).join(' and ') || 'nothing'}.`,
    `Open back-door paths: ${g.open.map((c) => `shown ← ${c.name} → click`).join(', ') || 'none'}.`,
  ].join(' ');

  const svg = el('svg', { viewBox: '0 0 520 316', width: 520, height: 316, role: 'img', 'aria-label': described, 'font-family': 'system-ui, sans-serif' });
  const defs = el('defs');
  for (const [id, color] of [['ink', INK], ['off', OFF], ['open', OPEN], ['causal', CAUSAL]]) {
    const marker = el('marker', { id: `cg-arrow-${id}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
    defs.append(marker);
  }
  svg.append(defs);

  for (const e of g.edges) {
    const a = NODES[e.from];
    const b = NODES[e.to];
    const [x1, y1] = boundary(a, adjusted[e.from], b.x - a.x, b.y - a.y);
    const [x2, y2] = boundary(b, adjusted[e.to], a.x - b.x, a.y - b.y);
    const kind = !e.on ? 'off' : e.open ? 'open' : e.from === 'E' ? 'causal' : 'ink';
    const color = { off: OFF, open: OPEN, causal: CAUSAL, ink: INK }[kind];
    svg.append(el('line', {
      x1, y1, x2, y2,
      stroke: color,
      'stroke-width': kind === 'off' ? 1.5 : kind === 'ink' ? 2.5 : 3.5,
      'stroke-dasharray': kind === 'off' ? '6 5' : 'none',
      'marker-end': `url(#cg-arrow-${kind})`,
    }));
    // the coefficient beside the edge, on the side away from the centre of the graph
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    let nx = -(y2 - y1);
    let ny = x2 - x1;
    const nl = Math.hypot(nx, ny);
    nx /= nl;
    ny /= nl;
    if (nx * (mx - 260) + ny * (my - 158) < 0) {
      nx = -nx;
      ny = -ny;
    }
    const label = !e.toggled ? 'off' : e.coef === 0 ? '0' : signed(e.coef);
    svg.append(el('text', { x: mx + 16 * nx, y: my + 16 * ny + 5, 'text-anchor': 'middle', 'font-size': 14, fill: e.on ? INK : MUTED }, label));
  }

  for (const [id, node] of Object.entries(NODES)) {
    if (adjusted[id]) {
      svg.append(el('rect', { x: node.x - RX - 4, y: node.y - RY - 4, width: 2 * RX + 8, height: 2 * RY + 8, rx: 4, fill: '#e8f2f9', stroke: INK, 'stroke-width': 3 }));
    } else {
      svg.append(el('ellipse', { cx: node.x, cy: node.y, rx: RX, ry: RY, fill: id === 'E' || id === 'Y' ? '#ffffff' : '#f6f8fa', stroke: INK, 'stroke-width': 1.5 }));
    }
    svg.append(el('text', { x: node.x, y: node.y - 3, 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 600, fill: INK }, node.name));
    svg.append(el('text', { x: node.x, y: node.y + 15, 'text-anchor': 'middle', 'font-size': 13, fill: MUTED }, node.symbol));
    if (id === 'U' || id === 'C') {
      svg.append(el('text', { x: node.x + RX + 12, y: node.y + 5, 'font-size': 13, fill: adjusted[id] ? INK : MUTED }, adjusted[id] ? 'adjusted for' : 'not adjusted'));
    }
  }

  let slot = fig.querySelector('.chart-slot');
  if (!slot) {
    slot = document.createElement('div');
    slot.className = 'chart-slot';
    fig.prepend(slot);
  }
  slot.replaceChildren(svg);
  graphTable(fig, g);
}

function graphTable(fig, g) {
  let details = fig.querySelector('details.data');
  if (!details) {
    details = document.createElement('details');
    details.className = 'data';
    const summary = document.createElement('summary');
    summary.textContent = 'Edges of this graph';
    details.append(summary);
    fig.append(details);
  }
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const c of ['edge', 'state', 'logit coefficient', 'on a back-door path']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c;
    head.append(th);
  }
  const body = table.createTBody();
  for (const e of g.edges) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = `${NODES[e.from].name} → ${NODES[e.to].name}`;
    tr.append(th);
    for (const v of [e.on ? 'on' : 'off', e.on ? signed(e.coef) : '0', e.from === 'E' ? 'no (the effect)' : e.open ? 'yes, open' : e.backdoor ? 'yes, blocked' : 'no']) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
  }
  details.querySelector('table')?.remove();
  details.append(table);
}

function signed(x, digits = 1) {
  return `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(digits)}`;
}

// ---------------------------------------------------------------------------------------------
// Readouts.

const signedFmt = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x))}` : '—');
const pathText = (c) => `shown ← ${c.name} → click`;
const list = (xs) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

function verdict(s, g) {
  const adjusted = [s.adjustTaste ? 'taste' : null, s.adjustPopularity ? 'popularity' : null].filter(Boolean);
  let text;
  if (!g.confounders.length) {
    text = 'No back-door path: nothing in this graph drives both what is shown and what is clicked, so the association in the logs is the causal effect and the naive number is right.';
    if (adjusted.length) text += ` Adjusting for ${list(adjusted)} is harmless here.`;
  } else if (!g.open.length) {
    text = `Back-door ${g.confounders.length > 1 ? 'paths' : 'path'} from shown to click: ${list(g.confounders.map(pathText))}. Adjusting for ${list(adjusted)} blocks every one: back-door adjustment and IPW estimate P(click | do(show)); the naive association does not.`;
  } else {
    const blocked = g.confounders.filter((c) => c.adjusted);
    text = `Back-door ${g.confounders.length > 1 ? 'paths' : 'path'} from shown to click: ${list(g.confounders.map(pathText))}. Left open: ${list(g.open.map((c) => `${pathText(c)} (${c.name} is not adjusted for)`))}.`;
    text += blocked.length
      ? ` Adjusting for ${list(blocked.map((c) => c.name))} is not enough: back-door and IPW are biased too.`
      : ' Nothing blocks it: the naive, back-door and IPW numbers are all biased.';
  }
  if (!g.effect) text += ' The shown → click edge is off: showing changes nothing, the true effect is 0.';
  return text;
}

/** The core's positivity error, in the lesson's words. */
function positivityText(message, exposure, n) {
  const m = /exposure = (\d) in the stratum taste ∈ \[([\d, ]+)\], popularity ∈ \[([\d, ]+)\]/.exec(message ?? '');
  const act = exposure ? 'do(show)' : 'do(not show)';
  if (!m) return `The adjustment for ${act} is impossible in this log: ${message}`;
  const one = (v) => (v.trim() === '1' ? 1 : v.trim() === '0' ? 0 : null);
  const taste = one(m[2]);
  const pop = one(m[3]);
  const item = pop === 1 ? 'a popular item' : pop === 0 ? 'a niche item' : 'an item';
  const user = taste === 1 ? 'a user who likes it' : taste === 0 ? 'a user who does not like it' : 'a user';
  const what = exposure ? `not one pair of ${item} and ${user} was shown` : `every pair of ${item} and ${user} was shown, not one left unshown`;
  return `Positivity fails for ${act}: in these ${n.toLocaleString('en')} logged pairs ${what}, so the logs never saw what such a pair does ${exposure ? 'when shown' : 'without being shown'}. Back-door adjustment and IPW need that stratum and cannot be computed${exposure ? '' : ', nor the effect of showing'}. More logs, weaker confounding or some randomized exposure would fix it.`;
}

// ---------------------------------------------------------------------------------------------

const interval = (v, se) => (Number.isFinite(v) && Number.isFinite(se) ? [v - 1.96 * se, v + 1.96 * se] : [NaN, NaN]);

function rows(values, labelsFailed, naiveLabel) {
  const [nl, nu] = interval(values.naive, values.naiveSe);
  const [al, au] = interval(values.adjusted, values.adjustedSe);
  const [il, iu] = interval(values.ipw, values.ipwSe);
  return [
    { label: naiveLabel, value: values.naive, lower: nl, upper: nu, color: COLORS[3] },
    { label: labelsFailed ? 'Back-door: no estimate' : 'Back-door adjustment', value: values.adjusted, lower: al, upper: au, color: COLORS[0] },
    { label: labelsFailed ? 'IPW: no estimate' : 'IPW', value: values.ipw, lower: il, upper: iu, color: COLORS[2] },
  ];
}

function render(r, s, fig, root) {
  const g = analyse(s);
  drawGraph(fig.graph, s, g);
  const { shown, notShown } = r.main;
  const t = r.truth;
  const trueEffect = t.doExposed - t.doNotExposed;
  const n = s.n.toLocaleString('en');

  estimatesChart(fig.doshow, {
    truth: t.doExposed,
    truthLabel: 'true P(click | do(show))',
    xLabel: 'P(click | do(show)), clicks per pair →',
    description: `Estimates of P(click | do(show)) from ${n} logged pairs with 95% intervals, against the true value ${fmt(t.doExposed)}.`,
    rows: rows(shown, Boolean(shown.error), 'Naive: P̂(click | shown)'),
  });

  const diff = (a, b) => a - b;
  const se = (a, b) => Math.sqrt(a * a + b * b);
  const effect = {
    naive: diff(shown.naive, notShown.naive),
    naiveSe: se(shown.naiveSe, notShown.naiveSe),
    adjusted: diff(shown.adjusted, notShown.adjusted),
    adjustedSe: se(shown.adjustedSe, notShown.adjustedSe),
    ipw: diff(shown.ipw, notShown.ipw),
    ipwSe: se(shown.ipwSe, notShown.ipwSe),
  };
  estimatesChart(fig.effect, {
    truth: trueEffect,
    truthLabel: 'true effect',
    xLabel: 'Effect: do(show) − do(not show), clicks per pair →',
    description: `Estimates of the effect of showing an item on its click probability from ${n} logged pairs with 95% intervals, against the true effect ${fmt(trueEffect)}.`,
    rows: rows(effect, Boolean(shown.error || notShown.error), 'Naive: shown − unshown'),
  });

  const sweep = r.sweep;
  // A new run starts with no sweep yet: keep the previous chart for the few milliseconds until its
  // first sizes arrive, rather than spend the first redraw on an empty one.
  if (sweep.length || !fig.sweep.dataset.digest) linesChart(fig.sweep, {
    truth: t.doExposed,
    truthLabel: 'true P(click | do(show))',
    xType: 'log',
    xLabel: 'Logged pairs n (log scale) →',
    yLabel: '↑ P(click | do(show)), clicks per pair',
    description: `Mean and 95% spread of the naive and the adjusted estimates of P(click | do(show)) over many simulated logs of each size from 50 to 20,000 pairs, against the true value ${fmt(t.doExposed)}. The naive estimate converges to P(click | shown) = ${fmt(t.observedExposed)}.`,
    series: [
      // the grey limit first, so that the naive estimates are drawn over it
      { label: 'where naive converges: P(click | shown)', color: OFF, points: SIZES.map((x) => ({ x, y: t.observedExposed })) },
      { label: 'Naive (95% of logs)', color: COLORS[3], points: sweep.map((p) => ({ x: p.n, y: p.naive.mean, lo: p.naive.lo, hi: p.naive.hi })) },
      { label: 'Back-door = IPW (95% of logs)', color: COLORS[0], points: sweep.map((p) => ({ x: p.n, y: p.adjusted.mean, lo: p.adjusted.lo, hi: p.adjusted.hi })) },
    ],
  });

  // readouts: the graph's verdict, then the numbers (or why there are none)
  root.querySelector('.readout').textContent = verdict(s, g);
  const parts = [];
  const err = (v) => (Number.isFinite(v) ? ` (${signedFmt(v - t.doExposed)})` : '');
  const pm = (v, e) => (Number.isFinite(e) ? `${fmt(v)} ± ${fmt(1.96 * e)}` : fmt(v));
  parts.push(`From ${n} logged pairs: true P(click | do(show)) = ${fmt(t.doExposed)}; naive ${fmt(shown.naive)}${err(shown.naive)}${shown.error ? '.' : `; back-door and IPW ${pm(shown.adjusted, shown.adjustedSe)}${err(shown.adjusted)}.`}`);
  if (shown.error) parts.push(positivityText(shown.error, 1, s.n));
  else if (notShown.error) parts.push(positivityText(notShown.error, 0, s.n));
  else parts.push(`Effect of showing: true ${signedFmt(trueEffect)}, naive ${signedFmt(effect.naive)}, back-door and IPW ${signedFmt(effect.adjusted)} ± ${fmt(1.96 * effect.adjustedSe)}.`);
  const here = sweep.find((p) => p.n === s.n);
  if (here && Number.isFinite(here.adjusted.lo)) {
    parts.push(`Over ${here.replicates} simulated logs of this size, 95% of back-door estimates land between ${fmt(here.adjusted.lo)} and ${fmt(here.adjusted.hi)}, 95% of naive ones between ${fmt(here.naive.lo)} and ${fmt(here.naive.hi)}.`);
  }
  const failed = sweep.filter((p) => p.failed > 0);
  if (failed.length) {
    parts.push(`(${list(failed.map((p) => `${p.failed} of ${p.replicates} logs of ${p.n.toLocaleString('en')} pairs`))} had a stratum without shown pairs, hence no adjusted estimate: positivity.)`);
  }
  root.querySelector('.readout-numbers').textContent = parts.join(' ');
}

// A checkbox's `value` is "on" whether it is ticked or not. Mirror the state into it ("true" /
// "false") so that code reading the controls' values, like the end-to-end tests' helper that
// checks a control moved, sees a toggle. (The shared controls could do this for every bool.)
const widget = document.querySelector('[data-lesson="causal-graph"]');
function mirrorCheckboxes() {
  for (const box of widget.querySelectorAll('.controls input[type="checkbox"]')) box.value = String(box.checked);
}

function renderAndMirror(r, s, fig, root) {
  mirrorCheckboxes();
  render(r, s, fig, root);
}

startLesson({ slug: 'causal-graph', controls, presets, task: 'causal-graph', render: renderAndMirror });
widget.querySelector('.controls').addEventListener('change', mirrorCheckboxes);
mirrorCheckboxes();
