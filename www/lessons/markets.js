// Lesson 11: "Many markets, many languages".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { estimatesChart, groupedBarsChart, COLORS, fmt, pct } from '../js/charts.js';

const controls = defineControls([
  { key: 'smallShare', type: 'steps', label: 'Users in the small market', values: [0.02, 0.05, 0.1, 0.2, 0.3], default: 0.1, format: (v) => pct(v, 0), group: 'World', help: 'The small market’s share of users (and of traffic); it has 20% of the items, in its own language.' },
  { key: 'penalty', type: 'number', label: 'Language barrier', min: 0, max: 4, step: 0.25, default: 2, group: 'World', help: 'How much less likely users are to like an item in another market’s language (logit units). At 0 the markets differ only in size.' },
  { key: 'rounds', type: 'steps', label: 'Production log (visits)', values: [5000, 10000, 20000, 50000], default: 20000, format: (v) => v.toLocaleString('en'), group: 'Offline evaluation', help: 'Both models are trained on this log and evaluated on it off-policy (it includes a 10% random bucket).' },
  { key: 'rollout', type: 'number', label: 'Rollout skew of candidate C', min: 0, max: 0.9, step: 0.05, default: 0.8, group: 'A/B test', help: '0: C and A split every market 50/50. 0.8: C gets 90% of the large market’s visits but only 10% of the small market’s.' },
  { key: 'visits', type: 'steps', label: 'A/B test visits', values: [10000, 30000, 100000, 300000], default: 100000, format: (v) => v.toLocaleString('en'), group: 'A/B test' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World' },
]);

const presets = [
  { id: 'hidden-loss', label: 'The average hides a market', state: { smallShare: 0.1, penalty: 2, rollout: 0.8 }, note: 'One global model (B) beats one model per market (A) overall — and in the large market — while the small market, whose users want items in their own language, gets clearly worse. A dashboard with one number would ship B.' },
  { id: 'no-language', label: 'No language barrier', state: { smallShare: 0.1, penalty: 0, rollout: 0 }, note: 'When language does not matter, the markets differ only in size, and pooling all data into one model costs the small market little.' },
  { id: 'simpson', label: 'Simpson’s paradox in a staged rollout', state: { smallShare: 0.1, penalty: 2, rollout: 0.9 }, note: 'Candidate C is worse than A in both markets. But it was rolled out mostly in the large market, whose users click more anyway: pooled over markets, C’s click rate looks far better. Compare within each market.' },
  { id: 'fair-test', label: 'A fair 50/50 test', state: { smallShare: 0.1, penalty: 2, rollout: 0 }, note: 'With the same split in every market, the pooled comparison agrees with the per-market ones: C is worse.' },
];

const ROWS = ['Large market', 'Small market', 'All users'];

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
  const readout = root.querySelector('.readout');
  readout.textContent =
    `Switching from A to B changes the click rate by ${delta(2) >= 0 ? '+' : ''}${fmt(delta(2), 4)} over all users — ` +
    `${delta(0) >= 0 ? '+' : ''}${fmt(delta(0), 4)} in the large market and ${delta(1) >= 0 ? '+' : ''}${fmt(delta(1), 4)} (${pct(delta(1) / t.A.markets[1], 0)}) in the small one. ` +
    `The production log has ${r.rows[0].toLocaleString('en')} visits from the large market and only ${r.rows[1].toLocaleString('en')} from the small one.`;
  if (r.estimates) {
    const rows = [];
    ['A', 'B'].forEach((k, j) => {
      ROWS.forEach((g, i) => {
        const e = i < 2 ? r.estimates[k].markets[i][1] : r.estimates[k].all[1];
        rows.push({ label: `${g}: ${k}`, value: e.estimate, lower: e.lower, upper: e.upper, truth: i < 2 ? t[k].markets[i] : t[k].all, color: COLORS[j] });
      });
    });
    estimatesChart(fig.segments, {
      rows,
      xLabel: 'Click rate estimated from the production log (SNIPS) →',
      description: 'Self-normalized IPS estimates of A and B in each segment from the production log, with 95% intervals; black ticks are the exact values.',
    });
  }
  if (r.ab) {
    const rows = [];
    const arms = { A: 'A (current)', C: 'C (candidate)' };
    for (const [label, i] of [['Pooled', -1], ['Large market', 0], ['Small market', 1]]) {
      for (const [k, j] of [['A', 0], ['C', 1]]) {
        const x = i < 0 ? r.ab[k].pooled : r.ab[k].markets[i];
        const truth = i < 0 ? r.pooled[k] : r.truth[k].markets[i];
        rows.push({ label: `${label}: ${arms[k]}`, value: x.ctr, lower: x.ctr - 1.96 * x.se, upper: x.ctr + 1.96 * x.se, truth, color: COLORS[j === 0 ? 0 : 3] });
      }
    }
    estimatesChart(fig.simpson, {
      rows,
      xLabel: 'Click rate in the A/B test (clicks per visit) →',
      description: `A/B test of candidate C against A with C getting ${pct(r.allocation.large, 0)} of the large market and ${pct(r.allocation.small, 0)} of the small market: pooled and per-market click rates with 95% intervals; black ticks are the exact values for each arm’s traffic.`,
    });
  }
}

startLesson({ slug: 'markets', controls, presets, task: 'markets', render });
