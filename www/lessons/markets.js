// Lesson 11: "Many markets, many languages". The numbers come from the core
// (src/lessons/markets.rs); this module draws them and puts them into words.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './markets.json' with { type: 'json' };
import { estimatesChart, groupedBarsChart, COLORS, fmt, pct, count } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;

const ROWS = ['Large market', 'Small market', 'All users'];
const signed = (x) => `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x), 4)}`;
const signedPct = (x) => `${x >= 0 ? '+' : '−'}${pct(Math.abs(x), 0)}`;

function render(r, s, fig, root) {
  const t = r.truth;
  groupedBarsChart(fig.truth, {
    groups: ROWS,
    series: ['A: one model per market', 'B: one global model'],
    xLabel: 'Segment',
    yLabel: '↑ Exact click rate (clicks per visit)',
    description: 'Exact click rates of the per-market model A and the global model B in each market and over all users.',
    data: [
      ...ROWS.map((g, i) => ({ group: g, series: 'A: one model per market', value: i < 2 ? t.A.markets[i] : t.A.all })),
      ...ROWS.map((g, i) => ({ group: g, series: 'B: one global model', value: i < 2 ? t.B.markets[i] : t.B.all })),
    ],
  });
  const delta = (i) => (i < 2 ? t.B.markets[i] - t.A.markets[i] : t.B.all - t.A.all);
  const parts = [
    `Switching from A to B changes the click rate by ${signed(delta(2))} over all users — ` +
      `${signed(delta(0))} in the large market and ${signed(delta(1))} (${signedPct(delta(1) / t.A.markets[1])}) in the small one. ` +
      `The production log has ${r.rows[0].toLocaleString('en')} visits from the large market and only ${r.rows[1].toLocaleString('en')} from the small one.`,
  ];

  if (r.estimates) {
    const rows = [];
    ['A', 'B'].forEach((k, j) => {
      ROWS.forEach((g, i) => {
        const e = i < 2 ? r.estimates[k].markets[i].snips : r.estimates[k].all.snips;
        rows.push({ label: `${g}: ${k}${e.caution ? ' ⚠' : ''}`, value: e.estimate, lower: e.lower, upper: e.upper, truth: i < 2 ? t[k].markets[i] : t[k].all, color: COLORS[j] });
      });
    });
    estimatesChart(fig.segments, {
      rows,
      xLabel: 'Click rate estimated from the production log (SNIPS) →',
      description: 'Self-normalized IPS (SNIPS) estimates of A and B in each segment from the production log, with 95% intervals; black ticks are the exact values.',
    });
        const [a, b] = [r.estimates.A.markets[1], r.estimates.B.markets[1]];
    const agree = (a.snips.estimate > b.snips.estimate) === (t.A.markets[1] > t.B.markets[1]);
    parts.push(
      `Offline, in the small market, SNIPS gives A ${fmt(a.snips.estimate)} and B ${fmt(b.snips.estimate)} (truly ${fmt(t.A.markets[1])} and ${fmt(t.B.markets[1])}), ` +
        `resting on ${count(a.ess)} and ${count(b.ess)} effective visits` +
        (agree ? ': they rank the two models as the truth does.' : ': in this log they rank the two models the wrong way round.'),
    );
    const cautions = ['A', 'B'].flatMap((k) =>
      [0, 1].map((i) => [k, i, r.estimates[k].markets[i].snips.caution]).filter(([, , c]) => c).map(([k, i, c]) => `${ROWS[i].toLowerCase()}, ${k}: ${c}`),
    );
    if (cautions.length) parts.push(`Careful with the ⚠ estimates — ${cautions.join('; ')}.`);
  }

  if (r.ab) {
    const rows = [];
    const arms = { A: 'A (current)', C: 'C (candidate)' };
    for (const [label, i] of [['Pooled', -1], ['Large market', 0], ['Small market', 1]]) {
      for (const [k, j] of [['A', 0], ['C', 1]]) {
        const x = i < 0 ? r.ab[k].pooled : r.ab[k].markets[i];
        const truth = i < 0 ? r.pooled[k] : r.truth[k].markets[i];
        rows.push({ label: `${label}: ${arms[k]}`, value: x.rate.estimate, lower: x.rate.lower, upper: x.rate.upper, truth, color: COLORS[j === 0 ? 0 : 3] });
      }
    }
    estimatesChart(fig.simpson, {
      rows,
      xLabel: 'Click rate in the A/B test (clicks per visit) →',
      description: `A/B test of candidate C against A with C getting ${pct(r.allocation.large, 0)} of the large market and ${pct(r.allocation.small, 0)} of the small market: pooled and per-market click rates with 95% intervals; black ticks are the exact values for each arm’s traffic.`,
    });
    const ab = r.ab;
    const rate = (x) => x.rate.estimate;
    const betterPooled = rate(ab.C.pooled) > rate(ab.A.pooled);
    const worseInEach = [0, 1].every((m) => rate(ab.C.markets[m]) < rate(ab.A.markets[m]));
    const verdict = betterPooled && worseInEach
      ? 'C looks better pooled and is worse in each market: Simpson’s paradox, because C’s visits come mostly from the market that clicks more.'
      : !betterPooled && worseInEach
        ? 'Pooled and within each market, C is worse: no paradox here.'
        : 'The markets disagree about C, so the pooled number depends on each arm’s mix of markets.';
    parts.push(
      `In the A/B test (last chart), C gets ${pct(r.allocation.large, 0)} of the large market’s visits and ${pct(r.allocation.small, 0)} of the small one’s. ` +
        `Pooled, C’s click rate is ${fmt(rate(ab.C.pooled))} against A’s ${fmt(rate(ab.A.pooled))}; in the large market ${fmt(rate(ab.C.markets[0]))} against ${fmt(rate(ab.A.markets[0]))}, ` +
        `in the small one ${fmt(rate(ab.C.markets[1]))} against ${fmt(rate(ab.A.markets[1]))}. ${verdict}`,
    );
  }
  root.querySelector('.readout').textContent = parts.join(' ');
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;

const learning = {
  prompts: [
    {
      id: 'small-market',
      question: 'One global model (B) against one model per market (A), both trained on the same log; the small market speaks another language. In the small market, which of the two serves its users better?',
      answer: { kind: 'choice', options: [{ value: 'A', label: 'A, one model per market' }, { value: 'B', label: 'B, the global model' }] },
      state: { ...preset('hidden-loss') },
      reveal(r, s, guess) {
        const [a, b] = [r.truth.A, r.truth.B];
        const happened = a.markets[1] >= b.markets[1] ? 'A' : 'B';
        const overall = b.all > a.all ? 'B' : 'A';
        const outcome = `In the small market A gets ${fmt(a.markets[1])} clicks per visit and B ${fmt(b.markets[1])}; over all users A gets ${fmt(a.all)} and B ${fmt(b.all)}.`;
        const why = happened === 'A' && overall === 'B'
          ? 'The global model learns mostly from the large market, whose users are most of the log: it does better on average while recommending the small market items in a language its users read less. An average over everyone hides the loss of a small group; evaluate per segment.'
          : happened === 'A'
            ? 'A does better in the small market, and this time overall too: the global model’s gain in the large market is not enough to hide the loss.'
            : 'This time the global model does better in the small market too: at this setting its extra data outweighs the language barrier.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'pooled-winner',
      question: 'A staged rollout of the cheaper global candidate C: it gets 95% of the large market’s visits but only 5% of the small one’s; A gets the rest. Pooled over both markets, which arm of the A/B test shows the higher click rate?',
      answer: { kind: 'choice', options: [{ value: 'A', label: 'A' }, { value: 'C', label: 'C' }] },
      state: { ...preset('simpson') },
      reveal(r, s, guess) {
        const [a, c] = [r.ab.A.pooled.rate, r.ab.C.pooled.rate];
        const happened = c.estimate > a.estimate ? 'C' : 'A';
        const better = r.truth.A.all > r.truth.C.all ? 'A' : 'C';
        const outcome = `Pooled, A’s arm clicks ${fmt(a.estimate)} per visit and C’s ${fmt(c.estimate)}; over the same users the true rates are A ${fmt(r.truth.A.all)} and C ${fmt(r.truth.C.all)}.`;
        const why = happened !== better
          ? `The pooled test says ${happened} although ${better} is better: the skewed rollout gives A most of the small market, where every model is clicked less, and C most of the large one. Compare within each market (or weight both arms alike): that is Simpson’s paradox.`
          : `This time the pooled test agrees with the truth: at this setting the markets’ click rates are close enough that the skewed mix does not reverse the comparison.`;
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'simpson-rollout',
    title: 'Exercise: how much skew flips the test?',
    answerLabel: 'Rollout skew of C',
    answer: { kind: 'number', min: 0, max: 0.9, step: 0.05, start: 0, unit: '' },
  },
};

startLesson({ slug: 'markets', controls, presets, task: 'markets', render, learning });
