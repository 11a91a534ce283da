// Lesson 7: "Explicit and implicit signals".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { show, COLORS, TRUTH, fmt, pct } from '../js/charts.js';
import spec from './feedback.json' with { type: 'json' };

// The predictors and estimators in the order of the scenario's output (src/lessons/feedback.rs).
const PREDICTORS = [
  { key: 'global', label: 'Global average', color: COLORS[3] },
  { key: 'item', label: 'Item average', color: COLORS[1] },
  { key: 'weighted', label: 'Propensity-weighted average', color: COLORS[0] },
  { key: 'taste', label: 'Personalized taste model', color: COLORS[2] },
];
const ESTIMATORS = [
  { key: 'naive', label: 'Naive: self-selected test ratings', short: 'Naive' },
  { key: 'ips', label: 'IPS, exact propensities', short: 'IPS' },
  { key: 'snips', label: 'SNIPS, exact propensities', short: 'SNIPS' },
  { key: 'nb', label: 'IPS, propensities from the survey', short: 'IPS, estimated P' },
  { key: 'survey', label: 'Random survey', short: 'Survey' },
];
const TRUTH_ROW = 'Truth: all 50,000 pairs';
const TRUTH_SHORT = 'Truth';
const PROXIES = [
  { value: 'dwell30', label: 'Played > 30 s', short: '> 30 s' },
  { value: 'dwell120', label: 'Played > 2 min', short: '> 2 min' },
  { value: 'save', label: 'Saved to a playlist', short: 'Saved' },
  { value: 'engaged', label: 'Played > 30 s or saved', short: '> 30 s or saved' },
  { value: 'thumbs', label: 'Thumbs up', short: 'Thumbs up' },
];
const int = (v) => Math.round(v).toLocaleString('en');
/** Ratings are 1 to 5 stars: no absolute error exceeds 4. */
const MAX_ERROR = 4;
const stars = (v) => `${fmt(v, 2)}★`;

const controls = defineControls(spec.controls);
const { presets } = spec;

const labelMargin = (labels) => Math.min(300, 16 + 7.2 * Math.max(8, ...labels.map((l) => String(l).length)));

/** Rank order (best first) of the predictors under a vector of MAEs (equal to 9 decimals: a tie, in the predictors' order, as in the core). */
const order = (values) => PREDICTORS.map((p, i) => ({ p, i, v: Math.round(values[i] * 1e9) })).filter((x) => Number.isFinite(x.v)).sort((a, b) => a.v - b.v || a.i - b.i).map((x) => x.p);
const sameOrder = (a, b) => a.length === b.length && a.every((p, i) => p === b[i]);
const orderText = (ps) => ps.map((p) => p.label.toLowerCase()).join(', ');

