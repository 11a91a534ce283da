// Lesson 5: "Does offline predict online?".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { show, COLORS, TRUTH, fmt, pct } from '../js/charts.js';

const METRICS = [
  { value: 'ndcg', label: 'NDCG@k', short: 'NDCG@k', naive: true },
  { value: 'precision', label: 'Precision@k', short: 'Precision@k', naive: true },
  { value: 'ipw', label: 'IPS', short: 'IPS', naive: false },
  { value: 'dr', label: 'DR', short: 'DR', naive: false },
];

const controls = defineControls([
  { key: 'bucket', type: 'steps', label: 'Randomized bucket (share of traffic)', values: [0, 0.01, 0.02, 0.05, 0.1, 0.2], default: 0.05, format: (v) => (v === 0 ? 'none' : pct(v, 0)), group: 'The logs', help: 'Share of visits that get a uniformly random item instead of production’s pick.' },
  { key: 'rounds', type: 'steps', label: 'Logged visits', values: [2000, 5000, 10000, 20000, 50000], default: 20000, format: (v) => v.toLocaleString('en'), group: 'The logs' },
  { key: 'popBias', type: 'number', label: 'Production popularity bias', min: 0, max: 2, step: 0.25, default: 1, group: 'The logs', help: 'How hard production pushes popular items, next to what each user likes (0: only taste).' },
  { key: 'metric', type: 'choice', label: 'Metric in the scatter plots', options: METRICS.map(({ value, label }) => ({ value, label })), default: 'ndcg', group: 'What to show' },
  { key: 'k', type: 'steps', label: 'Cut-off k of precision@k and NDCG@k', values: [1, 3, 5, 10, 20], default: 10, group: 'What to show' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World', help: 'Same seed, same users, items, logs and A/B tests.' },
]);

const presets = [
  {
    id: 'production-only',
    label: 'Production logs only',
    state: { bucket: 0 },
    note: 'Without a bucket, NDCG@10 and precision@10 on the logged clicks order the twelve candidates with Kendall τ ≈ 0.5 against their true online value, and all 20 logs land between 0.42 and 0.52: a steady, systematic error. They rank production and the candidates that push popular items at the top. IPS and DR are unbiased, but production rarely shows what the long-tail and kNN candidates recommend, so their estimates rest on a few heavily weighted visits: τ is 0.61 in the median log, and from 0.48 to 0.85 (IPS) or 0.39 to 0.79 (DR) in the middle 80% of logs.',
  },
  {
    id: 'bucket-5',
    label: 'With a 5% random bucket',
    state: { bucket: 0.05 },
    note: 'One visit in twenty gets a random item. On the bucket’s ~1,000 rows every item had the same chance to be shown, so NDCG@10 rises from τ 0.52 to 0.71. The bucket also caps the IPS weights on all logs (every item keeps at least a 0.05 × 1/100 = 0.0005 chance, so no weight exceeds 2,000), and IPS and DR on all 20,000 visits reach τ 0.79 and 0.82. IPS on the bucket rows alone is unbiased but noisy (0.53): 1,000 random visits spread over 100 items.',
  },
  {
    id: 'bucket-20',
    label: 'A 20% bucket',
    state: { bucket: 0.2 },
    note: 'With 4,000 random visits, NDCG@10 on the bucket reaches τ 0.85 and IPS/DR on all logs 0.85/0.86, close to the 0.97 of real A/B tests with 10,000 visits per arm. A fifth of the traffic seeing random items is an expensive bucket; compare 5%.',
  },
  {
    id: 'small-logs',
    label: 'Small logs',
    state: { rounds: 5000 },
    note: 'With 5,000 visits the 5% bucket has only ~250 rows. The naive metrics on all logs stay where they were (τ ≈ 0.5: the amount of data was never their problem), while everything computed on the bucket becomes a lottery: in the middle 80% of logs, IPS on the bucket lands anywhere from −0.18 to 0.68. IPS and DR on all logs hold up better (0.68).',
  },
  {
    id: 'popularity',
    label: 'Popularity-obsessed production',
    state: { popBias: 2 },
    note: 'The more production pushes popular items, the more its logs are made of them, and the more the naive metrics reward candidates that push them too: τ drops to 0.20 (precision@10) and 0.26 (NDCG@10) on all logs. On the bucket rows they still reach 0.72, and IPS/DR on all logs 0.75/0.85.',
  },
  {
    id: 'taste-production',
    label: 'Production that follows taste',
    state: { popBias: 0 },
    note: 'When production itself ranks by what users like, its logged clicks point the same way as the truth and the naive metrics look excellent (τ ≈ 0.95). They measure agreement with production; here production happens to be right. Without a randomized bucket you cannot tell from the logs which case you are in.',
  },
];

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

/** Offline metric (x, median and middle 80% over logs) against the true online value (y) of each candidate. */
function scatterChart(el, r, s, src) {
  const m = metricOf(s.metric);
  const name = metricName(s.metric, s.k);
  const byOnline = r.candidates.map((c, j) => ({ c, j })).sort((a, b) => b.c.value - a.c.value);
  const rank = new Map(byOnline.map(({ j }, i) => [j, i + 1]));
  const summary = r.offline[s.metric][src.id];
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
  const t = r.tau[s.metric][src.id];
  show(el, {
    data: { pts, metric: s.metric, src: src.id, none: !summary },
    description: summary
      ? `Scatter plot of ${name} computed on ${where} (x) against the true online click rate (y) of the 12 candidates; Kendall tau ${fmt(t?.median, 2)}.`
      : 'No randomized bucket: there are no bucket rows to compute the offline metric on.',
    table: {
      columns: ['candidate (1 = best online)', 'true online click rate', `${name}: median over logs`, 'middle 80% of logs: from', 'to', 'overlap with production'],
      rows: pts.sort((a, b) => a.n - b.n).map((d) => [`${d.n}. ${d.label}`, d.online, d.x, d.lo, d.hi, pct(d.overlap, 0)]),
    },
    make: (P) => {
      if (!summary) {
        return P.plot({
          style: { fontSize: '13px' },
          width: chartWidth(el),
          height: 90,
          x: { axis: null, domain: [0, 1] },
          y: { axis: null, domain: [0, 1] },
          marks: [P.frame({ stroke: '#ccc' }), P.text(['No randomized bucket: move “Randomized bucket” above 0 to see this plot.'], { frameAnchor: 'middle', fontSize: 14 })],
        });
      }
      return P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: chartWidth(el),
        height: 340,
        marginRight: 32,
        marginBottom: 44,
        x: { label: xLabel, domain: xDomain, grid: true, labelOffset: 38 },
        y: { label: '↑ True online click rate (clicks per visit)', domain: yDomain, grid: true },
        color: OVERLAP_SCALE,
        marks: [
          unbiased ? P.line([[xDomain[0], xDomain[0]], [xDomain[1], xDomain[1]]], { stroke: TRUTH, strokeDasharray: '4 3', strokeWidth: 1.5 }) : null,
          unbiased ? P.text([[xDomain[1], xDomain[1]]], { text: () => 'offline = online', textAnchor: 'end', dy: -8, fill: TRUTH }) : null,
          P.ruleY(pts, { y: 'online', x1: 'lo', x2: 'hi', stroke: src.color, strokeWidth: 2.5, strokeOpacity: 0.7 }),
          P.dot(pts, { x: 'x', y: 'online', fill: 'overlap', stroke: '#222', r: 6, title: (d) => `${d.n}. ${d.label}: ${name} ${fmt(d.x)}, online ${fmt(d.online)}, overlap with production ${pct(d.overlap, 0)}` }),
          P.text(pts, { x: 'x', y: 'online', text: (d) => String(d.n), dx: 9, dy: -8, fontSize: 11, fontWeight: 600 }),
        ],
      });
    },
  });
  overlapLegend(el, Boolean(summary));
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
    data: { rows: rows.map((c) => [c.name, c.value, c.ab?.mean, c.ab?.lower, c.ab?.upper]), narrow: chartWidth(el) < 560 },
    description: `Each candidate's exact online click rate, and the estimate of one simulated A/B test with ${r.abRounds} visits per arm and its 95% interval.`,
    table: {
      columns: ['candidate', 'exact online click rate', 'A/B test estimate', '95% interval: from', 'to', 'overlap with production'],
      rows: rows.map((c) => [c.name, c.value, c.ab?.mean ?? NaN, c.ab?.lower ?? NaN, c.ab?.upper ?? NaN, pct(c.overlap, 0)]),
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
          P.dot(abRows, { y: 'name', x: (c) => c.ab.mean, fill: AB_COLOR, r: 4.5, title: (c) => `${c.name}: A/B ${fmt(c.ab.mean)} (${fmt(c.ab.lower)} to ${fmt(c.ab.upper)})` }),
          P.tickX(rows, { y: 'name', x: 'value', stroke: TRUTH, strokeWidth: 2.5, title: (c) => `${c.name}: exact ${fmt(c.value)}` }),
        ],
      });
    },
  });
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
  const readout = root.querySelector('.readout');
  if (!r.logsDone) {
    readout.textContent = 'Computing the candidates’ online values…';
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
  readout.textContent = `Agreement with the online ranking of the 12 candidates (Kendall τ, median over ${r.logsDone} logs of ${s.rounds.toLocaleString('en')} visits): ${name} on all logs ${tf(t[s.metric].all)}${bucket}. Best offline metric here: ${bestText}. Real A/B tests with ${r.abRounds.toLocaleString('en')} visits per arm: ${tf(t.ab.all)}.`;
}

startLesson({ slug: 'offline-online', controls, presets, task: 'offline-online', render });
