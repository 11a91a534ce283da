// Lesson 1: "Your logs are biased".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { estimatesChart, groupedBarsChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const controls = defineControls([
  { key: 'beta', type: 'number', label: 'Production sharpness β', min: 0, max: 5, step: 0.25, default: 1, group: 'Production recommender (the logger)', help: 'Inverse temperature of the production softmax: 0 shows items at random, 5 almost always shows its favourite.' },
  { key: 'popBias', type: 'number', label: 'Production popularity bias', min: 0, max: 2, step: 0.1, default: 0.5, group: 'Production recommender (the logger)', help: 'How much the production score favours already popular items, next to what each user likes.' },
  { key: 'tail', type: 'number', label: 'Candidate tail boost', min: 0, max: 2, step: 0.1, default: 1, group: 'Candidate recommender (to evaluate)', help: 'How much the candidate favours less popular items.' },
  { key: 'skew', type: 'number', label: 'Catalog popularity skew', min: 0, max: 2, step: 0.1, default: 1, group: 'World', help: 'Zipf exponent of item popularity: 0 all items equally popular, 2 a steep long tail.' },
  { key: 'rounds', type: 'steps', label: 'Logged visits', values: [1000, 2000, 5000, 10000, 20000, 50000], default: 10000, group: 'World', format: (v) => v.toLocaleString('en') },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World', help: 'Same seed, same world, same logs, same numbers.' },
]);

const presets = [
  { id: 'production', label: 'A typical production log', state: { beta: 1, popBias: 0.5, tail: 1 }, note: 'The production recommender leans towards popular items. Read naively, its logs make the tail-friendly candidate look much better than it is: they are full of popular items, which users click more. IPS divides each logged click by how likely production was to show that item and lands near the truth.' },
  { id: 'random', label: 'Logs from random recommendations', state: { beta: 0, popBias: 0, tail: 1 }, note: 'With uniformly random logging every item had the same chance to be shown, so even the naive estimate is unbiased, and IPS has its narrowest interval.' },
  { id: 'extreme', label: 'Very popularity-driven production', state: { beta: 5, popBias: 2, tail: 1.5 }, note: 'The logger almost never shows the tail. The naive estimate is far off, and IPS, still unbiased, rests on a few rare visits: look at its interval.' },
];

const SERIES = ['Production (logger)', 'Candidate'];

function render(r, s, fig, root) {
  const errorOf = (v) => {
    if (!Number.isFinite(v) || !r.truth) return '—';
    const p = Math.round((100 * (v - r.truth)) / r.truth);
    return `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p)}%`;
  };
  estimatesChart(fig.estimates, {
    truth: r.truth,
    xLabel: 'Click rate of the candidate (clicks per visit) →',
    description: `Estimates of the candidate's click rate from ${s.rounds} logged visits, against its true click rate ${fmt(r.truth)}.`,
    rows: [
      { label: 'What the logs show', value: r.main.logged, color: COLORS[7] },
      { label: 'Naive (no propensities)', value: r.main.naive, color: COLORS[3] },
      { label: 'IPS', value: r.main.ipw.estimate, lower: r.main.ipw.lower, upper: r.main.ipw.upper, color: COLORS[0] },
      { label: 'SNIPS', value: r.main.snipw.estimate, lower: r.main.snipw.lower, upper: r.main.snipw.upper, color: COLORS[2] },
    ],
  });
  const readout = root.querySelector('.readout');
  readout.textContent = `True click rate of the candidate: ${fmt(r.truth)} (production: ${fmt(r.productionValue)}). Naive estimate ${fmt(r.main.naive)} (${errorOf(r.main.naive)}); IPS ${fmt(r.main.ipw.estimate)} (${errorOf(r.main.ipw.estimate)}), 95% interval ${fmt(r.main.ipw.lower)} to ${fmt(r.main.ipw.upper)}, resting on an effective ${Math.round(r.main.ess).toLocaleString('en')} of ${s.rounds.toLocaleString('en')} visits.`;
  const groups = r.exposure.production.map((_, i) => `${10 * i + 1}–${10 * (i + 1)}%`);
  groupedBarsChart(fig.exposure, {
    groups,
    series: SERIES,
    xLabel: 'Items by popularity (most popular 10% first)',
    yLabel: '↑ Share of impressions',
    percent: true,
    description: 'Share of impressions that each popularity decile of the catalog receives under the production recommender and under the candidate.',
    data: [
      ...r.exposure.production.map((v, i) => ({ group: groups[i], series: SERIES[0], value: v })),
      ...r.exposure.candidate.map((v, i) => ({ group: groups[i], series: SERIES[1], value: v })),
    ],
  });
  linesChart(fig.sweep, {
    truth: r.truth,
    xLabel: 'Production sharpness β →',
    yLabel: '↑ Estimated click rate of the candidate',
    description: 'How the naive estimate and IPS change as the logging policy becomes sharper, against the true value.',
    yDomain: [0, Math.max(1, 2 * r.truth)],
    series: [
      { label: 'Naive', color: COLORS[3], points: r.sweep.map((p) => ({ x: p.beta, y: p.naive })) },
      { label: 'IPS (95% interval)', color: COLORS[0], points: r.sweep.map((p) => ({ x: p.beta, y: p.ipw, lo: p.lower, hi: p.upper })) },
    ],
  });
}

startLesson({ slug: 'biased-logs', controls, presets, task: 'biased-logs', render });