function maeChart(el, r, width) {
  const R = r.ratings;
  // Short row labels on narrow screens, so that the plot keeps most of the width.
  const narrow = width < 560;
  const truthRow = narrow ? TRUTH_SHORT : TRUTH_ROW;
  const rows = [truthRow, ...ESTIMATORS.map((e) => (narrow ? e.short : e.label))];
  const pts = [];
  PREDICTORS.forEach((p, i) => {
    pts.push({ row: truthRow, predictor: p.label, k: i, value: R.truth[i], lo: NaN, hi: NaN });
    ESTIMATORS.forEach((e, j) => {
      const x = R.estimates[e.key][i];
      pts.push({ row: rows[j + 1], predictor: p.label, k: i, value: x.mean, lo: x.lo, hi: x.hi });
    });
  });
  const finite = pts.flatMap((d) => [d.value, d.hi]).filter(Number.isFinite);
  // Ratings are 1–5 stars, so no error exceeds 4; weighted estimates (IPS) can, and then the chart
  // shows the ceiling and runs past it (up to 8 stars; beyond, an arrow gives the value).
  const xmax = Math.min(8, Math.max(1, ...finite) * 1.05);
  const beyond = pts.filter((d) => d.hi > xmax);
  const truthPts = pts.filter((d) => d.row === truthRow);
  show(el, {
    data: { pts, xmax, narrow },
    description: `Mean absolute error of four rating predictors: the truth over every user–item pair, and five estimates of it, each with the middle 95% of ${R.replicates} draws of test ratings and surveys.`,
    table: {
      columns: ['predictor · estimator', 'MAE (stars)', '2.5% of draws', '97.5% of draws', 'true MAE', 'error vs truth'],
      rows: pts.map((d) => [`${d.predictor} · ${d.row}`, d.value, d.lo, d.hi, R.truth[d.k], d.value - R.truth[d.k]]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width,
        height: 70 + 46 * rows.length,
        marginLeft: labelMargin(rows),
        marginRight: 16,
        marginBottom: 44,
        x: { label: 'Mean absolute error (stars): lower is better →', grid: true, domain: [0, xmax], labelOffset: 38 },
        y: { label: null, domain: rows },
        color: { domain: PREDICTORS.map((p) => p.label), range: PREDICTORS.map((p) => p.color), legend: true },
        clip: true,
        marks: [
          P.ruleX(truthPts, { x: 'value', stroke: 'predictor', strokeDasharray: '4 3', strokeWidth: 1.5, strokeOpacity: 0.8 }),
          xmax > MAX_ERROR ? P.ruleX([MAX_ERROR], { stroke: '#555', strokeWidth: 1.5 }) : null,
          xmax > MAX_ERROR ? P.text([MAX_ERROR], { x: (d) => d, frameAnchor: 'bottom', lineAnchor: 'bottom', dy: -4, textAnchor: 'end', dx: -4, text: () => 'largest possible error (4 stars)', fill: '#555', fontSize: 11.5 }) : null,
          P.text(beyond, { y: 'row', x: xmax, text: (d) => `${d.predictor}: to ${fmt(d.hi, 1)} ▶`, textAnchor: 'end', dy: -10, fill: '#222', fontSize: 11 }),
          ...PREDICTORS.flatMap((p, i) => {
            const mine = pts.filter((d) => d.k === i);
            const dy = (i - 1.5) * 7;
            return [
              P.ruleY(mine.filter((d) => Number.isFinite(d.lo)), { y: 'row', x1: 'lo', x2: 'hi', stroke: 'predictor', strokeWidth: 3, strokeOpacity: 0.55, dy }),
              P.dot(mine.filter((d) => Number.isFinite(d.value)), { y: 'row', x: 'value', fill: 'predictor', r: 4.5, stroke: 'white', dy, title: (d) => `${d.predictor}, ${d.row}: ${fmt(d.value)} (truth ${fmt(R.truth[d.k])})` }),
            ];
          }),
        ],
      }),
  });
}

const STARS = ['1★', '2★', '3★', '4★', '5★'];
const DIST_SERIES = [
  { key: 'self', label: 'Self-selected ratings', color: COLORS[3] },
  { key: 'weighted', label: 'Self-selected, weighted by 1/propensity', color: COLORS[0] },
  { key: 'survey', label: 'Random survey', color: COLORS[2] },
];
const DIST_TRUTH = 'All pairs (the truth)';

function distChart(el, r, width) {
  const D = r.ratings.dist;
  const pts = DIST_SERIES.flatMap((d) => D[d.key].map((x, k) => ({ series: d.label, star: STARS[k], y: x.mean, lo: x.lo, hi: x.hi })));
  const truth = D.truth.map((y, k) => ({ series: DIST_TRUTH, star: STARS[k], y }));
  show(el, {
    data: { pts, truth },
    description: 'Share of each rating from 1 to 5 stars among the self-selected ratings, the same reweighted by one over their propensity, and the random survey, with the middle 95% over draws, against the share among all user–item pairs (the truth).',
    table: {
      columns: ['rating', ...DIST_SERIES.map((d) => d.label), DIST_TRUTH],
      rows: STARS.map((st, k) => [st, ...DIST_SERIES.map((d) => D[d.key][k].mean), D.truth[k]]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width,
        height: 300,
        marginRight: 16,
        marginLeft: 48,
        marginBottom: 44,
        x: { label: 'Rating (stars) →', domain: STARS, padding: 0.2, labelOffset: 38 },
        y: { label: '↑ Share of ratings', domain: [0, 1], grid: true, tickFormat: (d) => `${Math.round(d * 100)}%` },
        color: { domain: [...DIST_SERIES.map((d) => d.label), DIST_TRUTH], range: [...DIST_SERIES.map((d) => d.color), TRUTH], legend: true },
        marks: [
          P.tickY(truth, { x: 'star', y: 'y', stroke: 'series', strokeWidth: 2.5, strokeDasharray: '5 3' }),
          ...DIST_SERIES.flatMap((d, i) => {
            const mine = pts.filter((p) => p.series === d.label);
            const dx = (i - 1) * 14;
            return [
              P.ruleX(mine.filter((p) => Number.isFinite(p.lo)), { x: 'star', y1: 'lo', y2: 'hi', stroke: 'series', strokeWidth: 3, strokeOpacity: 0.55, dx }),
              P.dot(mine.filter((p) => Number.isFinite(p.y)), { x: 'star', y: 'y', fill: 'series', r: 4.5, stroke: 'white', dx, title: (p) => `${p.series}, ${p.star}: ${pct(p.y)}` }),
            ];
          }),
        ],
      }),
  });
}

