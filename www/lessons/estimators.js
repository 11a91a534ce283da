// Lesson 3: "IPS, SNIPS, DM, DR and friends".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { spreadChart, groupedBarsChart, linesChart, estimatesChart, COLORS, fmt, pct } from '../js/charts.js';
import { LAMBDAS } from '../js/tasks/estimators.js';

const ROUNDS = [500, 1000, 2000, 5000, 10000, 20000];
const count = (v) => Math.round(v).toLocaleString('en');

const controls = defineControls([
  { key: 'mismatch', type: 'number', label: 'Logger–target mismatch', min: 0, max: 1, step: 0.05, default: 0.75, format: (v) => v.toFixed(2), group: 'Policies', help: 'At 0 the candidate is production itself (every weight is 1); at 1 it is sharper and prefers the long tail that production rarely shows, with weights up to about 1,000.' },
  { key: 'lambda', type: 'steps', label: 'Weight threshold λ', values: LAMBDAS, default: 30, format: (v) => v.toLocaleString('en'), group: 'Estimators', help: 'Clipping of IPS and DR, switching threshold of Switch-DR; DRos gets OBP’s λ = λ² and SG-IPS/SG-DR get λ = 1/λ, so that all of them start distrusting weights near this value.' },
  { key: 'misspec', type: 'number', label: 'Model misspecification', min: 0, max: 1, step: 0.05, default: 0.2, format: (v) => pct(v, 0), group: 'Reward model q̂ (DM and the DR family)', help: 'For the simulated model: 0% is the true expected reward; 100% ignores who the user is and predicts each item’s average.' },
  {
    key: 'model', type: 'choice', label: 'Reward model', default: 'true', group: 'Reward model q̂ (DM and the DR family)',
    options: [
      { value: 'true', label: 'Simulated' },
      { value: 'tabular', label: 'Fitted: item averages' },
      { value: 'ridge', label: 'Fitted: ridge regression' },
    ],
    help: 'Simulated: the truth, misspecified as set above. Fitted: learned from each log and used on that same log, as a practitioner would without cross-fitting (item averages, or one ridge regression per item on the users’ features).',
  },
  { key: 'rounds', type: 'steps', label: 'Rounds per log', values: ROUNDS, default: 5000, format: count, group: 'Data' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'Data', help: 'Same seed, same world, same logs, same numbers.' },
]);

const presets = [
  {
    id: 'close',
    label: 'Close policies, good model',
    state: { mismatch: 0.25, misspec: 0, lambda: 100 },
    note: 'The candidate is close to production (the largest weight in a log is about 8) and the reward model is exact. Every estimator lands on the truth, and the intervals cover it about 95% of the time. With a perfect model, DM is the most precise of all, about three times as precise as DR: DR’s correction can only add noise here.',
  },
  {
    id: 'far',
    label: 'Far policies, small logs: IPS explodes',
    state: { mismatch: 1, rounds: 1000, lambda: 10 },
    note: 'The candidate likes what production rarely shows: a log of 1,000 rounds is worth about a dozen equally weighted ones (see the effective sample size). IPS is still unbiased, but the middle 95% of its estimates run from about half to about twice the truth, and its intervals miss the truth one time in five. Clipping IPS at λ = 10 cuts its spread about sixfold and pays with a large bias. The estimators with a model lean on it where weights are large: DR clipped at 10 has less than a third of DR’s RMSE, and in the λ sweep the model-based curves are lowest at small λ.',
  },
  {
    id: 'bad-model',
    label: 'Bad reward model: DM is biased, DR is not',
    state: { mismatch: 0.5, misspec: 1 },
    note: 'The reward model ignores who the user is. DM, which trusts it entirely, is off by −0.31 on a truth of 0.50, and its narrow spread gives no hint of it. DR and SNDR use the same model and stay unbiased, with intervals that cover: the weighted correction repairs the model’s error. With a model this poor, though, DR is barely more precise than IPS.',
  },
  {
    id: 'fitted',
    label: 'Model fitted on the same log',
    state: { model: 'ridge' },
    note: 'One ridge regression per item, fitted on each log and then used on that same log. On rare items it fits the few logged rounds closely, and those are exactly the rounds with large weights, so DR’s correction shrinks and DR keeps part of DM’s bias (about −0.05), with intervals that cover the truth only a third of the time. IPS and SNIPS, which use no model, are unaffected. Cross-fitting (OBP’s fit_predict with n_folds > 1) predicts each round from a model fitted on other rounds and removes most of this bias.',
  },
  {
    id: 'big',
    label: 'Long logs: variance shrinks, bias stays',
    state: { rounds: 20000 },
    note: 'Four times more data halves every spread (IPS’s SD goes from 0.048 to 0.022). Bias does not shrink: DM and the clipped estimators stay as far from the truth as before, so their intervals, now narrower, miss it more often (IPS clipped at 30 covers the truth 10% of the time instead of 64%), and the best λ in the sweep moves right.',
  },
];

