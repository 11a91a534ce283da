// Lesson 2: "The 1% randomized bucket". The numbers come from the core (src/lessons/random_bucket.rs);
// this module shapes them into charts and words.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './random-bucket.json' with { type: 'json' };
import { estimatesChart, spreadChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;

const sharePct = (v) => `${Number((100 * v).toPrecision(3))}%`;
const int = (v) => Math.round(v).toLocaleString('en');
/** Longer than this is no plan: ten years of logging. */
const NEVER_DAYS = 3650;

const ROWS = [
  { key: 'naive', label: 'Naive: mean logged click', color: COLORS[3] },
  { key: 'bucketIpw', label: 'Bucket only: IPS', color: COLORS[1] },
  { key: 'replay', label: 'Bucket only: replay', color: COLORS[4] },
  { key: 'balancedIpw', label: 'All logs: balanced IPS', color: COLORS[2] },
  { key: 'balancedSnipw', label: 'All logs: balanced SNIPS', color: COLORS[0] },
];
const CURVES = ['bucketIpw', 'replay', 'balancedIpw', 'balancedSnipw'];
/** Without a bucket, the "balanced" estimators are plain IPS/SNIPS on production's logs. */
const labelOf = (key, share) => {
  if (share <= 0 && key === 'balancedIpw') return 'Production logs: IPS';
  if (share <= 0 && key === 'balancedSnipw') return 'Production logs: SNIPS';
  return ROWS.find((row) => row.key === key).label;
};
const nameOf = (key, share) => labelOf(key, share).replace(/^.*: /, '');
const colorOf = (key) => ROWS.find((row) => row.key === key).color;

function days(d) {
  if (!Number.isFinite(d)) return 'never';
  if (d > NEVER_DAYS) return `never in practice (${int(d)} days, about ${int(d / 365)} years)`;
  if (d < 1) {
    const h = Math.max(1, Math.round(d * 24));
    return `${h} ${h === 1 ? 'hour' : 'hours'}`;
  }
  if (d < 10) return `${d.toFixed(1)} days`;
  if (d < 730) return `${int(d)} days`;
  return `${int(d)} days (${(d / 365).toFixed(1)} years)`;
}

function render(r, s, fig, root) {
  drawTheory(r, s, fig, root);
  // The first partial result of a run holds only the exact part; the simulated logs follow.
  if (r.first) drawFirst(r, s, fig, root);
  if (r.replicates > 0) drawSimulation(r, s, fig, root);
}

/** Why an estimator would need longer than any service runs, in words. */
function whyNever(r, s, keys) {
  const v = r.theory.variance;
  const parts = [];
  if (keys.some((k) => k === 'bucketIpw' || k === 'replay')) {
    parts.push(`the bucket gets only ${s.share * s.traffic < 10 ? fmt(s.share * s.traffic, 1) : int(s.share * s.traffic)} random visits a day, and only 1 in 100 of them shows the candidate’s pick`);
  }
  if (keys.some((k) => k === 'balancedIpw' || k === 'balancedSnipw')) {
    parts.push(s.share <= 0
      ? `production shows some of the candidate’s picks so rarely that a visit showing one would carry an importance weight of up to ${int(v.maxWeight)}: the estimate hinges on visits that almost never happen`
      : `the weights can reach ${int(v.maxWeight)} (the bucket caps them at m/b), and the estimate swings with every visit that carries one`);
  }
  return ` “Never in practice” means more than ten years of logging, longer than the candidate, or the service, will exist: ${parts.join('; and ')}.`;
}

function drawTheory(r, s, fig, root) {
  const th = r.theory;
  const gap = Math.abs(th.gap);
  const keys = CURVES.filter((k) => th.keys.includes(k));
  linesChart(fig.days, {
    truth: gap,
    truthLabel: 'the gap',
    xType: 'log',
    xLabel: 'Days of logging (log scale) →',
    yLabel: '↑ 95% interval half-width (clicks per visit)',
    yDomain: [0, Math.max(0.05, 4 * gap)],
    description: `Half-width of the 95% interval of each estimator against days of logging at ${int(s.traffic)} visits a day and a ${sharePct(s.share)} bucket, and the true gap ${fmt(gap)} between the candidate and production.`,
    series: keys.map((k) => ({ label: labelOf(k, s.share), color: colorOf(k), points: th.curves[k] })),
  });

  const [decision, , , cost] = root.querySelectorAll('.readout');
  const d = th.days;
  const bucketVisits = s.share * s.traffic;
  const head = `The candidate’s true click rate is ${fmt(r.truth)} per visit, production’s ${fmt(r.productionValue)}: a gap of ${fmt(th.gap)}.`;
  const never = keys.filter((k) => d[k] > NEVER_DAYS);
  const why = never.length ? whyNever(r, s, never) : '';
  if (s.share <= 0) {
    decision.textContent = `${head} There is no bucket, so only production’s logs can be used: at ${int(s.traffic)} visits a day, IPS on them needs ${days(d.balancedIpw)} and SNIPS ${days(d.balancedSnipw)} before the 95% interval is narrower than the gap. (That is when a correct call is about a coin flip; for 4 times in 5, count about twice as long: ${days(th.days80.balancedSnipw)} for SNIPS.)${why}`;
  } else {
    decision.textContent = `${head} With ${int(s.traffic)} visits a day and a ${sharePct(s.share)} bucket (${bucketVisits < 10 ? fmt(bucketVisits, 1) : int(bucketVisits)} random visits a day), the 95% interval gets narrower than the gap after ${days(d.balancedSnipw)} with balanced SNIPS on all logs, ${days(d.balancedIpw)} with balanced IPS, ${days(d.replay)} with replay on the bucket alone and ${days(d.bucketIpw)} with IPS on the bucket alone. (That is when a correct call is about a coin flip; for 4 times in 5, count about twice as long: ${days(th.days80.balancedSnipw)} for balanced SNIPS, ${days(th.days80.replay)} for replay.)${why}`;
  }
  const loss = s.share * (r.productionValue - r.uniformValue);
  cost.textContent = s.share <= 0
    ? `No bucket, no cost: every visit gets production’s recommendation (${fmt(r.productionValue)} clicks per visit); a random item would get ${fmt(r.uniformValue)}.`
    : `The bucket’s online cost: its visitors get random items, clicked ${fmt(r.uniformValue)} times per visit instead of production’s ${fmt(r.productionValue)}. A ${sharePct(s.share)} bucket costs ${sharePct(s.share)} × ${fmt(r.productionValue - r.uniformValue)} = ${fmt(loss, 4)} clicks per visit over all traffic (${pct(loss / r.productionValue, 1)} of production’s clicks, about ${int(loss * s.traffic)} clicks a day at ${int(s.traffic)} visits).`;
}

function drawFirst(r, s, fig, root) {
  const f = r.first;
  const rows = ROWS.filter((row) => f.estimates[row.key]);
  estimatesChart(fig.first, {
    truth: r.truth,
    xLabel: 'Candidate’s click rate (clicks per visit) →',
    description: `Estimates of the candidate's click rate from one simulated log of ${int(r.nRounds)} visits, with 95% intervals, against its true click rate ${fmt(r.truth)}.`,
    rows: rows.map((row) => {
      const e = f.estimates[row.key];
      return { label: `${labelOf(row.key, s.share)}${e.caution ? ' ⚠' : ''}`, value: e.estimate, lower: e.lower, upper: e.upper, color: row.color };
    }),
  });
  const bucket = s.share > 0 && s.share < 1 ? `, ${int(f.bucketVisits)} of them in the bucket` : '';
  const matches = s.share > 0 ? `, ${int(f.matches)} bucket visit${f.matches === 1 ? '' : 's'} showing the candidate’s pick` : '';
  const cautions = rows
    .filter((row) => f.estimates[row.key].caution)
    .map((row) => ` ⚠ ${labelOf(row.key, s.share)}: ${f.estimates[row.key].caution}.`)
    .join('');
  const w = f.weights.balancedIpw;
  const weights = w
    ? ` The ${s.share > 0 ? 'balanced ' : ''}importance weights of this log average ${fmt(w.mean, 2)} (± ${fmt(w.meanSe, 2)}; they should average 1), the largest is ${int(w.max)}, and the effective sample size (ESS) is ${int(w.ess)} of ${int(f.n)} visits.`
    : '';
  root.querySelectorAll('.readout')[1].textContent = `The log shown (${int(f.n)} visits${bucket}${matches}): the naive mean and replay are plain shares of clicks, with Wilson intervals that stay between 0 and 1; the weighted estimates have the usual normal intervals (estimate ± 1.96 standard errors).${weights}${cautions}`;
}

function drawSimulation(r, s, fig, root) {
  const th = r.theory;
  const rows = ROWS.filter((row) => r.sim[row.key]);
  spreadChart(fig.spread, {
    truth: r.truth,
    xLabel: `Candidate’s click rate (clicks per visit), over ${r.replicates} logs →`,
    description: `Mean and middle 95% of each estimator's estimates over ${r.replicates} simulated logs of ${int(r.nRounds)} visits, against the true click rate ${fmt(r.truth)}.`,
    rows: rows.map((row) => ({ ...r.sim[row.key], label: labelOf(row.key, s.share), color: row.color })),
  });
  const pick = s.share > 0 ? ['balancedSnipw', 'replay'] : ['balancedSnipw', 'balancedIpw'];
  const spread = pick
    .map((k) => {
      const name = nameOf(k, s.share);
      if (!(r.sim[k].n > 1)) return `${name}: not enough logs with an estimate`;
      return `${name} ±${fmt(1.96 * r.sim[k].sd)} (exact variance: ±${fmt(th.predictedHalfWidth[k])}), with usual normal intervals covering the truth in ${pct(r.sim[k].coverage, 0)} of logs`;
    })
    .join('; ');
  // (said only where weights are enormous: the claim test checks the explanation there)
  const heavy = th.variance.maxWeight > 500 && pick.some((k) => r.sim[k].n > 1 && th.predictedHalfWidth[k] > 1.5 * 1.96 * r.sim[k].sd)
    ? ' Where the exact figure is much wider than the simulated spread, the variance comes from rare, enormous weights that few logs contain: most logs look precise, and a few are far off.'
    : '';
  const bucketPart = s.share > 0 && s.share < 1 ? `, about ${int(r.bucketRows)} of them in the bucket` : '';
  const noMatch = s.share > 0 && r.noMatch > 0 ? ` Replay found no visit where the random item was the candidate’s pick in ${r.noMatch} of the logs (left out of the charts: it says nothing; counted as a miss in its coverage).` : '';
  root.querySelectorAll('.readout')[2].textContent = `Simulation check, ${r.replicates} logs of ${int(r.nRounds)} visits${bucketPart}: 1.96 × the spread of the estimates is ${spread}.${heavy}${noMatch}`;
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;

const learning = {
  prompts: [
    {
      id: 'bucket-or-all',
      question: 'A 1% random bucket, logged for a week at 10,000 visits a day. Whose 95% interval will be narrower: replay on the bucket’s visits alone, or balanced SNIPS on all the logs (bucket and production visits, each weighted with the mixture’s propensity)?',
      answer: { kind: 'choice', options: [{ value: 'replay', label: 'Replay on the bucket alone' }, { value: 'balanced', label: 'Balanced SNIPS on all the logs' }, { value: 'same', label: 'About the same' }] },
      state: { ...preset('week') },
      reveal(r, s, guess) {
        const hw = r.theory.predictedHalfWidth;
        const ratio = hw.replay / hw.balancedSnipw;
        const happened = ratio > 1.1 ? 'balanced' : ratio < 1 / 1.1 ? 'replay' : 'same';
        const outcome = `Replay’s 95% interval reaches ±${fmt(hw.replay)} around its estimate, balanced SNIPS’s ±${fmt(hw.balancedSnipw)}: ${ratio >= 1 ? `${ratio.toFixed(1)} times narrower with all the logs` : `${(1 / ratio).toFixed(1)} times narrower with the bucket alone`}.`;
        const why = happened === 'balanced'
          ? `Replay keeps only the bucket’s ${int(s.share * s.traffic * s.days)} visits, and only the few that happen to show the candidate’s pick. Balanced SNIPS uses every visit: production’s visits often show the candidate’s picks too, and the bucket caps every weight at m/b, so none of them can swamp the estimate.`
          : happened === 'same'
            ? 'This time the two are close: production so rarely shows the candidate’s picks that its visits add little to what the bucket already tells.'
            : 'This time the bucket alone does better, which is unusual: production shows the candidate’s picks so rarely that its visits mostly add large weights, and with them noise.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'no-bucket',
      question: 'No bucket, and production is very sharp (β = 5): it sticks to its favourites. At 10,000 visits a day, how long must you log before SNIPS on production’s logs can tell the candidate from production?',
      answer: { kind: 'choice', options: [{ value: 'week', label: 'A week or less' }, { value: 'years', label: 'Weeks to years' }, { value: 'never', label: 'More than ten years: never in practice' }] },
      state: { ...preset('sharp') },
      reveal(r, s, guess) {
        const d = r.theory.days.balancedSnipw;
        const happened = d <= 7 ? 'week' : d <= NEVER_DAYS ? 'years' : 'never';
        const outcome = `SNIPS on production’s logs needs ${days(d)} before its 95% interval is narrower than the gap of ${fmt(Math.abs(r.theory.gap))}.`;
        const why = happened === 'never'
          ? `Production gives some of the candidate’s picks almost no chance, so the rare visit that shows one carries a weight of up to ${int(r.theory.variance.maxWeight)}: the estimate hinges on visits that almost never happen. A small bucket caps the weights and turns this into days.`
          : happened === 'years'
            ? 'Long, but not hopeless at this seed: production still shows the candidate’s picks now and then. With a sharper production or a smaller gap it would be never.'
            : 'Surprisingly quick at this seed: production and the candidate agree often enough that the weights stay moderate.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'bucket-share',
    title: 'Exercise: the smallest bucket that decides',
    answerLabel: 'Bucket share',
    answer: { kind: 'number', min: 0, max: 100, step: 0.1, start: 1, unit: '%' },
  },
};

startLesson({ slug: 'random-bucket', controls, presets, task: 'random-bucket', render, learning });
