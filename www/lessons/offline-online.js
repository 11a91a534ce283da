// Lesson 5: "Does offline predict online?".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './offline-online.json' with { type: 'json' };
import { show, COLORS, TRUTH, fmt, pct } from '../js/charts.js';

const METRICS = [
  { value: 'ndcg', label: 'NDCG@k', short: 'NDCG@k', naive: true },
  { value: 'precision', label: 'Precision@k', short: 'Precision@k', naive: true },
  { value: 'ipw', label: 'IPS', short: 'IPS', naive: false },
  { value: 'dr', label: 'DR', short: 'DR', naive: false },
];

const controls = defineControls(spec.controls);
const { presets } = spec;

const metricOf = (id) => METRICS.find((m) => m.value === id);
const metricName = (id, k) => metricOf(id).short.replace('@k', `@${k}`);
const SOURCES = [
  { id: 'all', label: 'On all logs', short: 'all logs', color: COLORS[1] },
  { id: 'bucket', label: 'On the bucket rows only', short: 'bucket rows', color: COLORS[0] },
];
const AB_SERIES = 'Online: A/B tests';
const AB_COLOR = COLORS[2];
const OVERLAP_SCALE = { type: 'linear', domain: [0, 1], range: ['#d8e9f5', '#08306b'], label: 'Overlap with production’s recommendations', tickFormat: (d) => `${Math.round(100 * d)}%` };

const labelMargin = (labels) => Math.min(300, 16 + 7 * Math.max(8, ...labels.map((l) => String(l).length)));
/** Figure widths, read once per render before any chart changes (reading clientWidth after a chart was replaced would force a layout each time). */
const widths = new WeakMap();
const chartWidth = (el) => Math.max(320, Math.min(760, widths.get(el) || el.clientWidth || 720));

/**
 * Row labels of a horizontal chart: left of the rows on wide screens; on narrow ones, above each
 * row (so that the rows keep the width). Returns Plot options and the extra label mark.
 */
function rowLabels(P, el, rows, key, rowHeight) {
  const domain = rows.map((d) => d[key]);
  if (chartWidth(el) >= 560) {
    return { height: rowHeight * rows.length, marginLeft: labelMargin(domain), y: { label: null, domain, padding: 0.25 }, mark: null };
  }
  const h = rowHeight + 18;
  const padding = 0.5;
  return {
    height: h * rows.length,
    marginLeft: 8,
    y: { axis: null, domain, padding },
    // just above the row's bar, whose half-height is (1 − padding)·h/2
    mark: P.text(rows, { y: key, text: key, frameAnchor: 'left', textAnchor: 'start', lineAnchor: 'bottom', dy: -((1 - padding) * h) / 2 - 2, fill: '#222' }),
  };
}

