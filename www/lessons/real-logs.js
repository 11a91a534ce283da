// Lesson 12: "Real logs: the Open Bandit Dataset".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { estimatesChart, groupedBarsChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const NAMES = { dm: 'DM', ipw: 'IPW', snipw: 'SNIPW', dr: 'DR', sndr: 'SNDR', 'switch-dr': 'Switch-DR', 'dr-os': 'DRos' };
const PUBLISHED = { dm: 0.157, ipw: 0.311, snipw: 0.312, dr: 0.292, sndr: 0.302, 'switch-dr': 0.258, 'dr-os': 0.16 };

const controls = defineControls([
  { key: 'smoothing', type: 'steps', label: 'Reward model smoothing', values: [0, 1, 10, 100, 1000], default: 10, group: 'Estimators', help: 'The reward model predicts each item’s click rate at each position from the random log, shrunk towards the position’s overall rate with this many pseudo-impressions. DM and the DR family use it.' },
  { key: 'lambda', type: 'steps', label: 'Switch-DR and DRos λ', values: [1, 2, 5, 10, 50, 100, 1000], default: 10, group: 'Estimators', help: 'Switch-DR trusts the model when the importance weight exceeds λ; DRos shrinks weights with λ (λ = 0, OBP’s default, is undefined on these logs: some items BTS never shows get weight 0).' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'Resampling', help: 'Seeds the subsamples of the real log and the synthetic world.' },
]);

const presets = [
  { id: 'obp', label: 'OBP’s experiment', state: { smoothing: 10, lambda: 10 }, note: 'The published experiment: estimate BTS from the random log and compare with BTS’s own click rate. The estimators land 14% (DM) to 25% (SNIPW) away from it. But BTS’s own rate rests on 42 clicks, so this “truth” has a standard error of about 15% itself: differences of that size between estimators are noise.' },
  { id: 'no-smoothing', label: 'An unsmoothed reward model', state: { smoothing: 0, lambda: 10 }, note: 'Without smoothing the model is just each item’s click rate at each slot in the random log. Under uniform logging, DM with that table is almost IPW (relative error 0.18 against 0.20), and DR, SNDR, Switch-DR and DRos all coincide with it.' },
  { id: 'trust-model', label: 'Trust the model more', state: { smoothing: 100, lambda: 1 }, note: 'A heavily smoothed model and λ = 1: DM, Switch-DR and DRos land within 2% of BTS’s rate. Luck as much as skill — the truth itself is ±15% — and their intervals are far too narrow: a DM interval counts only the rounds’ noise, not the model’s own error.' },
];

