// Lesson 12: "Real logs: the Open Bandit Dataset".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './real-logs.json' with { type: 'json' };
import { estimatesChart, groupedBarsChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const NAMES = { dm: 'DM', ipw: 'IPS', snipw: 'SNIPS', dr: 'DR', sndr: 'SNDR', 'switch-dr': 'Switch-DR', 'dr-os': 'DRos' };
/** Relative errors reported in Open Bandit Pipeline's example for the same experiment. */
const PUBLISHED = { dm: 0.157, ipw: 0.311, snipw: 0.312, dr: 0.292, sndr: 0.302, 'switch-dr': 0.258, 'dr-os': 0.16 };

const controls = defineControls(spec.controls);
const { presets } = spec;
const int = (v) => Math.round(v).toLocaleString('en');

function render(r, s, fig, root) {
  const on = r.onPolicy;
  const rows = [
    { label: 'BTS, its own log', value: on.estimate, lower: on.lower, upper: on.upper, color: COLORS[7] },
    ...r.estimates.map((e, i) => ({ label: `${NAMES[e.name]}${e.estimate.caution ? ' ⚠' : ''}`, value: e.estimate.estimate, lower: e.estimate.lower, upper: e.estimate.upper, color: COLORS[i % 6] })),
  ];
  estimatesChart(fig.estimates, {
    rows,
    truth: on.estimate,
    truthLabel: 'BTS on-policy',
    xLabel: 'Click rate of the BTS policy (clicks per impression) →',
    description: `Off-policy estimates of the BTS policy's click rate from ${r.nLogged} random-log impressions, with 95% intervals, against the rate BTS got on its own ${r.nTarget} impressions.`,
  });
  const ipw = r.estimates.find((e) => e.name === 'ipw');
  const dm = r.estimates.find((e) => e.name === 'dm');
  const cautions = r.estimates.filter((e) => e.estimate.caution).map((e) => ` ⚠ ${NAMES[e.name]}: ${e.estimate.caution}.`).join('');
  root.querySelector('.readout').textContent =
    `BTS’s click rate on its own log (${r.source.target}, ${int(r.nTarget)} impressions, ${int(r.targetClicks)} clicks): ${fmt(on.estimate, 4)}, with a standard error of ${Number(r.onPolicySe.toPrecision(2))} (${pct(r.onPolicySe / on.estimate, 0)} of itself; 95% interval ${fmt(on.lower, 4)} to ${fmt(on.upper, 4)}). ` +
    `From the random log (${r.source.logged}, ${int(r.nLogged)} impressions, ${int(r.clicks)} clicks, click rate ${fmt(r.loggedCtr, 4)}): ` +
    `IPS ${fmt(ipw.estimate.estimate, 4)} (relative error ${fmt(ipw.relativeError, 3)}), DM ${fmt(dm.estimate.estimate, 4)} (${fmt(dm.relativeError, 3)}). ` +
    `Importance weights: effective sample size (ESS) ${int(r.ess)} of ${int(r.nLogged)}, largest weight ${fmt(r.maxWeight, 1)}.${cautions}`;
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
  // DM, IPS and DR's relative RMSE against log size, with the 95% Monte-Carlo band of each RMSE
  // (the uncertainty of the curve itself)
  const rmseChart = (el, pts, labels) => {
    if (!pts.length) return;
    const curve = (key) => pts.map((p) => ({ x: p.n, y: p[key].rmse, lo: Math.max(1e-4, p[key].lo), hi: p[key].hi }));
    linesChart(el, {
      series: [
        { label: 'DM', color: COLORS[0], points: curve('dm') },
        { label: 'IPS', color: COLORS[1], points: curve('ipw') },
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
    description: 'Relative root-mean-squared error of DM, IPS and DR on subsamples of the real random log, against BTS’s on-policy click rate (itself uncertain: see its standard error above). Shaded: 95% band of each RMSE over the 200 subsamples.',
  });
  rmseChart(fig.synthetic, r.synthetic, {
    xLabel: 'Rounds in a simulated uniform log →',
    yLabel: '↑ Relative RMSE vs exact truth',
    description: 'Relative root-mean-squared error of DM, IPS and DR over replicated simulated logs of growing size, in a world shaped like the dataset, against the exact truth. Shaded: 95% band of each RMSE over the replicates.',
  });
  root.querySelector('.source-note').textContent = `Using: logged data from ${r.source.logged}; evaluation policy and its on-policy click rate from ${r.source.target}.`;
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;
/** The estimator with the smallest relative RMSE at a point of a curve: DM, or the weights (IPS/DR). */
const rmseWinner = (pt) => (pt.dm.rmse < Math.min(pt.ipw.rmse, pt.dr.rmse) ? 'dm' : 'weights');

const learning = {
  prompts: [
    {
      id: 'small-log-winner',
      question: 'Resample the random log down to a few hundred impressions, many times. Against the click rate BTS got on its own log, which estimator’s relative RMSE will be smallest: DM (a reward model alone), or IPS and DR (which reweight the clicks)?',
      answer: { kind: 'choice', options: [{ value: 'dm', label: 'DM' }, { value: 'weights', label: 'IPS and DR' }] },
      state: { ...preset('obp') },
      reveal(r, s, guess) {
        const pt = r.real[0];
        const happened = rmseWinner(pt);
        const outcome = `At ${int(pt.n)} impressions the relative RMSE is ${pct(pt.dm.rmse)} for DM, ${pct(pt.ipw.rmse)} for IPS and ${pct(pt.dr.rmse)} for DR.`;
        const why = happened === 'dm'
          ? 'With a few hundred impressions and a click rate under 1%, a resample holds a handful of clicks: IPS and DR swing with each one. DM barely moves (its model is smoothed towards the average), so its error is mostly its bias, which is small next to the others’ variance here.'
          : 'This time the reweighting estimators do better even on small resamples: their clicks are less rare on these logs.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'large-synthetic-winner',
      question: 'Now a simulated world shaped like these logs, with 100,000 rounds per log. Which estimator’s relative RMSE will be smallest there?',
      answer: { kind: 'choice', options: [{ value: 'dm', label: 'DM' }, { value: 'weights', label: 'IPS and DR' }] },
      state: { ...preset('obp') },
      reveal(r, s, guess) {
        const pt = r.synthetic.at(-1);
        const happened = rmseWinner(pt);
        const outcome = `With ${int(pt.n)} rounds the relative RMSE is ${pct(pt.dm.rmse)} for DM, ${pct(pt.ipw.rmse)} for IPS and ${pct(pt.dr.rmse)} for DR.`;
        const why = happened === 'weights'
          ? 'More data shrinks the variance of IPS and DR, which are unbiased; DM’s error is the bias of its model, and no amount of data removes it. Which estimator is best depends on how much data you have.'
          : 'This time DM stays best even with 100,000 rounds: its model happens to fit this world well.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'closest-setting',
    title: 'Exercise: tune an estimator on these logs',
    answerLabel: 'Value of the slider',
    answer: { kind: 'number', min: 0, max: 1000, step: 1, start: 10, unit: '' },
    // the instance is computed from the logs the page has loaded
    withData: true,
  },
};

const lesson = startLesson({ slug: 'real-logs', controls, presets, task: 'real-logs', render, learning });

// Your own CSV files in the Open Bandit Dataset format (not part of the link: files stay in this browser).
// Each upload gets its own id, which the task's caches are keyed by (two files may have the same length).
let uploads = 0;
for (const [id, key] of [['upload-logged', 'logged'], ['upload-target', 'target']]) {
  const input = document.getElementById(id);
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > 50_000_000) {
      document.querySelector('[data-lesson] .status').textContent = 'That file is larger than 50 MB; please trim it.';
      return;
    }
    lesson.setData(key, { text: await file.text(), id: `upload ${++uploads}` });
  });
}
document.getElementById('upload-reset').addEventListener('click', () => {
  for (const id of ['upload-logged', 'upload-target']) document.getElementById(id).value = '';
  lesson.setData('logged', undefined);
  lesson.setData('target', undefined);
});