/** Kendall τ of every offline metric with the online value: bars (median over logs) and whiskers (middle 80%). */
function tauChart(el, r, s) {
  const rows = [];
  for (const m of METRICS) {
    for (const src of SOURCES) {
      const t = r.tau[m.value][src.id];
      if (t && t.n > 0) rows.push({ label: `${metricName(m.value, s.k)}, ${src.short}`, series: src.label, median: t.median, lo: t.lo, hi: t.hi, n: t.n });
    }
  }
  const ab = r.tau.ab.all;
  const abLabel = 'A/B tests (online)';
  if (ab.n > 0) rows.push({ label: abLabel, series: AB_SERIES, median: ab.median, lo: ab.lo, hi: ab.hi, n: ab.n });
  const series = [...SOURCES.map((x) => x.label), AB_SERIES];
  const lo = Math.min(0, ...rows.map((d) => d.lo).filter(Number.isFinite));
  show(el, {
    data: { rows, narrow: chartWidth(el) < 560 },
    description: `Bar chart of Kendall tau between each offline metric and the true online value of the 12 candidates, median over ${r.logsDone} logs with the middle 80% of logs as whiskers; 1 means the same order as online.`,
    table: {
      columns: ['offline metric', 'median τ', 'middle 80% of logs: from', 'to', 'logs'],
      rows: rows.map((d) => [d.label, d.median, d.lo, d.hi, d.n]),
    },
    make: (P) => {
      const lab = rowLabels(P, el, rows, 'label', 30);
      return P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: chartWidth(el),
        height: 80 + lab.height,
        marginTop: 30,
        marginLeft: lab.marginLeft,
        marginRight: 44,
        marginBottom: 44,
        x: { label: 'Kendall τ with the online ranking (1 = same order) →', domain: [lo, 1], grid: true, labelOffset: 38 },
        y: lab.y,
        color: { domain: series, range: [...SOURCES.map((x) => x.color), AB_COLOR], legend: true },
        marks: [
          lab.mark,
          P.barX(rows, { y: 'label', x: 'median', fill: 'series', title: (d) => `${d.label}: τ = ${fmt(d.median, 2)} (middle 80% of logs ${fmt(d.lo, 2)} to ${fmt(d.hi, 2)})` }),
          P.ruleY(rows, { y: 'label', x1: 'lo', x2: 'hi', stroke: TRUTH, strokeWidth: 1.5 }),
          P.tickX(rows, { y: 'label', x: 'lo', stroke: TRUTH, strokeWidth: 1.5, inset: 5 }),
          P.tickX(rows, { y: 'label', x: 'hi', stroke: TRUTH, strokeWidth: 1.5, inset: 5 }),
          P.ruleX([0]),
          P.ruleX([1], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' }),
          P.text([1], { x: (d) => d, frameAnchor: 'top', dy: -8, textAnchor: 'end', text: () => 'same order as online', fill: TRUTH }),
          P.text(rows, { y: 'label', x: (d) => Math.max(d.hi, d.median), text: (d) => fmt(d.median, 2), textAnchor: 'start', dx: 6 }),
        ],
      });
    },
  });
}

/**
 * Where to put each point's label so that labels do not cover each other or the dots: for each
 * point in turn, the first of four places around its dot (right above, right below, left above,
 * left below) that overlaps nothing placed so far. Returns { dx, dy, anchor } per point, in pixels.
 */
function placeLabels(pts, px, py) {
  const W = 16;
  const H = 13;
  const placed = pts.map((d) => ({ x0: px(d.x) - 6, x1: px(d.x) + 6, y0: py(d.online) - 6, y1: py(d.online) + 6 }));
  const overlaps = (b) => placed.some((o) => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1);
  return pts.map((d) => {
    const x = px(d.x);
    const y = py(d.online);
    const options = [
      { dx: 9, dy: -8, anchor: 'start' },
      { dx: 9, dy: 12, anchor: 'start' },
      { dx: -9, dy: -8, anchor: 'end' },
      { dx: -9, dy: 12, anchor: 'end' },
    ];
    const box = (o) => {
      const x0 = o.anchor === 'start' ? x + o.dx : x + o.dx - W;
      return { x0, x1: x0 + W, y0: y + o.dy - H / 2, y1: y + o.dy + H / 2 };
    };
    const pick = options.find((o) => !overlaps(box(o))) ?? options[0];
    placed.push(box(pick));
    return pick;
  });
}