const WEIGHTS_ONLY = COLORS[0];
const MODEL_ONLY = COLORS[3];
const BOTH = COLORS[2];

/** The estimators shown at the slider's λ: id in the task's results, labels and colour. */
function shown(lambda) {
  const l = lambda.toLocaleString('en');
  return [
    { id: 'dm', label: 'DM', short: 'DM', color: MODEL_ONLY },
    { id: 'ipw', label: 'IPS', short: 'IPS', color: WEIGHTS_ONLY },
    { id: 'snipw', label: 'SNIPS', short: 'SNIPS', color: WEIGHTS_ONLY },
    { id: 'dr', label: 'DR', short: 'DR', color: BOTH },
    { id: 'sndr', label: 'SNDR', short: 'SNDR', color: BOTH },
    { id: `ipwc@${lambda}`, label: `IPS clipped at ${l}`, short: 'IPS clip', color: WEIGHTS_ONLY },
    { id: `sgipw@${lambda}`, label: `SG-IPS, λ = 1/${l}`, short: 'SG-IPS', color: WEIGHTS_ONLY },
    { id: `drc@${lambda}`, label: `DR clipped at ${l}`, short: 'DR clip', color: BOTH },
    { id: `switch@${lambda}`, label: `Switch-DR at ${l}`, short: 'Switch', color: BOTH },
    { id: `dros@${lambda}`, label: `DRos, λ = ${(lambda * lambda).toLocaleString('en')}`, short: 'DRos', color: BOTH },
    { id: `sgdr@${lambda}`, label: `SG-DR, λ = 1/${l}`, short: 'SG-DR', color: BOTH },
  ];
}

const NARROW = { SNIPS: 'SN\nIPS', SNDR: 'SN\nDR', 'IPS clip': 'IPS\nclip', 'SG-IPS': 'SG\nIPS', 'DR clip': 'DR\nclip', Switch: 'Sw.\nDR', DRos: 'DR\nos', 'SG-DR': 'SG\nDR' };

const SWEEP = [
  { id: 'ipwc', label: 'Clipped IPS', color: COLORS[0] },
  { id: 'sgipw', label: 'SG-IPS', color: COLORS[5] },
  { id: 'drc', label: 'Clipped DR', color: COLORS[2] },
  { id: 'switch', label: 'Switch-DR', color: COLORS[1] },
  { id: 'dros', label: 'DRos', color: COLORS[4] },
  { id: 'sgdr', label: 'SG-DR', color: COLORS[7] },
];

