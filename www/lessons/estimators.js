// Lesson 3: "IPS, SNIPS, DM, DR and friends".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './estimators.json' with { type: 'json' };
import { spreadChart, groupedBarsChart, linesChart, estimatesChart, COLORS, fmt, pct, count, setText } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;
const LAMBDAS = controls.get('lambda').values;

// Bins of the importance weight (src/lessons/estimators.rs EDGES); short labels, for narrow bars
// on a phone: each bin runs from its label to ten times it.
const EDGE_TEXT = ['10⁻⁴', '0.001', '0.01', '0.1', '1', '10', '100', '1,000', '10⁴'];
const binLabel = (b) => (b === 0 ? `<${EDGE_TEXT[0]}` : b === EDGE_TEXT.length ? `≥${EDGE_TEXT[b - 1]}` : EDGE_TEXT[b - 1]);

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


const SWEEP = [
  { id: 'ipwc', label: 'Clipped IPS', color: COLORS[0] },
  { id: 'sgipw', label: 'SG-IPS', color: COLORS[5] },
  { id: 'drc', label: 'Clipped DR', color: COLORS[2] },
  { id: 'switch', label: 'Switch-DR', color: COLORS[1] },
  { id: 'dros', label: 'DRos', color: COLORS[4] },
  { id: 'sgdr', label: 'SG-DR', color: COLORS[7] },
];

const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x))}` : '—');

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
  // On a narrow screen the axis title, obvious, goes (the chart stands the names upright).
  const narrow = fig.errors.clientWidth < 600;
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
    rows: rows.map((e) => ({ label: e.label, value: e.st.coverage, lower: e.st.coverageLo, upper: e.st.coverageHi, color: e.color })),
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
    groups: w.bins.map((b) => binLabel(b.bin)),
    series: WS,
    xLabel: 'Importance weight w, in bins from x to 10x',
    yLabel: '↑ Share',
    percent: true,
    description: `Histogram of the importance weights of one log of ${count(s.rounds)} rounds: the share of rounds in each weight bin and the share of the total weight they carry, next to the exact shares of an infinitely long log.`,
    data: w.bins.flatMap((b) => [
      { group: binLabel(b.bin), series: WS[0], value: b.roundsLog },
      { group: binLabel(b.bin), series: WS[1], value: b.roundsExact },
      { group: binLabel(b.bin), series: WS[2], value: b.massLog },
      { group: binLabel(b.bin), series: WS[3], value: b.massExact },
    ]),
  });
}

function readouts(r, s, rows, logs, root) {
  const R = r.progress.done;
  const w = r.weights;
  const crown = r.crown.find((c) => c.lambda === s.lambda);
  const best = rows.find((e) => e.id === crown?.best);
  const degenerate = rows.find((e) => e.id === crown?.degenerate);
  const st = r.stats;
  // A setting that ignores the candidate earns no crown: say why when it would have won.
  const aside = degenerate
    ? ` (${degenerate.label} has a lower RMSE still, ${fmt(degenerate.st.rmse)}, but it is no estimate of the candidate: at this λ it gives every round the same weight, so it reports production’s own click rate, ${fmt(r.loggerValue)}, whatever the candidate does. That it wins means every estimator that does look at the candidate is off, on average, by more than the whole gap between production’s click rate and the candidate’s ${fmt(r.truth)}: on these logs none of them can tell the candidate apart from production.)`
    : '';
  const model = s.model === 'true' ? '' : ' (the misspecification slider applies to the simulated model only)';
  setText(
    root.querySelector('.readout'),
    `True value of the candidate: ${fmt(r.truth)} clicks per round (production’s own: ${fmt(r.loggerValue)}). Over ${logs}: DM is off by ${signed(st.dm.bias)} on average${model}; IPS by ${signed(st.ipw.bias)}, with a spread (SD) of ${fmt(st.ipw.sd)}; DR by ${signed(st.dr.bias)}, SD ${fmt(st.dr.sd)}. Lowest RMSE: ${best ? `${best.label}, ${fmt(best.st.rmse)}` : '—'}.${aside}`,
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

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;

const learning = {
  prompts: [
    {
      id: 'spread-far',
      question: 'The candidate is far from the logger and each log holds only 1,000 visits. Over many such logs, whose estimates will spread more: IPS, or the direct method (DM, the reward model’s prediction alone)?',
      answer: { kind: 'choice', options: [{ value: 'ipw', label: 'IPS' }, { value: 'dm', label: 'DM' }, { value: 'same', label: 'About the same' }] },
      state: { ...preset('far') },
      reveal(r, s, guess) {
        const [ips, dm] = [r.stats.ipw, r.stats.dm];
        const ratio = ips.sd / dm.sd;
        const happened = ratio > 1.2 ? 'ipw' : ratio < 1 / 1.2 ? 'dm' : 'same';
        const outcome = `Over ${ips.n} logs IPS’s estimates spread by ${fmt(ips.sd)} (standard deviation), DM’s by ${fmt(dm.sd)}; DM is off by ${fmt(dm.bias)} on average, IPS by ${fmt(ips.bias)}.`;
        const why = happened === 'ipw'
          ? 'Far from the logger, the candidate’s favourite items were rarely logged: the few visits that show them carry huge weights, and whether a log holds a handful or none of them moves IPS a lot. DM never looks at the weights; its price is bias when the model is wrong.'
          : happened === 'same'
            ? 'This time the two spread about equally: the weights stay moderate at this setting.'
            : 'This time DM spreads more, which is unusual: its model, fitted on each small log, moves more between logs than the weights do.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'bad-model',
      question: 'Now the reward model is badly misspecified: it ignores who the user is. Which will land further from the truth on average: DM, or doubly robust (DR), which adds the importance-weighted errors of that model?',
      answer: { kind: 'choice', options: [{ value: 'dm', label: 'DM' }, { value: 'dr', label: 'DR' }, { value: 'same', label: 'About the same' }] },
      state: { ...preset('bad-model') },
      reveal(r, s, guess) {
        const [dm, dr] = [r.stats.dm, r.stats.dr];
        const [a, b] = [Math.abs(dm.bias), Math.abs(dr.bias)];
        const happened = a > 2 * b + 2 * dm.biasSe + 2 * dr.biasSe ? 'dm' : b > 2 * a + 2 * dm.biasSe + 2 * dr.biasSe ? 'dr' : 'same';
        const outcome = `On average over the logs DM misses the truth ${fmt(r.truth)} by ${fmt(dm.bias)}, DR by ${fmt(dr.bias)} (± ${fmt(dr.biasSe)}).`;
        const why = happened === 'dm'
          ? 'DM is only as good as its model: a model that ignores the user is wrong for everyone, the same way in every log. DR starts from that model and adds the weighted errors it makes on the logged visits, which cancel its bias on average as long as the propensities are right.'
          : happened === 'same'
            ? 'This time the two land equally close: the model’s error happens to average out over the candidate’s picks.'
            : 'This time DR lands further off, which is unusual: the weighted corrections are noisy enough at this setting to outweigh the model’s bias.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'best-lambda',
    title: 'Exercise: tune λ for this logger',
    answerLabel: 'Weight threshold λ',
    answer: { kind: 'number', min: 1, max: 1000, step: 1, start: 30, unit: '' },
    // the instance's numeric controls, with the true reward model the problem is posed for
    stateOf: (pairs) => ({ ...Object.fromEntries(pairs), model: 'true' }),
  },
};

startLesson({ slug: 'estimators', controls, presets, task: 'estimators', render, learning });