/** Offline metric (x, median and middle 80% over logs) against the true online value (y) of each candidate. */
function scatterChart(el, r, s, src) {
  const m = metricOf(s.metric);
  const name = metricName(s.metric, s.k);
  const byOnline = r.candidates.map((c, j) => ({ c, j })).sort((a, b) => b.c.value - a.c.value);
  const rank = new Map(byOnline.map(({ j }, i) => [j, i + 1]));
  const summary = r.offline?.[s.metric]?.[src.id];
  const pts = summary
    ? r.candidates
        .map((c, j) => ({ label: c.label, n: rank.get(j), online: c.value, overlap: c.overlap, x: summary[j]?.median, lo: summary[j]?.lo, hi: summary[j]?.hi, logs: summary[j]?.n }))
        .filter((d) => Number.isFinite(d.x))
    : [];
  const unbiased = !m.naive;
  const xs = pts.flatMap((d) => [d.lo, d.hi, d.x]).filter(Number.isFinite);
  const ys = r.candidates.map((c) => c.value);
  const both = unbiased ? [...xs, ...ys] : xs;
  const pad = (a, b) => [a - 0.04 * (b - a || 1), b + 0.04 * (b - a || 1)];
  const xDomain = both.length ? pad(Math.min(...both), Math.max(...both)) : [0, 1];
  const yDomain = unbiased ? xDomain : pad(Math.min(...ys), Math.max(...ys));
  const where = src.id === 'all' ? 'all logged visits' : 'the randomized bucket’s visits';
  const xLabel = m.naive ? `${name} of the candidate on the logged clicks →` : `${name} estimate of the click rate, from ${src.id === 'all' ? 'all logs' : 'the bucket'} (clicks per visit) →`;
  const t = r.tau?.[s.metric]?.[src.id];
  // the plot's geometry, to place the labels and to tell which bars hide behind their dots
  const width = chartWidth(el);
  const height = 340;
  const margin = { left: 48, right: 32, top: 20, bottom: 44 };
  const px = (x) => margin.left + ((x - xDomain[0]) / (xDomain[1] - xDomain[0])) * (width - margin.left - margin.right);
  const py = (y) => height - margin.bottom - ((y - yDomain[0]) / (yDomain[1] - yDomain[0])) * (height - margin.top - margin.bottom);
  const hidden = pts.filter((d) => px(d.hi) - px(d.lo) < 12).length;
  const labels = placeLabels(pts, px, py);
  const labelled = pts.map((d, i) => ({ ...d, ...labels[i] }));
  show(el, {
    data: { pts, metric: s.metric, src: src.id, none: !summary, width },
    description: summary
      ? `Scatter plot of ${name} computed on ${where} (x) against the true online click rate (y) of the 12 candidates; Kendall tau ${fmt(t?.median, 2)}.`
      : 'No randomized bucket: there are no bucket rows to compute the offline metric on.',
    table: {
      columns: ['candidate (1 = best online)', 'true online click rate', `${name}: median over logs`, 'middle 80% of logs: from', 'to', 'overlap with production'],
      rows: [...pts].sort((a, b) => a.n - b.n).map((d) => [`${d.n}. ${d.label}`, d.online, d.x, d.lo, d.hi, pct(d.overlap, 0)]),
    },
    make: (P) => {
      if (!summary) {
        return P.plot({
          style: { fontSize: '13px' },
          width,
          height: 90,
          x: { axis: null, domain: [0, 1] },
          y: { axis: null, domain: [0, 1] },
          marks: [P.frame({ stroke: '#ccc' }), P.text(['No randomized bucket: move “Randomized bucket” above 0 to see this plot.'], { frameAnchor: 'middle', fontSize: 14 })],
        });
      }
      const labelMarks = [[9, -8], [9, 12], [-9, -8], [-9, 12]].map(([dx, dy]) =>
        P.text(labelled.filter((d) => d.dx === dx && d.dy === dy), { x: 'x', y: 'online', text: (d) => String(d.n), dx, dy, textAnchor: dx > 0 ? 'start' : 'end', fontSize: 11, fontWeight: 600 }),
      );
      return P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width,
        height,
        marginLeft: margin.left,
        marginRight: margin.right,
        marginTop: margin.top,
        marginBottom: margin.bottom,
        x: { label: xLabel, domain: xDomain, grid: true, labelOffset: 38 },
        y: { label: '↑ True online click rate (clicks per visit)', domain: yDomain, grid: true },
        color: OVERLAP_SCALE,
        marks: [
          unbiased ? P.line([[xDomain[0], xDomain[0]], [xDomain[1], xDomain[1]]], { stroke: TRUTH, strokeDasharray: '4 3', strokeWidth: 1.5 }) : null,
          unbiased ? P.text([[xDomain[1], xDomain[1]]], { text: () => 'offline = online', textAnchor: 'end', dy: -8, fill: TRUTH }) : null,
          P.link(pts, { x1: 'lo', x2: 'hi', y1: 'online', y2: 'online', stroke: src.color, strokeWidth: 2.5, strokeOpacity: 0.8, markerStart: 'tick', markerEnd: 'tick' }),
          P.dot(pts, { x: 'x', y: 'online', fill: 'overlap', stroke: '#222', r: 6, title: (d) => `${d.n}. ${d.label}: ${name} ${fmt(d.x)} (middle 80% of logs ${fmt(d.lo)} to ${fmt(d.hi)}), online ${fmt(d.online)}, overlap with production ${pct(d.overlap, 0)}` }),
          ...labelMarks,
        ],
      });
    },
  });
  overlapLegend(el, Boolean(summary));
  spreadNote(el, summary ? hidden : -1, pts.length, name);
}