function proxyChart(el, r, s, width) {
  const Q = r.proxy;
  const name = PROXIES.find((p) => p.value === s.proxy).label;
  const series = `Proxy: ${name} (95% interval)`;
  const truthLabel = 'Plays the user liked (hidden truth)';
  const pts = Q.sweep.map((p) => ({ x: 100 * p.x, y: p.rate.estimate, lo: p.rate.lower, hi: p.rate.upper }));
  const here = { x: 100 * s.sampling, y: Q.at.estimate, lo: Q.at.lower, hi: Q.at.upper };
  const ymax = Math.max(0.6, ...pts.map((p) => p.hi)) * 1.02;
  show(el, {
    data: { pts, here, truth: Q.truth, name },
    description: `Share of plays that the proxy "${name}" counts as satisfied, with 95% intervals, against the share of plays users actually liked (${pct(Q.truth, 1)}), as the share of sampling sessions grows from 0% to 100%; the chosen mix, ${pct(s.sampling, 0)}, is marked.`,
    table: {
      columns: ['Sampling sessions (%)', 'proxy rate', 'lower', 'upper', 'liked (truth)'],
      rows: pts.map((p) => [p.x, p.y, p.lo, p.hi, Q.truth]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width,
        height: 300,
        marginRight: 16,
        marginLeft: 48,
        marginBottom: 44,
        x: { label: 'Sessions spent building playlists (sampling, %) →', domain: [0, 100], grid: true, labelOffset: 38 },
        y: { label: '↑ Share of plays', domain: [0, ymax], grid: true, tickFormat: (d) => `${Math.round(d * 100)}%` },
        color: { domain: [series, truthLabel], range: [COLORS[4], TRUTH], legend: true },
        marks: [
          P.areaY(pts, { x: 'x', y1: 'lo', y2: 'hi', fill: COLORS[4], fillOpacity: 0.2 }),
          P.ruleY([Q.truth], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' }),
          P.line(pts, { x: 'x', y: 'y', stroke: () => series, strokeWidth: 2 }),
          P.ruleX([here], { x: 'x', stroke: '#666', strokeDasharray: '2 3' }),
          P.dot([here], { x: 'x', y: 'y', fill: () => series, r: 5, stroke: 'white', title: (d) => `${d.x}% sampling: ${pct(d.y, 1)} (${pct(d.lo, 1)}–${pct(d.hi, 1)})` }),
          P.text([here], { x: 'x', frameAnchor: 'top', dy: 6, dx: here.x > 50 ? -6 : 6, textAnchor: here.x > 50 ? 'end' : 'start', text: () => (width < 560 ? `${pct(here.y, 1)} satisfied` : `your mix: ${pct(here.y, 1)} satisfied, ${pct(Q.truth, 1)} liked`), fill: 'currentColor' }),
        ],
      }),
  });
}

function signalsChart(el, r, s, width) {
  const Q = r.proxy;
  const narrow = width < 560;
  const pts = Q.signals.map((g) => ({
    label: narrow ? PROXIES.find((p) => p.value === g.key).short : g.label,
    rate: g.rate,
    key: g.key,
    kind: g.kind === 'explicit' ? 'Explicit signal' : 'Implicit signal',
    x: g.recall.estimate,
    xlo: g.recall.lower,
    xhi: g.recall.upper,
    y: g.precision.estimate,
    ylo: g.precision.lower,
    yhi: g.precision.upper,
    note: [g.precision.caution && `precision: ${g.precision.caution}`, g.recall.caution && `recall: ${g.recall.caution}`].filter(Boolean).join('; '),
    selected: g.key === s.proxy,
  }));
  pts.push({ label: narrow ? 'Liked (truth)' : 'Liked (the truth)', rate: Q.likedAt.estimate, key: 'truth', kind: 'The truth', x: 1, xlo: NaN, xhi: NaN, y: 1, ylo: NaN, yhi: NaN, selected: false, note: 'by definition' });
  for (const p of pts) p.r = 2.5 + 10 * Math.sqrt(p.rate);
  const kinds = ['Implicit signal', 'Explicit signal', 'The truth'];
  // Labels: the first of eight placements (either side of the point, one or two lines above or
  // below it) that stays inside the plot and clear of the dots and of the labels placed so far
  // (in axis units), else the one that overlaps least.
  const W = width - 60;
  const H = 300;
  const boxes = [];
  for (const p of [...pts].sort((a, b) => b.y - a.y)) {
    p.text = p.selected ? `${narrow ? '' : 'Proxy: '}${p.label}` : p.label;
    const w = (6.8 * p.text.length) / W;
    const h = 15 / H;
    const near = p.x > 0.55 ? 'end' : 'start';
    const far = near === 'end' ? 'start' : 'end';
    // line 0: just above the point, −1: just below, 1: one line higher, −2: one line lower
    const options = [[near, 0], [near, -1], [far, 0], [far, -1], [near, 1], [near, -2], [far, 1], [far, -2]].map(([anchor, line]) => {
      const x0 = anchor === 'start' ? p.x + (p.r + 4) / W : p.x - (p.r + 4) / W - w;
      const y0 = line >= 0 ? p.y + (3 + 15 * line) / H : p.y - (3 + 15 * (-line - 1)) / H - h;
      return { anchor, line, x0, x1: x0 + w, y0, y1: y0 + h };
    });
    const dots = pts.filter((q) => q !== p).map((q) => ({ x0: q.x - q.r / W, x1: q.x + q.r / W, y0: q.y - q.r / H, y1: q.y + q.r / H }));
    const gx = 12 / W; // keep labels at least 12 px apart, so that each one reads as its own point's
    const clash = (o) => [...boxes, ...dots].reduce((a, q) => a + Math.max(0, Math.min(o.x1 + gx, q.x1) - Math.max(o.x0 - gx, q.x0)) * Math.max(0, Math.min(o.y1, q.y1) - Math.max(o.y0, q.y0)), 0);
    const inside = options.filter((o) => o.x0 > -0.04 && o.x1 < 1.05 && o.y1 < 1.1 && o.y0 > 0);
    const pick = inside.find((o) => clash(o) === 0) ?? [...(inside.length ? inside : options)].sort((a, b) => clash(a) - clash(b))[0];
    boxes.push(pick);
    p.anchor = pick.anchor;
    p.line = pick.line;
  }
  show(el, {
    data: { pts },
    description: `Precision and recall of each signal as a detector of plays the user liked, at ${pct(s.sampling, 0)} sampling sessions, with 95% intervals; the hidden truth sits at 100% and 100%.`,
    table: {
      columns: ['signal', 'share of plays with the signal', 'recall: liked plays it catches', 'recall low', 'recall high', 'precision: its plays that were liked', 'precision low', 'precision high', 'about the intervals'],
      rows: pts.map((p) => [p.label, p.rate, p.x, p.xlo, p.xhi, p.y, p.ylo, p.yhi, p.note]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width,
        height: 380,
        marginRight: 20,
        marginTop: 24,
        marginLeft: 48,
        marginBottom: 44,
        r: { type: 'identity' },
        x: { label: 'Recall: share of liked plays the signal catches →', domain: [0, 1.02], grid: true, labelOffset: 38, tickFormat: (d) => `${Math.round(d * 100)}%` },
        y: { label: '↑ Precision: share of its plays that were liked', domain: [0, 1.05], grid: true, tickFormat: (d) => `${Math.round(d * 100)}%` },
        color: { domain: kinds, range: [COLORS[4], COLORS[1], TRUTH], legend: true },
        marks: [
          P.ruleY(pts.filter((p) => Number.isFinite(p.xlo)), { y: 'y', x1: 'xlo', x2: 'xhi', stroke: 'kind', strokeWidth: 2 }),
          P.ruleX(pts.filter((p) => Number.isFinite(p.ylo)), { x: 'x', y1: 'ylo', y2: 'yhi', stroke: 'kind', strokeWidth: 2 }),
          P.dot(pts.filter((p) => p.selected), { x: 'x', y: 'y', r: (p) => p.r + 4, stroke: TRUTH, strokeWidth: 2, fill: 'none' }),
          P.dot(pts, { x: 'x', y: 'y', fill: 'kind', r: (p) => p.r, fillOpacity: 0.85, stroke: 'white', title: (p) => `${p.label}: on ${pct(p.rate, 1)} of plays, recall ${pct(p.x, 0)}, precision ${pct(p.y, 0)}` }),
          ...[1, 0, -1, -2].flatMap((line) =>
            ['start', 'end'].map((anchor) =>
              P.text(
                pts.filter((p) => p.line === line && p.anchor === anchor),
                { x: (p) => p.x + ((anchor === 'end' ? -1 : 1) * (p.r + 4)) / W, y: 'y', text: 'text', dy: line >= 0 ? -11 - 15 * line : 13 + 15 * (-line - 1), textAnchor: anchor, fill: 'currentColor' },
              ),
            ),
          ),
        ],
      }),
  });
}

function ratingsReadout(r, s, node) {
  const R = r.ratings;
  const truthOrder = order(R.truth);
  const verdict = (key) => {
    const o = order(R.estimates[key].map((x) => x.mean));
    return sameOrder(o, truthOrder) ? 'the true order' : orderText(o);
  };
  const worst = PREDICTORS.map((p, i) => ({ p, i, d: R.estimates.naive[i].mean - R.truth[i] })).sort((a, b) => Math.abs(b.d) - Math.abs(a.d))[0];
  const n = R.replicates;
  const right = R.orderRight;
  const over = ['ips', 'nb'].flatMap((key) => R.estimates[key].map((x) => x.hi)).filter((x) => x > MAX_ERROR);
  const ceiling = over.length
    ? ` Some draws of IPS put an error above ${MAX_ERROR} stars (up to ${fmt(Math.max(...over), 1)}), more than any rating can be off: IPS divides by propensities and is not bounded by the possible errors; a few tiny propensities carry it there.`
    : '';
  node.textContent = `${int(R.nTrain)} training ratings for 50,000 user–item pairs (${pct(R.nTrain / 50000, 1)}; each user consumes about ${fmt(R.consumed, 1)} items), about ${int(R.nTest)} test ratings per draw, ${int(R.nSurvey)} survey answers. Observed ratings average ${stars(R.constants.global)}, all pairs ${stars(R.trueMean)}. From best to worst, the truth ranks the predictors ${orderText(truthOrder)}. Averaged over ${n} draw${n === 1 ? '' : 's'}, the naive metric gives ${verdict('naive')}, and is off by up to ${fmt(Math.abs(worst.d), 2)} stars (${worst.p.label.toLowerCase()}: ${fmt(R.estimates.naive[worst.i].mean, 2)} against ${fmt(R.truth[worst.i], 2)}); SNIPS gives ${verdict('snips')}; the survey ${verdict('survey')}. One draw is all a team ever has: a single draw ranks all four in the true order in ${right.snips} of ${n} with SNIPS (IPS always ranks them as SNIPS does within one draw: both divide the same weighted errors, by different constants), ${right.survey} of ${n} with the survey and ${right.naive} of ${n} naively.${ceiling}`;
}

function proxyReadout(r, s, node) {
  const Q = r.proxy;
  const name = PROXIES.find((p) => p.value === s.proxy).label;
  node.textContent = `At ${pct(s.sampling, 0)} playlist sessions, “${name}” counts ${pct(Q.at.estimate, 1)} of ${int(Q.plays)} plays as satisfied (95% interval ${pct(Q.at.lower, 1)} to ${pct(Q.at.upper, 1)}${Q.at.caution ? `; ${Q.at.caution}` : ''}); users liked ${pct(Q.truth, 1)}. In listening sessions it says ${pct(Q.listening, 1)}, in sampling sessions ${pct(Q.sampling, 1)}, although users like the same share of tracks in both.`;
}

function render(r, s, fig, root) {
  // Read every width before touching the DOM: one layout instead of one per chart.
  const width = Object.fromEntries(Object.entries(fig).map(([k, el]) => [k, Math.max(320, Math.min(760, el.clientWidth))]));
  const [first, second] = root.querySelectorAll('.readout');
  ratingsReadout(r, s, first);
  maeChart(fig.mae, r, width.mae);
  distChart(fig.dist, r, width.dist);
  if (r.proxy) {
    proxyReadout(r, s, second);
    proxyChart(fig.proxy, r, s, width.proxy);
    signalsChart(fig.signals, r, s, width.signals);
  }
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;
/** Whether the naive MAE ranks the four predictors in their true order in most draws. */
function orderVerdict(r) {
  const R = r.ratings;
  const share = R.orderRight.naive / R.replicates;
  return { share, n: R.replicates, happened: share >= 0.5 ? 'usually' : 'rarely' };
}

const learning = {
  prompts: [
    {
      id: 'naive-order',
      question: 'Users rate what they chose to consume, and mostly when they loved or hated it. Scored by the naive MAE on such self-selected test ratings, will the four rating predictors come out in their true order?',
      answer: { kind: 'choice', options: [{ value: 'usually', label: 'Usually' }, { value: 'rarely', label: 'Rarely' }] },
      state: { ...preset('chosen') },
      reveal(r, s, guess) {
        const { share, n, happened } = orderVerdict(r);
        const outcome = `In ${r.ratings.orderRight.naive} of ${n} draws of test ratings (${pct(share)}) the naive MAE ranks the predictors in their true order; the random survey does in ${r.ratings.orderRight.survey}.`;
        const why = happened === 'rarely'
          ? 'Self-selected ratings over-represent the extremes users chose to rate: a predictor that is good at those looks better than it is on every user–item pair. A random survey, or weighting each rating by 1 over its chance of being observed, fixes the order.'
          : 'This time the naive MAE gets the order right in most draws: at this setting the ratings are missing almost at random.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'mar-order',
      question: 'Now users rate items at random, whatever they think of them (missing at random). Will the naive MAE rank the predictors in their true order?',
      answer: { kind: 'choice', options: [{ value: 'usually', label: 'Usually' }, { value: 'rarely', label: 'Rarely' }] },
      state: { ...preset('mar') },
      reveal(r, s, guess) {
        const { share, n, happened } = orderVerdict(r);
        const outcome = `In ${r.ratings.orderRight.naive} of ${n} draws (${pct(share)}) the naive MAE ranks the predictors in their true order.`;
        const why = happened === 'usually'
          ? 'When which ratings are observed does not depend on their values, the observed ratings are a fair sample of all pairs: the naive MAE is unbiased, and only its noise can swap two close predictors.'
          : 'This time the naive MAE gets the order wrong in most draws even at random: two of the predictors are too close for this many test ratings.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'closest-proxy',
    title: 'Exercise: which signal tracks satisfaction?',
    answerLabel: 'Signal',
    answer: {
      kind: 'choice',
      options: [
        { value: 'dwell30', label: 'Played > 30 s' },
        { value: 'dwell120', label: 'Played > 2 min' },
        { value: 'save', label: 'Saved to a playlist' },
        { value: 'engaged', label: 'Played > 30 s or saved' },
        { value: 'thumbs', label: 'Thumbs up' },
      ],
    },
  },
};

startLesson({ slug: 'feedback', controls, presets, task: 'feedback', render, learning });