function render(r, s, fig, root) {
  const rows = [
    { label: 'BTS, its own log', value: r.onPolicy, lower: r.onPolicy - 1.96 * r.onPolicySe, upper: r.onPolicy + 1.96 * r.onPolicySe, color: COLORS[7] },
    ...r.estimates.map((e, i) => ({ label: NAMES[e.name], value: e.estimate, lower: e.lower, upper: e.upper, color: COLORS[i % 6] })),
  ];
  estimatesChart(fig.estimates, {
    rows,
    truth: r.onPolicy,
    truthLabel: 'BTS on-policy',
    xLabel: 'Click rate of the BTS policy (clicks per impression) →',
    description: `Off-policy estimates of the BTS policy's click rate from ${r.nLogged} random-log impressions, with 95% intervals, against the rate BTS got on its own ${r.nTarget} impressions.`,
  });
  const ipw = r.estimates.find((e) => e.name === 'ipw');
  const dm = r.estimates.find((e) => e.name === 'dm');
  root.querySelector('.readout').textContent =
    `BTS’s click rate on its own log (${r.source.target}, ${r.nTarget.toLocaleString('en')} impressions): ${fmt(r.onPolicy, 4)} ± ${fmt(1.96 * r.onPolicySe, 4)}. ` +
    `From the random log (${r.source.logged}, ${r.nLogged.toLocaleString('en')} impressions, ${r.clicks} clicks, click rate ${fmt(r.loggedCtr, 4)}): ` +
    `IPW ${fmt(ipw.estimate, 4)} (relative error ${fmt(ipw.relativeError, 3)}), DM ${fmt(dm.estimate, 4)} (${fmt(dm.relativeError, 3)}). ` +
    `Importance weights: effective sample size ${Math.round(r.ess).toLocaleString('en')} of ${r.nLogged.toLocaleString('en')}, largest weight ${fmt(r.maxWeight, 1)}.`;
  const groups = r.estimates.map((e) => NAMES[e.name]);
  const series = ['This sample (receval)', 'OBP example (published)'];
  groupedBarsChart(fig.relative, {
    groups,
    series,
    xLabel: 'Estimator',
    yLabel: '↑ Relative error |V̂ − V| / V',
    description: 'Relative error of each estimator against BTS’s on-policy click rate, on this sample, next to the values published in Open Bandit Pipeline’s example for the same experiment.',
    data: [
      ...r.estimates.map((e) => ({ group: NAMES[e.name], series: series[0], value: e.relativeError })),
      ...r.estimates.map((e) => ({ group: NAMES[e.name], series: series[1], value: PUBLISHED[e.name] })),
    ],
  });
  // DM, IPW and DR's relative RMSE against log size, with ±1.96 standard errors of each RMSE
  // (the Monte-Carlo uncertainty of the curve itself)
  const rmseChart = (el, pts, labels) => {
    if (!pts.length) return;
    const curve = (key) => pts.map((p) => ({ x: p.n, y: p[key], lo: Math.max(1e-4, p[key] - 1.96 * p[`${key}Se`]), hi: p[key] + 1.96 * p[`${key}Se`] }));
    linesChart(el, {
      series: [
        { label: 'DM', color: COLORS[0], points: curve('dm') },
        { label: 'IPW', color: COLORS[1], points: curve('ipw') },
        { label: 'DR', color: COLORS[2], points: curve('dr') },
      ],
      xType: 'log',
      yType: 'log',
      ...labels,
    });
  };
  rmseChart(fig.real, r.real, {
    xLabel: 'Impressions in the random log (resampled) →',
    yLabel: '↑ Relative RMSE vs BTS on-policy',
    description: 'Relative root-mean-squared error of DM, IPW and DR on subsamples of the real random log, against BTS’s on-policy click rate (itself uncertain: see its ± above). Shaded: 95% band of each RMSE over the 200 subsamples.',
  });
  rmseChart(fig.synthetic, r.synthetic, {
    xLabel: 'Rounds in a simulated uniform log →',
    yLabel: '↑ Relative RMSE vs exact truth',
    description: 'Relative root-mean-squared error of DM, IPW and DR over replicated simulated logs of growing size, in a world shaped like the dataset, against the exact truth. Shaded: 95% band of each RMSE over the replicates (normal approximation).',
  });
  root.querySelector('.source-note').textContent = `Using: logged data from ${r.source.logged}; evaluation policy and its on-policy click rate from ${r.source.target}.`;
}

const lesson = startLesson({ slug: 'real-logs', controls, presets, task: 'real-logs', render });

// Your own CSV files in the Open Bandit Dataset format (not part of the link: files stay in this browser).
for (const [id, key] of [['upload-logged', 'logged'], ['upload-target', 'target']]) {
  const input = document.getElementById(id);
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > 50_000_000) {
      document.querySelector('[data-lesson] .status').textContent = 'That file is larger than 50 MB; please trim it.';
      return;
    }
    lesson.setData(key, await file.text());
  });
}
document.getElementById('upload-reset').addEventListener('click', () => {
  for (const id of ['upload-logged', 'upload-target']) document.getElementById(id).value = '';
  lesson.setData('logged', undefined);
  lesson.setData('target', undefined);
});
