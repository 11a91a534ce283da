// Lesson "Large catalogs": IPS against marginalized IPS (MIPS) as the catalog grows. Every number
// comes from the core (src/lessons/large_catalogs.rs); this module shapes them into charts and words.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './large-catalogs.json' with { type: 'json' };
import { spreadChart, linesChart, estimatesChart, COLORS, fmt, count, setText } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;

/** The estimators, in the core's order (ESTIMATORS), with their labels and colours. */
const EST = [
  { id: 'ipw', label: 'IPS', color: COLORS[0] },
  { id: 'snipw', label: 'SNIPS', color: COLORS[5] },
  { id: 'mipw', label: 'MIPS', color: COLORS[3] },
  { id: 'snmipw', label: 'SNMIPS', color: COLORS[4] },
];

/** The MSE chart's unit, 10⁻⁴: short tick labels (2, 10, 200) that fit beside a phone-sized chart. */
const UNIT = 1e4;

/** An MSE in a readable form: 0.00046 → "0.00046", 0.021 → "0.021". */
function mse(x) {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  return x.toPrecision(2).replace(/^(-?)0\./, '$10.');
}

function ratio(a, b) {
  if (!(a > 0 && b > 0)) return '—';
  const r = a / b;
  return r >= 10 ? `${Math.round(r)}×` : `${r.toFixed(1)}×`;
}

function render(r, s, fig, root) {
  const R = r.progress.done;
  const at = r.sizes[r.chosen];
  const logs = `${R} log${R === 1 ? '' : 's'} of ${count(s.rounds)} rounds`;
  const sq = (x) => x * x;

  linesChart(fig.mse, {
    xLabel: 'Items in the catalog (log scale) →',
    yLabel: '↑ Mean squared error, ×10⁻⁴ (log scale)',
    xType: 'log',
    yType: 'log',
    truth: r.sizes.map((z) => ({ x: z.items, y: UNIT * z.exact.mseIpw })),
    truthLabel: 'IPS, exact',
    description: `Mean squared error against the exact truth, over ${logs} per catalog size, of IPS, SNIPS, MIPS and SNMIPS for catalogs of ${r.sizes[0].items} to ${count(r.sizes.at(-1).items)} items, with a 95% Monte Carlo band, in units of 10⁻⁴; the dashed line is IPS's exact MSE.`,
    series: EST.map((e) => ({
      label: e.label,
      color: e.color,
      points: r.sizes.map((z) => {
        const st = z.stats[e.id];
        // a band whose lower end reaches 0 has no place on a log axis: it is left out there
        return { x: z.items, y: UNIT * sq(st.rmse), lo: st.rmseLo > 0 ? UNIT * sq(st.rmseLo) : NaN, hi: UNIT * sq(st.rmseHi) };
      }),
    })),
  });

  spreadChart(fig.spread, {
    truth: at.exact.truth,
    xLabel: `Estimated clicks per round, catalog of ${count(at.items)} items →`,
    description: `Mean estimate and the middle 95% of estimates over ${logs}, catalog of ${count(at.items)} items, against the true value ${fmt(at.exact.truth)}.`,
    rows: EST.map((e) => {
      const st = at.stats[e.id];
      return { label: e.label, mean: st.mean, lo: st.lo, hi: st.hi, bias: st.bias, rmse: st.rmse, color: e.color };
    }),
  });

  const one = r.oneLog;
  if (one) {
    estimatesChart(fig.onelog, {
      truth: at.exact.truth,
      xLabel: `One log's estimate with its 95% interval, ${count(at.items)} items →`,
      description: `The estimates of one log of ${count(s.rounds)} rounds from a catalog of ${count(at.items)} items, with 95% normal intervals, against the true value ${fmt(at.exact.truth)}.`,
      rows: EST.map((e, j) => ({ label: e.label, value: one.estimates[j].estimate, lower: one.estimates[j].lower, upper: one.estimates[j].upper, color: e.color })),
    });
  }
  readouts(r, s, at, logs, root);
}