/** A note under a chart (above its caption), computed from the run; none when `text` is empty. */
function setNote(el, text) {
  let note = el.querySelector('.chart-note');
  if (!text) {
    note?.remove();
    return;
  }
  if (!note) {
    note = document.createElement('p');
    note.className = 'chart-note small';
    el.querySelector('figcaption')?.before(note);
  }
  if (note.textContent !== text) note.textContent = text;
}

/** Under a scatter plot: how many of its bars hide behind their dots (the metric barely moves from log to log). */
function spreadNote(el, hidden, n, name) {
  if (hidden < 0) {
    setNote(el, '');
    return;
  }
  setNote(
    el,
    hidden === 0
      ? `Every bar is wider than its dot: ${name} moves from log to log.`
      : hidden === n
        ? `All ${n} bars are narrower than their dots (only their end ticks show): ${name} barely moves from log to log.`
        : `${hidden} of the ${n} bars ${hidden === 1 ? 'is' : 'are'} narrower than ${hidden === 1 ? 'its dot' : 'their dots'} (only ${hidden === 1 ? 'its' : 'their'} end ticks show): for ${hidden === 1 ? 'that candidate' : 'those candidates'} ${name} barely moves from log to log.`,
  );
}

/** The colour legend of the scatter plots, below the chart: drawn once, not on every redraw (it never changes). */
function overlapLegend(el, visible) {
  const legend = el.querySelector('.overlap-legend');
  if (!visible) legend?.remove();
  else if (!legend && globalThis.Plot) {
    const l = globalThis.Plot.legend({ color: OVERLAP_SCALE, width: 280, marginLeft: 12, marginRight: 16, label: 'Overlap with production’s recommendations' });
    l.classList.add('overlap-legend');
    l.setAttribute('aria-hidden', 'true');
    el.querySelector('.chart-slot')?.after(l);
  }
}

/** The truth: each candidate's exact online value, and one simulated A/B test with its 95% interval. */
function onlineChart(el, r) {
  const rows = r.candidates.map((c) => ({ ...c })).sort((a, b) => b.value - a.value).map((c, i) => ({ ...c, name: `${i + 1}. ${c.label}` }));
  const abRows = rows.filter((c) => c.ab);
  show(el, {
    data: { rows: rows.map((c) => [c.name, c.value, c.ab?.estimate, c.ab?.lower, c.ab?.upper, c.tasteRank]), narrow: chartWidth(el) < 560 },
    description: `Each candidate's exact online click rate, and the estimate of one simulated A/B test with ${r.abRounds} visits per arm and its 95% interval.`,
    table: {
      columns: ['candidate', 'exact online click rate', 'A/B test estimate', '95% interval: from', 'to', 'overlap with production', 'its favourite item: rank in users’ true taste (mean)'],
      rows: rows.map((c) => [c.name, c.value, c.ab?.estimate ?? NaN, c.ab?.lower ?? NaN, c.ab?.upper ?? NaN, pct(c.overlap, 0), fmt(c.tasteRank, 1)]),
    },
    make: (P) => {
      const lab = rowLabels(P, el, rows, 'name', 26);
      return P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: chartWidth(el),
        height: 70 + lab.height,
        marginLeft: lab.marginLeft,
        marginRight: 24,
        marginBottom: 44,
        x: { label: 'Online click rate (clicks per visit) →', grid: true, nice: true, labelOffset: 38 },
        y: lab.y,
        color: { domain: [`A/B test, ${r.abRounds.toLocaleString('en')} visits (95% interval)`, 'exact value (truth)'], range: [AB_COLOR, TRUTH], legend: true },
        marks: [
          lab.mark,
          P.ruleY(abRows, { y: 'name', x1: (c) => c.ab.lower, x2: (c) => c.ab.upper, stroke: AB_COLOR, strokeWidth: 3 }),
          P.dot(abRows, { y: 'name', x: (c) => c.ab.estimate, fill: AB_COLOR, r: 4.5, title: (c) => `${c.name}: A/B ${fmt(c.ab.estimate)} (${fmt(c.ab.lower)} to ${fmt(c.ab.upper)})${c.ab.caution ? ` — ${c.ab.caution}` : ''}` }),
          P.tickX(rows, { y: 'name', x: 'value', stroke: TRUTH, strokeWidth: 2.5, title: (c) => `${c.name}: exact ${fmt(c.value)}` }),
        ],
      });
    },
  });
}

