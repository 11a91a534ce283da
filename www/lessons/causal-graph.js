// Lesson 10: "Draw the graph before you trust the data". The numbers — and which back-door paths
// the state leaves open — come from the core (src/lessons/causal_graph.rs); this module draws the
// graph and the charts and puts them into words.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './causal-graph.json' with { type: 'json' };
import { estimatesChart, linesChart, COLORS, fmt } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;
const SIZES = spec.controls.find((c) => c.key === 'n').values;

// ---------------------------------------------------------------------------------------------
// The graph: which edges are on, which back-door paths are open (from the core's `graph`).

const NODES = {
  U: { name: 'taste', symbol: 'U', x: 260, y: 52 },
  E: { name: 'shown', symbol: 'E', x: 92, y: 158 },
  Y: { name: 'click', symbol: 'Y', x: 428, y: 158 },
  C: { name: 'popularity', symbol: 'C', x: 260, y: 264 },
};
const RX = 56;
const RY = 30;

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
    text = `Back-door ${g.confounders.length > 1 ? 'paths' : 'path'} from shown to click: ${list(g.confounders.map(pathText))}. Adjusting for ${list(adjusted)} blocks every one: back-door adjustment and IPS estimate P(click | do(show)); the naive association does not.`;
  } else {
    const blocked = g.confounders.filter((c) => c.adjusted);
    text = `Back-door ${g.confounders.length > 1 ? 'paths' : 'path'} from shown to click: ${list(g.confounders.map(pathText))}. Left open: ${list(g.open.map((c) => `${pathText(c)} (${c.name} is not adjusted for)`))}.`;
    text += blocked.length
      ? ` Adjusting for ${list(blocked.map((c) => c.name))} is not enough: back-door and IPS are biased too.`
      : ' Nothing blocks it: the naive, back-door and IPS numbers are all biased.';
  }
  if (!g.effect) text += ' The shown → click edge is off: showing changes nothing, the true effect is 0.';
  return text;
}

/** Which stratum lacks pairs with an exposure (the core's `positivity`), in the lesson's words. */
function positivityText(p, n) {
  const act = p.exposure ? 'do(show)' : 'do(not show)';
  const item = p.popularity === 1 ? 'a popular item' : p.popularity === 0 ? 'a niche item' : 'an item';
  const user = p.taste === 1 ? 'a user who likes it' : p.taste === 0 ? 'a user who does not like it' : 'a user';
  const what = p.exposure ? `not one pair of ${item} and ${user} was shown` : `every pair of ${item} and ${user} was shown, not one left unshown`;
  return `Positivity fails for ${act}: in these ${n.toLocaleString('en')} logged pairs ${what}, so the logs never saw what such a pair does ${p.exposure ? 'when shown' : 'without being shown'}. Back-door adjustment and IPS need that stratum and cannot be computed${p.exposure ? '' : ', nor the effect of showing'}. More logs, weaker confounding or some randomized exposure would fix it.`;
}

// ---------------------------------------------------------------------------------------------

function rows(reading, naiveLabel) {
  const failed = Boolean(reading.positivity);
  const missing = failed ? 'none: positivity fails' : 'none';
  const row = (label, e, color) => ({ label: `${label}${e.caution && !failed ? ' ⚠' : ''}`, value: e.estimate, lower: e.lower, upper: e.upper, color, missing });
  return [
    row(naiveLabel, reading.naive, COLORS[3]),
    row(failed ? 'Back-door: no estimate' : 'Back-door adjustment', reading.adjusted, COLORS[0]),
    row(failed ? 'IPS: no estimate' : 'IPS', reading.ipw, COLORS[2]),
  ];
}

/**
 * "0.284 (95% interval 0.250 to 0.318; error −0.002)": an estimate with its interval, the
 * interval's caution when it has one, and `extra` words; `f` formats the numbers.
 */
