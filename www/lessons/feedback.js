// Lesson 7: "Explicit and implicit signals".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { show, COLORS, TRUTH, fmt, pct } from '../js/charts.js';

// Keep in step with www/js/tasks/feedback.js (the page does not import the worker's module).
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
const SHARES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const int = (v) => Math.round(v).toLocaleString('en');
const stars = (v) => `${fmt(v, 2)}★`;

const controls = defineControls([
  { key: 'mnar', type: 'number', label: 'Extremes rated more often (MNAR strength m)', min: 0, max: 8, step: 0.5, default: 2, group: 'Ratings users choose to give', help: 'A consumed item is rated with probability rate × (1 + m·(|r − 3|/2)²): at m = 2, 1★ and 5★ items three times as often as 3★ ones; at 0 the decision to rate ignores the rating.' },
  { key: 'rate', type: 'steps', label: 'Rating rate (of consumed 3★ items)', values: [0.02, 0.05, 0.1, 0.2, 0.5, 1], default: 0.1, format: (v) => pct(v, 0), group: 'Ratings users choose to give', help: 'How often a consumed item with a middling true rating gets rated; extremes more often (capped at 100%).' },
  { key: 'perUser', type: 'steps', label: 'Items each user consumes (budget k)', values: [2, 5, 10, 20, 50], default: 20, group: 'Ratings users choose to give', help: 'Item i is consumed with probability min(1, k·π(i|u)). Favourites saturate at 1, so users consume fewer than k items.' },
  { key: 'choose', type: 'number', label: 'Users consume what they like (β)', min: 0, max: 4, step: 0.5, default: 2, group: 'Ratings users choose to give', help: 'Sharpness of the softmax over how much each user likes each item: 0 consumes items at random.' },
  { key: 'survey', type: 'steps', label: 'Random items asked per user', values: [1, 2, 5, 10, 20], default: 2, group: 'Random survey (Yahoo! R3, Coat)', help: 'Each of the 500 users rates this many uniformly random items, and always answers.' },
  { key: 'proxy', type: 'choice', label: 'Satisfaction proxy', options: PROXIES, default: 'engaged', group: 'Implicit signals', help: 'The signal that counts a play as “satisfied”, scored against whether the user liked the track (hidden).' },
  { key: 'sampling', type: 'steps', label: 'Sessions spent building playlists', values: SHARES, default: 0.3, format: (v) => pct(v, 0), group: 'Implicit signals', help: 'Sampling sessions skip 90% of tracks, liked or not, and save 60% of what they like; listening sessions skip what they dislike.' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World', help: 'Same seed, same users, items, ratings and plays.' },
]);

const presets = [
  {
    id: 'chosen',
    label: 'Ratings users chose to give',
    state: { mnar: 2, choose: 2 },
    note: 'Users consume about 5.6 tracks each, mostly ones they like, and rate 454 of the 50,000 user–item pairs (0.9%). Their ratings average 2.65★; the true average over all pairs is 1.51★, with 59% of pairs at 1★ but only 21% of the ratings. On those ratings the naive metric calls the propensity-weighted average the worst of the four predictors (MAE 1.28) when it is the second best (0.59), and it flatters the others (the global average: 1.02 against 1.23). The survey’s 1,000 random answers and SNIPS order all four correctly; IPS does too on average, with bars up to 1.9 stars wide. Naive-Bayes propensities, which only look at the rating, put the personalized model (0.89) behind the weighted average.',
  },
  {
    id: 'mar',
    label: 'Ratings missing at random',
    state: { mnar: 0, choose: 0 },
    note: 'Users now consume 20 random tracks each and rate 10% of them whatever they think: the ratings are missing at random. The observed ratings look like the truth (58% 1★ against 59%), the two averages coincide at 1.56★, and every estimate lands on the truth: the naive MAE of the global average is 0.607, its truth 0.607. Propensities cannot help where there is no bias to correct.',
  },
  {
    id: 'extremes',
    label: 'Only strong opinions get rated',
    state: { choose: 0, mnar: 8 },
    note: 'Users consume at random, but rate 1★ and 5★ tracks 90% of the time and 3★ ones 10%: the bias now comes from the decision to rate alone. 83% of the 6,429 ratings are 1★ (59% of all pairs). Naively, the global average (0.35), the item average (0.34) and the personalized model (0.35) look alike; in truth the personalized model is clearly best (0.46 against 0.54–0.55). IPS and SNIPS land within 0.01 of every truth with narrow bars, since no propensity is tiny. Naive-Bayes propensities come within 0.02 of every truth: their assumption, that observation depends on the rating only, now holds.',
  },
  {
    id: 'sparse',
    label: 'Very sparse ratings',
    state: { rate: 0.02 },
    note: 'Only 2% of consumed 3★ tracks get rated: 85 training ratings for 50,000 pairs, about 84 per test draw. Thumbs up now come with 0.4% of plays. The naive metric is still biased, and the corrections can no longer save it: IPS for the global average ranges from 0.33 to 4.2 over the 40 draws, SNIPS from 0.85 to 1.61 (truth 1.31). The survey’s 1,000 random answers still pin every predictor to within a few hundredths.',
  },
  {
    id: 'playlists',
    label: 'Playlist season, dwell as the proxy',
    state: { sampling: 0.8, proxy: 'dwell30' },
    note: '80% of sessions are spent building playlists, where nine tracks in ten are skipped after a few seconds, liked or not. “Played > 30 s” now counts 23.9% of plays as satisfied, against 42.4% if everyone were just listening, while users like 34.1% of the tracks they hear either way. It catches only 49% of the liked plays; saves catch as many (49%) and are never wrong. Combining them (“played > 30 s or saved”) says 34.1%, right at this mix by luck: it still reads 42.5% when everyone listens.',
  },
];

const labelMargin = (labels) => Math.min(300, 16 + 7.2 * Math.max(8, ...labels.map((l) => String(l).length)));

/** Rank order (best first) of the predictors under a vector of MAEs. */
const order = (values) => PREDICTORS.map((p, i) => ({ p, v: values[i] })).filter((x) => Number.isFinite(x.v)).sort((a, b) => a.v - b.v).map((x) => x.p);
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
  const xmax = Math.min(4, Math.max(1, ...finite) * 1.05);
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
  const pts = Q.sweep.map((p) => ({ x: 100 * p.x, y: p.y, lo: p.lo, hi: p.hi }));
  const here = { x: 100 * s.sampling, y: Q.at.y, lo: Q.at.lo, hi: Q.at.hi };
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
          P.text([here], { x: 'x', frameAnchor: 'top', dy: 6, dx: here.x > 60 ? -6 : 6, textAnchor: here.x > 60 ? 'end' : 'start', text: () => `your mix: ${pct(here.y, 1)} satisfied, ${pct(Q.truth, 1)} liked`, fill: 'currentColor' }),
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
    x: g.recall.value,
    xlo: g.recall.lo,
    xhi: g.recall.hi,
    y: g.precision.value,
    ylo: g.precision.lo,
    yhi: g.precision.hi,
    selected: g.key === s.proxy,
  }));
  pts.push({ label: narrow ? 'Liked (truth)' : 'Liked (the truth)', rate: Q.likedAt.y, key: 'truth', kind: 'The truth', x: 1, xlo: NaN, xhi: NaN, y: 1, ylo: NaN, yhi: NaN, selected: false });
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
      columns: ['signal', 'share of plays with the signal', 'recall: liked plays it catches', 'recall low', 'recall high', 'precision: its plays that were liked', 'precision low', 'precision high'],
      rows: pts.map((p) => [p.label, p.rate, p.x, p.xlo, p.xhi, p.y, p.ylo, p.yhi]),
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
  node.textContent = `${int(R.nTrain)} training ratings for 50,000 user–item pairs (${pct(R.nTrain / 50000, 1)}; each user consumes about ${fmt(R.consumed, 1)} items), about ${int(R.nTest)} test ratings per draw, ${int(R.nSurvey)} survey answers. Observed ratings average ${stars(R.constants.global)}, all pairs ${stars(R.trueMean)}. From best to worst, the truth ranks the predictors ${orderText(truthOrder)}. The naive metric gives ${verdict('naive')}, and is off by up to ${fmt(Math.abs(worst.d), 2)} stars (${worst.p.label.toLowerCase()}: ${fmt(R.estimates.naive[worst.i].mean, 2)} against ${fmt(R.truth[worst.i], 2)}). SNIPS gives ${verdict('snips')}; the survey ${verdict('survey')}.`;
}

function proxyReadout(r, s, node) {
  const Q = r.proxy;
  const name = PROXIES.find((p) => p.value === s.proxy).label;
  node.textContent = `At ${pct(s.sampling, 0)} playlist sessions, “${name}” counts ${pct(Q.at.y, 1)} of ${int(Q.plays)} plays as satisfied; users liked ${pct(Q.truth, 1)}. In listening sessions it says ${pct(Q.listening, 1)}, in sampling sessions ${pct(Q.sampling, 1)}, although users like the same share of tracks in both.`;
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

startLesson({ slug: 'feedback', controls, presets, task: 'feedback', render });
