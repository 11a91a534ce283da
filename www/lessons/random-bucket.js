// Lesson 2: "The 1% randomized bucket".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { estimatesChart, spreadChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const SHARES = [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
const sharePct = (v) => `${Number((100 * v).toPrecision(3))}%`;
const int = (v) => Math.round(v).toLocaleString('en');

const controls = defineControls([
  { key: 'share', type: 'steps', label: 'Share of visits in the random bucket', values: SHARES, default: 0.01, format: sharePct, group: 'Randomized bucket', help: 'Visits that get a uniformly random item instead of production’s pick. 0% is no bucket; 100% is all traffic random.' },
  { key: 'traffic', type: 'steps', label: 'Visits per day', values: [1000, 2000, 5000, 10000, 20000], default: 10000, format: int, group: 'Traffic', help: 'Every visit is logged; the bucket gets its share of them.' },
  { key: 'days', type: 'steps', label: 'Days of logging', values: [1, 2, 3, 5, 7, 10, 14], default: 7, format: (v) => `${v} ${v === 1 ? 'day' : 'days'}`, group: 'Traffic', help: 'Each simulated log holds visits per day × days visits.' },
  { key: 'beta', type: 'number', label: 'Production sharpness β', min: 0, max: 5, step: 0.5, default: 3, group: 'Production recommender', help: 'Inverse temperature of production’s softmax over relevance plus popularity: 0 shows items at random, 5 almost always its favourites.' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World', help: 'Same seed, same world, same logs, same numbers.' },
]);

const presets = [
  {
    id: 'week',
    label: '1% bucket for a week',
    state: { share: 0.01, days: 7 },
    note: 'A week at 10,000 visits a day puts about 700 visits in the bucket, and the candidate’s pick came up in only about 7 of them (1 in 100 items). On the bucket alone, replay and IPW are right on average but scattered from 0 to about 0.9. The balanced estimator uses all 70,000 visits: its interval is about ±0.09 wide, close to the 0.081 gap; about 11 days would do.',
  },
  {
    id: 'none',
    label: 'No bucket',
    state: { share: 0 },
    note: 'Without a bucket only production’s logs are left. Here production still gives every item a small chance, so IPW on its logs is unbiased, but the candidate’s picks are rare in them: it would take about 33 days (SNIPW) instead of about 11, and plain IPW’s intervals cover the truth in only about three logs out of four.',
  },
  {
    id: 'ten',
    label: '10% bucket',
    state: { share: 0.1 },
    note: 'Ten times more random traffic: replay on the bucket alone now needs about 15 days and the balanced estimator about 3 days. The price is ten times the online cost: about 0.034 clicks per visit, almost 8% of production’s clicks.',
  },
  {
    id: 'sharp',
    label: 'Sharp production, no bucket',
    state: { share: 0, beta: 5 },
    note: 'A very sharp production recommender almost never shows some of the candidate’s picks. IPW on its logs is still unbiased in theory, but it rests on rare, enormous weights: the exact variance says it would need over a century of logs, and plain IPW’s simulated intervals cover the truth in only about a third of the logs. Move the bucket to 1% and compare.',
  },
  {
    id: 'all',
    label: 'All traffic random',
    state: { share: 1 },
    note: 'With every visit random, the bucket is the whole log: the bucket-only and balanced estimators coincide and replay decides in under 2 days. Nobody runs a service like this: it costs about 0.34 clicks per visit, three quarters of production’s clicks.',
  },
];

const ROWS = [
  { key: 'naive', label: 'Naive: mean logged click', color: COLORS[3] },
  { key: 'bucketIpw', label: 'Bucket only: IPW', color: COLORS[1] },
  { key: 'replay', label: 'Bucket only: replay', color: COLORS[4] },
  { key: 'balancedIpw', label: 'All logs: balanced IPW', color: COLORS[2] },
  { key: 'balancedSnipw', label: 'All logs: balanced SNIPW', color: COLORS[0] },
];
/** Without a bucket, the "balanced" estimators are plain IPW/SNIPW on production's logs. */
const labelOf = (key, share) => {
  if (share <= 0 && key === 'balancedIpw') return 'Production logs: IPW';
  if (share <= 0 && key === 'balancedSnipw') return 'Production logs: SNIPW';
  return ROWS.find((row) => row.key === key).label;
};
const colorOf = (key) => ROWS.find((row) => row.key === key).color;

function days(d) {
  if (!Number.isFinite(d)) return 'never';
  if (d < 1) return `${Math.max(1, Math.round(d * 24))} hours`;
  if (d < 10) return `${d.toFixed(1)} days`;
  if (d < 730) return `${int(d)} days`;
  return `${int(d)} days (${int(d / 365)} years)`;
}

function render(r, s, fig, root) {
  drawTheory(r, s, fig, root);
  // The first partial result of a run holds only the exact part; the simulated logs follow.
  if (r.replicates > 0) drawSimulation(r, s, fig, root);
}

function drawTheory(r, s, fig, root) {
  const th = r.theory;
  const gap = Math.abs(th.gap);
  linesChart(fig.days, {
    truth: gap,
    xType: 'log',
    xLabel: 'Days of logging (log scale) →',
    yLabel: '↑ 95% interval half-width (clicks per visit)',
    yDomain: [0, Math.max(0.05, 4 * gap)],
    description: `Half-width of the 95% interval of each estimator against days of logging at ${int(s.traffic)} visits a day and a ${sharePct(s.share)} bucket, and the true gap ${fmt(gap)} between the candidate and production.`,
    series: Object.keys(th.curves).map((k) => ({ label: labelOf(k, s.share), color: colorOf(k), points: th.curves[k] })),
  });

  const [decision, , cost] = root.querySelectorAll('.readout');
  const d = th.days;
  const bucketVisits = s.share * s.traffic;
  const head = `The candidate’s true click rate is ${fmt(r.truth)} per visit, production’s ${fmt(r.productionValue)}: a gap of ${fmt(th.gap)}.`;
  if (s.share <= 0) {
    decision.textContent = `${head} There is no bucket, so only production’s logs can be used: at ${int(s.traffic)} visits a day, IPW on them needs ${days(d.balancedIpw)} and SNIPW ${days(d.balancedSnipw)} before the 95% interval is narrower than the gap. (That is when a correct call is about a coin flip; for 4 times in 5, count about twice as long: ${days(th.days80.balancedSnipw)} for SNIPW.)`;
  } else {
    decision.textContent = `${head} With ${int(s.traffic)} visits a day and a ${sharePct(s.share)} bucket (${bucketVisits < 10 ? fmt(bucketVisits, 1) : int(bucketVisits)} random visits a day), the 95% interval gets narrower than the gap after ${days(d.balancedSnipw)} with balanced SNIPW on all logs, ${days(d.balancedIpw)} with balanced IPW, ${days(d.replay)} with replay on the bucket alone and ${days(d.bucketIpw)} with IPW on the bucket alone. (That is when a correct call is about a coin flip; for 4 times in 5, count about twice as long: ${days(th.days80.balancedSnipw)} for balanced SNIPW, ${days(th.days80.replay)} for replay.)`;
  }
  const loss = s.share * (r.productionValue - r.uniformValue);
  cost.textContent = s.share <= 0
    ? `No bucket, no cost: every visit gets production’s recommendation (${fmt(r.productionValue)} clicks per visit); a random item would get ${fmt(r.uniformValue)}.`
    : `The bucket’s online cost: its visitors get random items, clicked ${fmt(r.uniformValue)} times per visit instead of production’s ${fmt(r.productionValue)}. A ${sharePct(s.share)} bucket costs ${sharePct(s.share)} × ${fmt(r.productionValue - r.uniformValue)} = ${fmt(loss, 4)} clicks per visit over all traffic (${pct(loss / r.productionValue, 1)} of production’s clicks, about ${int(loss * s.traffic)} clicks a day at ${int(s.traffic)} visits).`;
}

function drawSimulation(r, s, fig, root) {
  const th = r.theory;
  const rows = ROWS.filter((row) => r.sim[row.key]);
  estimatesChart(fig.first, {
    truth: r.truth,
    xLabel: 'Candidate’s click rate (clicks per visit) →',
    description: `Estimates of the candidate's click rate from one simulated log of ${int(r.nRounds)} visits, with 95% intervals, against its true click rate ${fmt(r.truth)}.`,
    rows: rows.map((row) => ({ label: labelOf(row.key, s.share), value: r.first[row.key].value, lower: r.first[row.key].lower, upper: r.first[row.key].upper, color: row.color })),
  });
  spreadChart(fig.spread, {
    truth: r.truth,
    xLabel: `Candidate’s click rate (clicks per visit), over ${r.replicates} logs →`,
    description: `Mean and middle 95% of each estimator's estimates over ${r.replicates} simulated logs of ${int(r.nRounds)} visits, against the true click rate ${fmt(r.truth)}.`,
    rows: rows.map((row) => ({ ...r.sim[row.key], label: labelOf(row.key, s.share), color: row.color })),
  });
  const pick = s.share > 0 ? ['balancedSnipw', 'replay'] : ['balancedSnipw', 'balancedIpw'];
  const spread = pick
    .map((k) => {
      const name = labelOf(k, s.share).replace(/^.*: /, '');
      if (!(r.sim[k].n > 1)) return `${name}: not enough logs with an estimate`;
      return `${name} ±${fmt(1.96 * r.sim[k].sd)} (exact variance: ±${fmt(th.predictedHalfWidth[k])}), intervals covering the truth in ${pct(r.sim[k].coverage, 0)} of logs`;
    })
    .join('; ');
  const heavy = pick.some((k) => r.sim[k].n > 1 && th.predictedHalfWidth[k] > 1.5 * 1.96 * r.sim[k].sd)
    ? ' Where the exact figure is much wider than the simulated spread, the variance comes from rare, enormous weights that few logs contain: most logs look precise, and a few are far off.'
    : '';
  const bucketPart = s.share > 0 && s.share < 1 ? `, about ${int(r.bucketRows)} of them in the bucket` : '';
  const noMatch = s.share > 0 && r.noMatch > 0 ? ` Replay found no visit where the random item was the candidate’s pick in ${r.noMatch} of the logs (left out of the charts: it says nothing).` : '';
  root.querySelectorAll('.readout')[1].textContent = `Simulation check, ${r.replicates} logs of ${int(r.nRounds)} visits${bucketPart}: 1.96 × the spread of the estimates is ${spread}.${heavy}${noMatch}`;
}

startLesson({ slug: 'random-bucket', controls, presets, task: 'random-bucket', render });
