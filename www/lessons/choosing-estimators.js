// Lesson "Which estimator should I trust?": choosing λ from the data (SLOPE, the estimated MSE)
// against the oracle, and a reward model fitted on the same log against a cross-fitted one. Every
// number comes from the core (src/lessons/choosing_estimators.rs); this module shapes them.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './choosing-estimators.json' with { type: 'json' };
import { groupedBarsChart, spreadChart, COLORS, fmt, count, setText } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;
const NAMES = { ipw: 'IPS', dr: 'DR', 'switch-dr': 'Switch-DR', 'dr-os': 'DRos' };
const METHOD = { slope: 'SLOPE', mse: 'MSE choice' };
const FITS = [
  { id: 'dm-same', label: 'DM, model fitted on the same log', color: COLORS[1] },
  { id: 'dr-same', label: 'DR, model fitted on the same log', color: COLORS[3] },
  { id: 'dm-cross', label: 'DM, cross-fitted model', color: COLORS[5] },
  { id: 'dr-cross', label: 'DR, cross-fitted model', color: COLORS[2] },
];

const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

function render(r, s, fig, root) {
  const R = r.progress.done;
  const name = NAMES[r.family];
  const logs = `${R} log${R === 1 ? '' : 's'} of ${count(s.rounds)} rounds`;
  const rmseRows = [
    ...r.fixed.map((f) => ({ group: `λ = ${f.label}`, series: 'RMSE', value: f.stats.rmse })),
    ...r.tuned.map((t) => ({ group: METHOD[t.method], series: 'RMSE', value: t.stats.rmse })),
  ];
  groupedBarsChart(fig.rmse, {
    data: rmseRows,
    series: ['RMSE'],
    groups: rmseRows.map((d) => d.group),
    xLabel: `${name} at each fixed λ, then with λ chosen per log`,
    yLabel: '↑ RMSE against the truth',
    description: `Root mean squared error over ${logs} of ${name} at each fixed λ from 1 to ∞, and with λ chosen on each log by SLOPE and by the estimated MSE. The oracle's λ, lowest RMSE, is ${r.fixed[r.oracle].label}.`,
  });
  const pickRows = r.tuned.flatMap((t) => r.fixed.map((f, j) => ({ group: `λ = ${f.label}`, series: METHOD[t.method], value: R ? t.picks[j] / R : NaN })));
  groupedBarsChart(fig.picks, {
    data: pickRows,
    series: r.tuned.map((t) => METHOD[t.method]),
    groups: r.fixed.map((f) => `λ = ${f.label}`),
    xLabel: 'λ chosen on a log',
    yLabel: '↑ Share of logs',
    percent: true,
    description: `How often SLOPE and the MSE choice picked each λ over ${logs}.`,
  });
  spreadChart(fig.fits, {
    truth: r.truth,
    xLabel: 'Estimated clicks per round →',
    description: `Mean estimate and the middle 95% of estimates over ${logs} of DM and DR with a ridge reward model fitted on the same log or cross-fitted with ${s.folds} folds, against the true value ${fmt(r.truth)}.`,
    rows: FITS.map((f) => {
      const st = r.fits[f.id];
      return { label: f.label, mean: st.mean, lo: st.lo, hi: st.hi, bias: st.bias, rmse: st.rmse, color: f.color };
    }),
  });
  const [slope, mse] = r.tuned;
  const oracle = r.fixed[r.oracle];
  const top = (t) => {
    const j = t.picks.indexOf(Math.max(...t.picks));
    return `λ = ${r.fixed[j].label} on ${Math.round((100 * t.picks[j]) / Math.max(R, 1))}% of the logs`;
  };
  setText(
    root.querySelector('.readout'),
    `Over ${logs} (a log is worth about ${count(r.medianEss)} equally weighted rounds), the oracle's λ for ${name} is ${oracle.label}, with an RMSE of ${fmt(oracle.stats.rmse)} (at λ = ∞: ${fmt(r.fixed.at(-1).stats.rmse)}). SLOPE chose ${top(slope)} and reached an RMSE of ${fmt(slope.stats.rmse)}, ${times(slope.rmseRatio)} the oracle's; the MSE choice chose ${top(mse)} and reached ${fmt(mse.stats.rmse)}, ${times(mse.rmseRatio)} the oracle's.`,
  );
  const f = r.fits;
  const cov = (id) => `${Math.round(100 * f[id].coverage)}%`;
  setText(
    root.querySelector('.readout-fits'),
    `True value ${fmt(r.truth)}. With the model fitted on the same log, DR's bias is ${fmt(f['dr-same'].bias)} and its 95% intervals cover the truth on ${cov('dr-same')} of the logs; cross-fitted with ${s.folds} folds, its bias is ${fmt(f['dr-cross'].bias)} (± ${fmt(2 * f['dr-cross'].biasSe)}) and they cover on ${cov('dr-cross')}. DM's bias: ${fmt(f['dm-same'].bias)} fitted on the same log, ${fmt(f['dm-cross'].bias)} cross-fitted.`,
  );
}