function readouts(r, s, at, logs, root) {
  const st = at.stats;
  const small = r.sizes[0];
  const m = (z, id) => z.stats[id].rmse ** 2;
  // beside each MSE, its ratio to the smallest catalog's (nothing to compare with at that size)
  const vsSmall = (id) => (at.items === small.items ? '' : ` (${ratio(m(at, id), m(small, id))} its value at ${small.items} items)`);
  const bias = at.exact.biasMipw;
  const biasText =
    Math.abs(bias) < 5e-4
      ? 'MIPS is unbiased here (its exact bias is 0: the reward depends on the item only through its topic)'
      : `MIPS's exact bias is ${fmt(bias)}, ${Math.round((100 * Math.abs(bias)) / at.exact.truth)}% of the truth (the topics miss ${Math.round(100 * s.miss)}% of what users like)`;
  setText(
    root.querySelector('.readout'),
    `Catalog of ${count(at.items)} items: the candidate's true click rate is ${fmt(at.exact.truth)}. Over ${logs}, the mean squared error of IPS is ${mse(m(at, 'ipw'))}${vsSmall('ipw')} and that of MIPS ${mse(m(at, 'mipw'))}${vsSmall('mipw')}. ${biasText}. IPS's weights reach ${fmt(at.exact.maxWeightIpw, 0)}, MIPS's ${fmt(at.exact.maxWeightMipw, 1)}. 95% intervals cover the truth on ${Math.round(100 * st.ipw.coverage)}% of the logs for IPS and ${Math.round(100 * st.mipw.coverage)}% for MIPS.`,
  );
  const one = r.oneLog;
  if (!one) return;
  const cautions = EST.map((e, j) => [e.label, one.estimates[j].caution]).filter(([, c]) => c);
  setText(
    root.querySelector('.readout-onelog'),
    `One log of ${count(s.rounds)} rounds: IPS ${fmt(one.estimates[0].estimate)} (${fmt(one.estimates[0].lower)} to ${fmt(one.estimates[0].upper)}), MIPS ${fmt(one.estimates[2].estimate)} (${fmt(one.estimates[2].lower)} to ${fmt(one.estimates[2].upper)}); effective sample size ${count(one.weightsIpw.ess)} rounds for IPS's weights, ${count(one.weightsMipw.ess)} for MIPS's.${cautions.length ? ` Caution — ${cautions.map(([l, c]) => `${l}: ${c}`).join('; ')}.` : ''}`,
  );
}

const preset = (id) => presets.find((p) => p.id === id).state;
const SIZE_OPTIONS = [10, 30, 100, 300, 1000, 3000, 5000].map((k) => ({ value: String(k), label: `${k.toLocaleString('en')} items` }));

/** Which of IPS and MIPS has the lower mean squared error over the replicated logs at the chosen size. */
function lowerMse(r) {
  const at = r.sizes[r.chosen];
  const [ipw, mipw] = [at.stats.ipw.rmse ** 2, at.stats.mipw.rmse ** 2];
  return { at, ipw, mipw, winner: mipw < ipw ? 'mips' : 'ips' };
}

const learning = {
  prompts: [
    {
      id: 'huge-winner',
      question: 'A catalog of 5,000 items, and the topics say everything about what users click. Over 100 logs of 1,000 rounds, which estimator will have the lower mean squared error: IPS, which weighs items, or MIPS, which weighs topics?',
      answer: { kind: 'choice', options: [{ value: 'ips', label: 'IPS' }, { value: 'mips', label: 'MIPS' }] },
      state: { ...preset('huge') },
      reveal(r, s, guess) {
        const { at, ipw, mipw, winner } = lowerMse(r);
        const outcome = `At ${count(at.items)} items IPS's MSE is ${mse(ipw)} and MIPS's ${mse(mipw)}; IPS's weights reach ${fmt(at.exact.maxWeightIpw, 0)}, MIPS's ${fmt(at.exact.maxWeightMipw, 1)}.`;
        const why = winner === 'mips'
          ? 'With 5,000 items production rarely shows the item the candidate prefers, so the few rounds where it did carry huge weights and IPS swings from log to log. A topic holds hundreds of items and production shows every topic often: MIPS\'s weights stay small, and here it is unbiased too.'
          : 'This time IPS comes out ahead: with these logs its large weights happened to stay rare enough. Usually, at this size, its variance makes it far worse than MIPS.';
        return { correct: guess === winner, answer: winner, outcome, why };
      },
    },
    {
      id: 'miss-half-winner',
      question: 'Now the topics miss half of what makes users click, and the catalog has 300 items. Which estimator will have the lower mean squared error over the logs: IPS or MIPS?',
      answer: { kind: 'choice', options: [{ value: 'ips', label: 'IPS' }, { value: 'mips', label: 'MIPS' }] },
      state: { ...preset('miss-half') },
      reveal(r, s, guess) {
        const { at, ipw, mipw, winner } = lowerMse(r);
        const outcome = `At ${count(at.items)} items IPS's MSE is ${mse(ipw)} and MIPS's ${mse(mipw)}; MIPS's exact bias is ${fmt(at.exact.biasMipw)} against a truth of ${fmt(at.exact.truth)}.`;
        const why = winner === 'ips'
          ? 'MIPS credits the candidate with the average item of each topic it picks, while the candidate picks the best: that bias does not shrink with more logs. At 300 items IPS\'s variance is still moderate, so the unbiased estimator wins.'
          : 'This time MIPS comes out ahead: on these logs IPS\'s variance cost more than MIPS\'s bias. Move the catalog slider down and IPS takes the lead; up, and MIPS keeps it.';
        return { correct: guess === winner, answer: winner, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'mips-crossover',
    title: 'Exercise: where does MIPS start to win?',
    answerLabel: 'Smallest catalog size',
    answer: { kind: 'choice', options: SIZE_OPTIONS },
  },
};

startLesson({ slug: 'large-catalogs', controls, presets, task: 'large-catalogs', render, learning });