/** 1st, 2nd, 3rd, 12th. */
const ordinal = (x) => {
  const n = Math.round(x);
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
};

/** Why the IPS-weighted item-kNN does what it does online, from this run's numbers. */
function knnText(r) {
  const w = r.knnWeights;
  const byOnline = [...r.candidates].sort((a, b) => b.value - a.value);
  const at = (id) => byOnline.findIndex((c) => c.id === id);
  const ipw = r.candidates.find((c) => c.id === 'knnIpw');
  const naive = r.candidates.find((c) => c.id === 'knn');
  if (!w || !ipw || !naive) return '';
  const worse = ipw.value < naive.value;
  return `The item-kNN trained with IPS weights is ${ordinal(at('knnIpw') + 1)} of 12 online, ${worse ? 'below' : 'above'} the naively trained one (${ordinal(at('knn') + 1)}). The 1% of its ${w.clicks.toLocaleString('en')} training clicks with the largest weights carry ${pct(w.topShare, 0)} of their total weight (the largest counts ${fmt(w.maxWeight, 0)} times an average visit), so what it recommends to a user follows the few rarely shown items they happened to click: its most likely item for a user is on average that user’s ${ordinal(ipw.tasteRank)} favourite (naive item-kNN: ${ordinal(naive.tasteRank)}; true taste: ${ordinal(r.candidates.find((c) => c.id === 'taste')?.tasteRank ?? NaN)}).`;
}

