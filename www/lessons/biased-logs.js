// Lesson 1: "Your logs are biased".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './biased-logs.json' with { type: 'json' };
import { estimatesChart, groupedBarsChart, linesChart, COLORS, fmt, pct, digest, renderTable } from '../js/charts.js';
import { reweightView } from './biased-logs-reweight.js';

const controls = defineControls(spec.controls);
const { presets } = spec;

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
      { label: r.main.ipw.caution ? 'IPS ⚠' : 'IPS', value: r.main.ipw.estimate, lower: r.main.ipw.lower, upper: r.main.ipw.upper, color: COLORS[0] },
      { label: r.main.snipw.caution ? 'SNIPS ⚠' : 'SNIPS', value: r.main.snipw.estimate, lower: r.main.snipw.lower, upper: r.main.snipw.upper, color: COLORS[2] },
    ],
  });
  const readout = root.querySelector('.readout');
  const m = r.main;
  const caution = m.ipw.caution ? ` Careful with IPS here: ${m.ipw.caution}.` : '';
  readout.textContent = `True click rate of the candidate: ${fmt(r.truth)} (production: ${fmt(r.productionValue)}). Naive estimate ${fmt(m.naive)} (${errorOf(m.naive)}); IPS ${fmt(m.ipw.estimate)} (${errorOf(m.ipw.estimate)}), 95% interval ${fmt(m.ipw.lower)} to ${fmt(m.ipw.upper)}, resting on an effective ${Math.round(m.ess).toLocaleString('en')} of ${s.rounds.toLocaleString('en')} visits; its importance weights average ${fmt(m.weights.mean, 2)} (1 when the log holds everything the candidate would show).${caution}`;
  const groups = r.exposure.production.map((_, i) => `${10 * i + 1}–${10 * (i + 1)}%`);
  reweightView(fig.reweight, r, { digest, renderTable, fmt, COLORS });
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
      { label: 'IPS (95% interval)', color: COLORS[0], points: r.sweep.map((p) => ({ x: p.beta, y: p.ipw.estimate, lo: p.ipw.lower, hi: p.ipw.upper })) },
    ],
  });
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;
const errorPct = (v, truth) => Math.round((100 * (v - truth)) / truth);

const learning = {
  prompts: [
    {
      id: 'naive-direction',
      question: 'A typical production recommender leans towards popular items. Read naively, will its log make the tail-friendly candidate look better or worse than it really is?',
      answer: { kind: 'choice', options: [{ value: 'better', label: 'Better than it is' }, { value: 'right', label: 'About right' }, { value: 'worse', label: 'Worse than it is' }] },
      state: { ...preset('production') },
      reveal(r, s, guess) {
        const e = errorPct(r.main.naive, r.truth);
        const happened = Math.abs(e) <= 5 ? 'right' : e > 0 ? 'better' : 'worse';
        const outcome = `The naive estimate is ${fmt(r.main.naive)} against a true click rate of ${fmt(r.truth)}: ${e > 0 ? '+' : ''}${e}%.`;
        const why = happened === 'better'
          ? 'The log is full of popular items, which users click more; weighting those clicks by how much the candidate likes each item does not undo who got shown, so the candidate inherits production’s easy wins.'
          : happened === 'right'
            ? 'This time the log happens to read close to the truth: production’s favourites and the candidate’s overlap more than usual at this seed. Try another seed: usually the naive estimate lands well above.'
            : 'This time the naive estimate lands below the truth, which is unusual: at this seed the popular items the log is full of are clicked less than the tail the candidate likes.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'ips-extreme',
      question: 'Now production is very popularity-driven (β = 5): it almost never shows the tail. IPS is unbiased on average over many logs. In this one log of 10,000 visits, where will IPS land, as a share of the true click rate?',
      answerLabel: 'IPS ÷ truth',
      answer: { kind: 'number', min: 0, max: 2, step: 0.05, start: 1, unit: '× the truth' },
      state: { ...preset('extreme') },
      reveal(r, s, guess) {
        const ratio = r.main.ipw.estimate / r.truth;
        const correct = Math.abs(guess - ratio) <= 0.25;
        const outcome = `IPS gives ${fmt(r.main.ipw.estimate)}, ${ratio.toFixed(2)} × the truth ${fmt(r.truth)}; its importance weights average ${fmt(r.main.weights.mean, 2)} instead of 1.`;
        const why = ratio < 0.75
          ? 'The tail visits that would carry IPS’s huge weights are so rare that this log holds almost none of them: the visits it has are weighted as if they were the whole story. Unbiased means right on average over many logs, not right in each.'
          : ratio > 1.25
            ? 'This log happens to hold a rare tail visit with a click, and its huge weight pulls IPS far above the truth: unbiased on average, wild in one log.'
            : 'This log happens to hold enough tail visits for IPS to land near the truth; at most seeds it does not (try a few).';
        return { correct, answer: Math.round(ratio * 20) / 20, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'naive-threshold',
    title: 'Exercise: how sharp is too sharp?',
    answerLabel: 'Production sharpness β',
    answer: { kind: 'number', min: 0, max: 5, step: 0.25, start: 0, unit: '' },
  },
};

startLesson({ slug: 'biased-logs', controls, presets, task: 'biased-logs', render, learning });
