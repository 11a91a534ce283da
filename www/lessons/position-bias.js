// Lesson 4: "Position bias in rankings".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { estimatesChart, spreadChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const controls = defineControls([
  {
    key: 'model', type: 'choice', label: 'Click model', default: 'pbm', group: 'How users click',
    options: [
      { value: 'pbm', label: 'Position-based' },
      { value: 'cascade', label: 'Cascade' },
    ],
    help: 'Position-based: slot k is looked at with probability (1/k)^η, whatever is above it. Cascade: the user reads from the top and leaves after the first click, so what is above an item matters.',
  },
  {
    key: 'eta', type: 'number', label: 'Position bias η', min: 0, max: 3, step: 0.25, default: 1, group: 'How users click',
    help: 'Examination of slot k is (1/k)^η: 0 means every slot is read, 3 means slot 2 is seen one time in eight. The cascade has no η; there the chart shows what dividing by (1/k)^η would give.',
  },
  { key: 'lenList', type: 'int', label: 'List length L', min: 2, max: 5, default: 3, group: 'How users click', help: 'Items in each ranking (out of a catalog of 10).' },
  {
    key: 'logger', type: 'choice', label: 'Logger', default: 'production', group: 'The logs',
    options: [
      { value: 'uniform', label: 'Uniform random' },
      { value: 'production', label: 'Production + 10% bucket' },
    ],
    help: 'Production ranks what users like and what is popular first (Plackett–Luce); one visit in ten gets a uniformly random ranking instead.',
  },
  { key: 'rounds', type: 'steps', label: 'Logged rankings', values: [250, 500, 1000, 2000, 5000], default: 1000, group: 'The logs', format: (v) => v.toLocaleString('en') },
  {
    key: 'sharp', type: 'number', label: 'New policy sharpness β', min: 0, max: 3, step: 0.25, default: 2, group: 'New ranking policy (to evaluate)',
    help: 'The new policy ranks by what each user likes (Plackett–Luce with weights e^(β·score)): 0 is a random ranking, 3 mostly puts each user’s favourites on top.',
  },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World', help: 'Same seed, same users, same logs, same numbers.' },
]);

const presets = [
  {
    id: 'production',
    label: 'Production logs',
    state: { model: 'pbm', eta: 1, lenList: 3, logger: 'production', rounds: 1000, sharp: 2 },
    note: 'Production puts what users like on top, so part of the drop in click-through down the list is real: the dashed truth falls too. The rest is position bias, and dividing each click by the chance that its slot was seen brings the curve back to the truth, within its band. Below, over many logs every slate estimator centres on the new policy’s true value; production’s own clicks per ranking are a different number.',
  },
  {
    id: 'steep',
    label: 'Steep position bias: the top slot looks best',
    state: { model: 'pbm', eta: 1.5, lenList: 3, logger: 'uniform', rounds: 2000, sharp: 2 },
    note: 'Rankings are random, so every slot holds equally attractive items on average: the dashed truth is flat. Yet the logs show slot 1 with almost three times the click-through of slot 2 and about five times that of slot 3, because slot k is only seen with probability (1/k)^1.5. Dividing by that probability makes the line flat again, with a wider band lower down, where few clicks are divided by a small probability.',
  },
  {
    id: 'uniform-pi',
    label: 'Uniform logger: the pseudoinverse',
    state: { model: 'pbm', eta: 1, lenList: 3, logger: 'uniform', rounds: 1000, sharp: 2 },
    note: 'With uniformly random rankings every estimator applies, including the pseudoinverse (PI). It assumes a ranking’s clicks add up, one term per slot and item, and uses the known structure of uniform logging to solve for those terms. Its spread is close to that of IIPS and much narrower than SIPS, which reweights whole rankings, each of which has a chance of 1 in 720 in these logs.',
  },
  {
    id: 'cascade',
    label: 'Cascade clicks: IIPS is biased, RIPS is not',
    state: { model: 'cascade', eta: 1, lenList: 3, logger: 'uniform', rounds: 1000, sharp: 1 },
    note: 'Under the cascade an item is only seen if nothing above it was clicked, so a slot’s clicks depend on the items above it, not only on its own item. IIPS and PI assume one term per slot and item, and both overestimate: over many logs (bottom chart) their dots sit right of the truth, and few of IIPS’s intervals contain it. RIPS reweights the ranking down to each slot and centres on the truth, as does Cascade-DR; so does SIPS, with more spread.',
  },
  {
    id: 'long-cascade',
    label: 'Longer lists, stronger cascade',
    state: { model: 'cascade', eta: 1, lenList: 5, logger: 'uniform', rounds: 1000, sharp: 1 },
    note: 'Five slots: more items above each slot, more interaction, and a larger IIPS bias, now far outside its own intervals. RIPS and Cascade-DR still centre on the truth. SIPS is unbiased in theory, but with 30,240 equally likely rankings in the logs its weights make it the widest.',
  },
];