const DEFAULT = { family: 'dr', mismatch: 0.75, rounds: 1000 };

const learning = {
  prompts: [
    {
      id: 'slope-or-mse',
      question: 'DR, a candidate far from production, logs of 1,000 rounds. SLOPE and the estimated MSE each choose λ on every log. Whose choice will have the lower RMSE over the logs?',
      answer: { kind: 'choice', options: [{ value: 'slope', label: 'SLOPE' }, { value: 'mse', label: 'The estimated MSE' }] },
      state: { ...DEFAULT },
      reveal(r, s, guess) {
        const [slope, mse] = r.tuned;
        const winner = slope.stats.rmse < mse.stats.rmse ? 'slope' : 'mse';
        const outcome = `SLOPE's choice has an RMSE of ${fmt(slope.stats.rmse)} (${times(slope.rmseRatio)} the oracle's λ = ${r.fixed[r.oracle].label}), the MSE choice ${fmt(mse.stats.rmse)} (${times(mse.rmseRatio)}).`;
        const why = winner === 'mse'
          ? 'SLOPE starts from the widest interval, λ = ∞, and accepts each smaller λ whose estimate stays within reach of the wider ones: with intervals this wide it accepts heavily clipped, biased estimates. The MSE choice charges that bias to each λ and mostly keeps λ = ∞: noisier, but far less biased.'
          : 'This time SLOPE comes out ahead: on these logs its heavy clipping happened to cost less than the MSE choice\'s variance. With most seeds the MSE choice wins here.';
        return { correct: guess === winner, answer: winner, outcome, why };
      },
    },
    {
      id: 'same-log-coverage',
      question: 'Same setting. DR with a ridge model fitted on the whole log, or cross-fitted with two folds: which one\'s 95% intervals will cover the truth on more of the logs?',
      answer: { kind: 'choice', options: [{ value: 'same', label: 'Fitted on the same log' }, { value: 'cross', label: 'Cross-fitted' }] },
      state: { ...DEFAULT, folds: 2 },
      reveal(r, s, guess) {
        const [same, cross] = [r.fits['dr-same'], r.fits['dr-cross']];
        const winner = cross.coverage > same.coverage ? 'cross' : 'same';
        const outcome = `Fitted on the same log, DR's bias is ${fmt(same.bias)} and its intervals cover the truth on ${Math.round(100 * same.coverage)}% of the logs; cross-fitted, its bias is ${fmt(cross.bias)} and they cover on ${Math.round(100 * cross.coverage)}%.`;
        const why = winner === 'cross'
          ? 'A model fitted on the whole log has already bent towards each round\'s click, most of all on the rare items whose rounds carry the large weights: DR\'s correction, the weighted residual, shrinks where it matters and DM\'s bias leaks through. Cross-fitted, no round is scored by a model that saw it.'
          : 'This time the same-log intervals covered more often: on these logs the model\'s fit to its own rounds happened to do little harm. With most seeds the cross-fitted DR covers far more often.';
        return { correct: guess === winner, answer: winner, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'oracle-lambda',
    title: 'Exercise: find the oracle’s λ',
    answerLabel: 'The oracle’s λ',
    // the problem is DR's, with the default two folds: the setup button sets them too
    stateOf: (pairs) => ({ ...Object.fromEntries(pairs), family: 'dr', folds: 2 }),
    answer: { kind: 'choice', options: ['1', '2', '5', '10', '20', '50', '100', '200', '500', '∞'].map((l) => ({ value: l, label: `λ = ${l}` })) },
  },
};

startLesson({ slug: 'choosing-estimators', controls, presets, task: 'choosing-estimators', render, learning });