const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x))}` : '—');

function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

// The first partial result of a run redraws the main chart and the readouts only, so that a slider
// move shows within a frame or two; the next partials (every ~250 ms) and the last redraw everything.
let lastRun = null;

function render(r, s, fig, root) {
  const R = r.progress.done;
  const rows = shown(s.lambda).map((e) => ({ ...e, st: r.stats[e.id] }));
  const logs = `${R} log${R === 1 ? '' : 's'} of ${count(s.rounds)} rounds`;
  const firstOfRun = lastRun !== s;
  lastRun = s;

  spreadChart(fig.spread, {
    truth: r.truth,
    xLabel: 'Estimated clicks per round of the candidate →',
    description: `Mean estimate and the range of the middle 95% of estimates over ${logs}, for each estimator, against the true value ${fmt(r.truth)}.`,
    rows: rows.map((e) => ({ label: e.label, mean: e.st.mean, lo: e.st.lo, hi: e.st.hi, bias: e.st.bias, rmse: e.st.rmse, color: e.color })),
  });

  readouts(r, s, rows, logs, root);
  if (firstOfRun && R < r.progress.total) return;

  const SERIES = ['|bias|', 'SD', 'RMSE'];
  // On a narrow screen the names go on two short lines (and the axis title, obvious, goes) so that
  // they do not overlap.
  const narrow = fig.errors.clientWidth < 600;
  if (narrow) for (const e of rows) e.short = NARROW[e.short] ?? e.short;
  groupedBarsChart(fig.errors, {
    groups: rows.map((e) => e.short),
    series: SERIES,
    xLabel: narrow ? null : 'Estimator',
    yLabel: '↑ Error (clicks per round)',
    description: `Absolute bias, standard deviation and root mean squared error of each estimator over ${logs}.`,
    data: rows.flatMap((e) => [
      { group: e.short, series: SERIES[0], value: Math.abs(e.st.bias) },
      { group: e.short, series: SERIES[1], value: e.st.sd },
      { group: e.short, series: SERIES[2], value: e.st.rmse },
    ]),
  });

  estimatesChart(fig.coverage, {
    truth: 0.95,
    xLabel: 'Share of 95% intervals covering the truth →',
    description: `Share of the ${R} logs on which each estimator's 95% interval contained the true value, with a 95% Wilson interval for that share; the dashed line is the promised 95%.`,
    rows: rows.map((e) => ({ label: e.label, value: e.st.coverage, lower: e.st.covLo, upper: e.st.covHi, color: e.color })),
  });

  const ref = Math.max(r.stats.ipw.rmse, r.stats.dr.rmse);
  const dm = r.stats.dm;
  linesChart(fig.sweep, {
    xLabel: 'Weight threshold λ (log scale) →',
    yLabel: '↑ RMSE over the logs (clicks per round)',
    xType: 'log',
    yDomain: Number.isFinite(ref) && ref > 0 ? [0, 2 * ref] : undefined,
    description: `Root mean squared error over ${logs} of each λ-estimator at every λ from ${LAMBDAS[0]} to ${LAMBDAS.at(-1)}, with a 95% Monte Carlo interval, next to DM's, which has no λ.`,
    series: [
      ...SWEEP.map((f) => ({
        label: f.label,
        color: f.color,
        points: LAMBDAS.map((l) => {
          const st = r.stats[`${f.id}@${l}`];
          return { x: l, y: st.rmse, lo: st.rmseLo, hi: st.rmseHi };
        }),
      })),
      { label: 'DM (no λ)', color: COLORS[3], points: LAMBDAS.map((l) => ({ x: l, y: dm.rmse, lo: dm.rmseLo, hi: dm.rmseHi })) },
    ],
  });

  const w = r.weights;
  if (!w) return;
  const WS = ['Rounds: this log', 'Rounds: expected', 'Σw: this log', 'Σw: expected'];
  groupedBarsChart(fig.weights, {
    groups: w.bins.map((b) => b.label),
    series: WS,
    xLabel: 'Importance weight w, in bins from x to 10x',
    yLabel: '↑ Share',
    percent: true,
    description: `Histogram of the importance weights of one log of ${count(s.rounds)} rounds: the share of rounds in each weight bin and the share of the total weight they carry, next to the exact shares of an infinitely long log.`,
    data: w.bins.flatMap((b) => [
      { group: b.label, series: WS[0], value: b.roundsLog },
      { group: b.label, series: WS[1], value: b.roundsExact },
      { group: b.label, series: WS[2], value: b.massLog },
      { group: b.label, series: WS[3], value: b.massExact },
    ]),
  });
}

function readouts(r, s, rows, logs, root) {
  const R = r.progress.done;
  const w = r.weights;
  const best = rows.filter((e) => Number.isFinite(e.st.rmse)).reduce((a, b) => (a && a.st.rmse <= b.st.rmse ? a : b), null);
  const st = r.stats;
  const model = s.model === 'true' ? '' : ' (the misspecification slider applies to the simulated model only)';
  setText(
    root.querySelector('.readout'),
    `True value of the candidate: ${fmt(r.truth)} clicks per round (production’s own: ${fmt(r.loggerValue)}). Over ${logs}: DM is off by ${signed(st.dm.bias)} on average${model}; IPS by ${signed(st.ipw.bias)}, with a spread (SD) of ${fmt(st.ipw.sd)}; DR by ${signed(st.dr.bias)}, SD ${fmt(st.dr.sd)}. Lowest RMSE: ${best ? `${best.label}, ${fmt(best.st.rmse)}` : '—'}.`,
  );
  const e = r.essOverLogs;
  if (!w) {
    setText(root.querySelector('.readout-weights'), `Weighing one log of ${count(s.rounds)} rounds…`);
    return;
  }
  setText(
    root.querySelector('.readout-weights'),
    `One log of ${count(s.rounds)} rounds: effective sample size ${count(w.ess)} (${pct(w.ess / s.rounds)} of the rounds; expected ${count(w.essExpected)}${R > 1 ? `, and from ${count(e.lo)} to ${count(e.hi)} on 95% of the ${R} logs` : ''}). Largest weight ${fmt(w.maxWeight, 1)}; the largest 1% of the weights carry ${pct(w.top1Share, 0)} of their sum.`,
  );
}

startLesson({ slug: 'estimators', controls, presets, task: 'estimators', render });