const LABELS = {
  naive: 'Logged clicks per ranking',
  sips: 'SIPS (whole ranking)',
  iips: 'IIPS (item at its slot)',
  rips: 'RIPS (ranking down to the slot)',
  'cascade-dr': 'Cascade-DR',
  pi: 'Pseudoinverse (PI)',
};
const COLOR = { naive: COLORS[7], sips: COLORS[1], iips: COLORS[3], rips: COLORS[0], 'cascade-dr': COLORS[2], pi: COLORS[4] };
const NAMES = { sips: 'SIPS', iips: 'IIPS', rips: 'RIPS', 'cascade-dr': 'Cascade-DR', pi: 'PI' };
const ORDER = ['naive', 'sips', 'iips', 'rips', 'cascade-dr', 'pi'];
const label = (name, s) => (name === 'pi' && s.logger !== 'uniform' ? 'PI (needs a uniform logger)' : LABELS[name]);
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x))}` : '—');

function render(r, s, fig, root) {
  // 1. Click-through by position.
  const ctr = r.ctr;
  const cascade = s.model === 'cascade';
  const band = (key) => ctr.map((c) => ({ x: c.position, y: c[key].y, lo: c[key].lo, hi: c[key].hi }));
  const series = [
    { label: 'Naive: clicks ÷ impressions', color: COLORS[3], points: band('naive') },
    { label: cascade ? 'Corrected: ÷ chance of reaching the slot' : `Corrected: ÷ (1/k)^${s.eta}`, color: COLORS[0], points: band('corrected') },
  ];
  if (cascade) series.push({ label: `Position-only guess: ÷ (1/k)^${s.eta}`, color: COLORS[4], points: band('positionOnly') });
  const top = Math.max(...ctr.flatMap((c) => [c.naive.hi, c.corrected.hi, c.truth]).filter(Number.isFinite));
  linesChart(fig.ctr, {
    series,
    truth: ctr.map((c) => ({ x: c.position, y: c.truth })),
    xLabel: 'Slot in the ranking (1 = top) →',
    yLabel: '↑ Clicks per impression',
    xType: 'point',
    percentY: true,
    yDomain: [0, Math.min(1, Math.ceil((top * 1.08) / 0.05) * 0.05)],
    description: `Click-through rate by slot, ${s.rounds} logged rankings of ${s.lenList}: naive, corrected for examination, and the true attractiveness of the items shown (${ctr.map((c) => `slot ${c.position}: naive ${pct(c.naive.y)}, corrected ${pct(c.corrected.y)}, truth ${pct(c.truth)}`).join('; ')}).`,
  });

  const last = ctr[ctr.length - 1];
  const readout = root.querySelector('.readout');
  const ctrText =
    `Slot ${last.position}: the logs show a click-through of ${pct(last.naive.y)}; corrected, ${pct(last.corrected.y)} ` +
    `(95%: ${pct(last.corrected.lo)}–${pct(last.corrected.hi)}); the items shown there would be clicked ${pct(last.truth)} of the time if seen.`;
  if (!r.main) {
    // The first partial result: the estimators are still running on this log.
    readout.textContent = ctrText;
    return;
  }

  // 2. One log, with intervals.
  const est = r.main.est;
  estimatesChart(fig.estimates, {
    truth: r.truth,
    xLabel: 'Clicks per ranking →',
    description: `Estimates of the new policy's expected clicks per ranking from one log of ${s.rounds} rankings, with 95% intervals, against the true ${fmt(r.truth)}.`,
    rows: ORDER.map((name) =>
      name === 'naive'
        ? { label: LABELS.naive, value: r.main.naive.estimate, lower: r.main.naive.lower, upper: r.main.naive.upper, color: COLOR.naive }
        : { label: label(name, s), value: est[name].estimate, lower: est[name].lower, upper: est[name].upper, color: COLOR[name] },
    ),
  });

  // 3. Spread over replicated logs.
  const sp = r.spread;
  spreadChart(fig.spread, {
    truth: r.truth,
    xLabel: `Clicks per ranking (${r.done} log${r.done === 1 ? '' : 's'}) →`,
    description: `Spread of each estimator over ${r.done} independent logs of ${s.rounds} rankings: mean and the range holding the middle 95% of estimates, against the true ${fmt(r.truth)}.`,
    rows: ORDER.map((name) => ({ label: label(name, s), color: COLOR[name], ...sp[name] })),
  });

  // Readout.
  const used = ORDER.filter((n) => n !== 'naive' && Number.isFinite(sp[n].mean));
  const logged = s.logger === 'uniform' ? 'the random rankings in the logs got' : 'production’s logs show';
  readout.textContent =
    `${ctrText} The new policy truly earns ${fmt(r.truth)} clicks per ranking; ${logged} ${fmt(r.main.naive.estimate)}. ` +
    `Average error over ${r.done} log${r.done === 1 ? '' : 's'}: ${used.map((n) => `${NAMES[n]} ${signed(sp[n].bias)}`).join(', ')}` +
    `; their 95% intervals held the truth in ${used.map((n) => pct(sp[n].coverage, 0)).join(', ')} of logs.`;
}

startLesson({ slug: 'position-bias', controls, presets, task: 'position-bias', render });