function withInterval(e, f = fmt, extra = []) {
  if (!Number.isFinite(e.estimate)) return '—';
  const notes = [e.upper > e.lower ? `95% interval ${f(e.lower)} to ${f(e.upper)}` : null, e.caution, ...extra].filter(Boolean);
  return `${f(e.estimate)}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

function render(r, s, fig, root) {
  const g = r.graph;
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
    rows: rows(shown, 'Naive: P̂(click | shown)'),
  });

  estimatesChart(fig.effect, {
    truth: trueEffect,
    truthLabel: 'true effect',
    xLabel: 'Effect: do(show) − do(not show), clicks per pair →',
    description: `Estimates of the effect of showing an item on its click probability from ${n} logged pairs with 95% intervals, against the true effect ${fmt(trueEffect)}.`,
    rows: rows(r.effect, 'Naive: shown − unshown'),
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
      { label: 'Back-door = IPS (95% of logs)', color: COLORS[0], points: sweep.map((p) => ({ x: p.n, y: p.adjusted.mean, lo: p.adjusted.lo, hi: p.adjusted.hi })) },
    ],
  });

  // readouts: the graph's verdict, then the numbers (or why there are none)
  root.querySelector('.readout').textContent = verdict(s, g);
  const parts = [];
    const err = (v) => (Number.isFinite(v) ? [`error ${signedFmt(v - t.doExposed)}`] : []);
  parts.push(`From ${n} logged pairs: true P(click | do(show)) = ${fmt(t.doExposed)}; naive ${withInterval(shown.naive, fmt, err(shown.naive.estimate))}${shown.positivity ? '.' : `; back-door and IPS ${withInterval(shown.adjusted, fmt, err(shown.adjusted.estimate))}.`}`);
  const failed = shown.positivity ?? notShown.positivity;
  if (failed) parts.push(positivityText(failed, s.n));
  else parts.push(`Effect of showing: true ${signedFmt(trueEffect)}, naive ${signedFmt(r.effect.naive.estimate)}, back-door and IPS ${withInterval(r.effect.adjusted, signedFmt)}.`);
  const here = sweep.find((p) => p.n === s.n);
  if (here && Number.isFinite(here.adjusted.lo)) {
    parts.push(`Over ${here.replicates} simulated logs of this size, 95% of back-door estimates land between ${fmt(here.adjusted.lo)} and ${fmt(here.adjusted.hi)}, 95% of naive ones between ${fmt(here.naive.lo)} and ${fmt(here.naive.hi)}.`);
  }
  const stratumless = sweep.filter((p) => p.failed > 0);
  if (stratumless.length) {
    parts.push(`(${list(stratumless.map((p) => `${p.failed} of ${p.replicates} logs of ${p.n.toLocaleString('en')} pairs`))} had a stratum without shown pairs, hence no adjusted estimate: positivity.)`);
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

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;
const BOOL_KEYS = spec.controls.filter((c) => c.type === 'bool').map((c) => c.key);

const learning = {
  prompts: [
    {
      id: 'naive-popularity',
      question: 'Popularity pushes items onto the screen and also makes them clicked (taste plays no part in what is shown). Where will the naive P(click | shown) land, compared with the causal P(click | do(show))?',
      answer: { kind: 'choice', options: [{ value: 'above', label: 'Above it' }, { value: 'same', label: 'About the same' }, { value: 'below', label: 'Below it' }] },
      state: { ...preset('popularity') },
      reveal(r, s, guess) {
        const t = r.truth;
        const rel = (t.observedExposed - t.doExposed) / t.doExposed;
        const happened = rel > 0.05 ? 'above' : rel < -0.05 ? 'below' : 'same';
        const outcome = `P(click | shown) = ${fmt(t.observedExposed)}, while P(click | do(show)) = ${fmt(t.doExposed)}: ${rel > 0 ? '+' : ''}${Math.round(100 * rel)}%.`;
        const why = happened === 'above'
          ? 'The shown items are mostly popular ones, which get clicked more whether shown by this recommender or not: the naive rate credits showing with popularity’s clicks. Adjusting for popularity (the back-door path shown ← popularity → click) removes that.'
          : happened === 'same'
            ? 'This time the two agree: at this strength popularity barely changes what is shown.'
            : 'This time the naive rate lands below, which happens when what pushes items onto the screen makes them clicked less.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'unmeasured-taste',
      question: 'Now taste drives both what is shown and what is clicked, but it is not measured: you adjust for popularity only. Will the adjusted estimate’s 95% interval contain the true effect of showing?',
      answer: { kind: 'choice', options: [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }] },
      state: { ...preset('taste-unmeasured') },
      reveal(r, s, guess) {
        const truth = r.truth.doExposed - r.truth.doNotExposed;
        const e = r.effect.adjusted;
        const happened = e.lower <= truth && truth <= e.upper ? 'yes' : 'no';
        const outcome = `The adjusted estimate of the effect is ${fmt(e.estimate)} (95% interval ${fmt(e.lower)} to ${fmt(e.upper)}); the true effect is ${fmt(truth)}.`;
        const why = happened === 'no'
          ? 'Adjusting for popularity closes one back-door path, but shown ← taste → click stays open: users shown an item were already more likely to like it. More data only narrows the interval around the wrong number.'
          : 'This time the interval still reaches the truth, because it is wide at this sample size; the open path through taste biases the estimate all the same, and with more data the interval would leave the truth behind.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'adjustment-set',
    title: 'Exercise: choose the adjustment set',
    answerLabel: 'Adjust for',
    answer: { kind: 'choice', options: [{ value: 'none', label: 'Nothing' }, { value: 'taste', label: 'Taste only' }, { value: 'popularity', label: 'Popularity only' }, { value: 'both', label: 'Taste and popularity' }] },
    // the core sends every control as a number: the arrows are switches
    stateOf: (pairs) => Object.fromEntries(pairs.map(([k, v]) => [k, BOOL_KEYS.includes(k) ? v === 1 : v])),
  },
};

startLesson({ slug: 'causal-graph', controls, presets, task: 'causal-graph', render: renderAndMirror, learning });
widget.querySelector('.controls').addEventListener('change', mirrorCheckboxes);
mirrorCheckboxes();