function render(r, s, fig, root) {
  if (!r.candidates?.length) return;
  for (const el of Object.values(fig)) widths.set(el, el.clientWidth);
  if (r.logsDone > 0) {
    tauChart(fig.tau, r, s);
    scatterChart(fig.scatter, r, s, SOURCES[0]);
    scatterChart(fig.scatterBucket, r, s, SOURCES[1]);
  }
  onlineChart(fig.online, r);
  setNote(fig.online, knnText(r));
  const readout = root.querySelector('.readout');
  if (!r.logsDone) {
    readout.textContent = `Computing the candidates’ online values (${r.candidates.length} of 12)…`;
    return;
  }
  const name = metricName(s.metric, s.k);
  const t = r.tau;
  const tf = (x) => (x && x.n ? fmt(x.median, 2) : '—');
  const bucket = s.bucket > 0 ? `, on the bucket’s ${Math.round(r.bucketRows.median).toLocaleString('en')} random visits ${tf(t[s.metric].bucket)}` : ' (no randomized bucket)';
  const best = [];
  for (const m of METRICS) for (const src of SOURCES) if (t[m.value][src.id]?.n) best.push({ label: `${metricName(m.value, s.k)} on ${src.id === 'all' ? 'all logs' : 'the bucket'}`, v: t[m.value][src.id].median });
  best.sort((a, b) => b.v - a.v);
  const top = best.filter((b) => fmt(b.v, 2) === fmt(best[0].v, 2)).map((b) => b.label);
  const bestText = `${top.length > 1 ? `${top.slice(0, -1).join(', ')} and ${top.at(-1)}` : top[0]}, ${fmt(best[0].v, 2)}`;
  const cautions = r.candidates.filter((c) => c.ab?.caution).map((c) => `${c.label}: ${c.ab.caution}`);
  const abCaution = cautions.length ? ` Careful with the A/B intervals of ${cautions.join('; ')}.` : '';
  readout.textContent = `Agreement with the online ranking of the 12 candidates (Kendall τ, median over ${r.logsDone} logs of ${s.rounds.toLocaleString('en')} visits): ${name} on all logs ${tf(t[s.metric].all)}${bucket}. Best offline metric here: ${bestText}. Real A/B tests with ${r.abRounds.toLocaleString('en')} visits per arm: ${tf(t.ab.all)}.${abCaution}`;
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;
/** Which of two offline metrics orders the candidates closer to the online order (median Kendall τ over logs). */
const closer = (a, b) => (a.median - b.median > 0.05 ? 'first' : b.median - a.median > 0.05 ? 'second' : 'tie');

const learning = {
  prompts: [
    {
      id: 'ndcg-or-dr',
      question: 'Twelve candidates, scored on production’s logs alone. Which orders them closer to what A/B tests would find: NDCG@10 on the logged clicks, or DR (doubly robust, reweighting by production’s propensities)?',
      answer: { kind: 'choice', options: [{ value: 'ndcg', label: 'NDCG on logged clicks' }, { value: 'dr', label: 'DR' }, { value: 'tie', label: 'About the same' }] },
      state: { ...preset('production-only') },
      reveal(r, s, guess) {
        const [n, d] = [r.tau.ndcg.all, r.tau.dr.all];
        const happened = { first: 'ndcg', second: 'dr', tie: 'tie' }[closer(n, d)];
        const outcome = `Over ${d.n} logs, the median Kendall τ with the online order is ${fmt(n.median, 2)} for NDCG and ${fmt(d.median, 2)} for DR (1: the same order; 0: no relation).`;
        const why = happened === 'dr'
          ? 'NDCG counts the logged clicks a candidate would have put on top, and production chose what got shown, so it rewards agreeing with production. DR reweights every logged click by how likely production was to show it, which estimates each candidate’s own online value.'
          : happened === 'tie'
            ? 'This time the two order the candidates about equally well: DR’s reweighting removes production’s bias but pays in noise with so few rows per candidate.'
            : 'This time NDCG does better, which is unusual: at this setting the candidates production favours happen to be the ones users like.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'bucket-ndcg',
      question: 'Now 20% of traffic is a uniformly random bucket. Computed on the bucket’s visits only, will NDCG order the candidates closer to the online order than NDCG on all the logs?',
      answer: { kind: 'choice', options: [{ value: 'bucket', label: 'Yes, the bucket is better' }, { value: 'all', label: 'No, all the logs are better' }, { value: 'tie', label: 'About the same' }] },
      state: { ...preset('bucket-20') },
      reveal(r, s, guess) {
        const [b, a] = [r.tau.ndcg.bucket, r.tau.ndcg.all];
        const happened = { first: 'bucket', second: 'all', tie: 'tie' }[closer(b, a)];
        const outcome = `Median Kendall τ with the online order: ${fmt(b.median, 2)} on the bucket’s visits, ${fmt(a.median, 2)} on all logs.`;
        const why = happened === 'bucket'
          ? 'In the bucket, what got shown did not depend on production’s taste, so a click there says what users like, not what production chose: fewer rows, but unbiased ones.'
          : happened === 'tie'
            ? 'This time the bucket’s unbiased rows and the larger log’s biased ones order the candidates about equally well.'
            : 'This time all the logs do better: the bucket’s rows are too few at this setting for NDCG to separate the candidates.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'ab-winner',
    title: 'Exercise: pick the A/B winner from the logs',
    answerLabel: 'The candidate that would win',
    // the four candidates of this learner's problem come with the instance
    answer: { kind: 'choice', options: [] },
    stateOf: (pairs) => ({ ...Object.fromEntries(pairs), metric: 'dr' }),
  },
};

startLesson({ slug: 'offline-online', controls, presets, task: 'offline-online', render, learning });
