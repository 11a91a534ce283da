// Lesson 4: "Position bias in rankings". The numbers come from the core
// (src/lessons/position_bias.rs); this module draws them and puts them into words.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './position-bias.json' with { type: 'json' };
import { estimatesChart, spreadChart, linesChart, COLORS, fmt, pct } from '../js/charts.js';

const controls = defineControls(spec.controls);
const { presets } = spec;

const LABELS = {
  naive: 'Logged clicks per ranking',
  sips: 'SIPS (whole ranking)',
  iips: 'IIPS (item at its slot)',
  rips: 'RIPS (ranking down to the slot)',
  'cascade-dr': 'Cascade-DR',
  pi: 'Pseudoinverse (PI)',
};
const COLOR = { naive: COLORS[7], sips: COLORS[1], iips: COLORS[3], rips: COLORS[0], 'cascade-dr': COLORS[2], pi: COLORS[4] };
const NAMES = { naive: 'logged clicks', sips: 'SIPS', iips: 'IIPS', rips: 'RIPS', 'cascade-dr': 'Cascade-DR', pi: 'PI' };
const ORDER = ['naive', 'sips', 'iips', 'rips', 'cascade-dr', 'pi'];
const label = (name, s) => (name === 'pi' && s.logger !== 'uniform' ? 'PI (needs a uniform logger)' : LABELS[name]);
const signed = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x))}` : '—');

/** "12.5% (95%: 8.1%–18.0%)", or the caution alone when there is no interval to show. */
function rateText(e) {
  const iv = e.upper > e.lower ? ` (95%: ${pct(e.lower)}–${pct(e.upper)})` : '';
  return `${pct(e.estimate)}${iv}${e.caution ? ` — ${e.caution}` : ''}`;
}

function render(r, s, fig, root) {
  // 1. Click-through by position.
  const ctr = r.ctr;
  const cascade = s.model === 'cascade';
  const band = (key) => ctr.map((c) => ({ x: c.position, y: c[key].estimate, lo: c[key].lower, hi: c[key].upper }));
  const series = [
    { label: 'Naive: clicks ÷ impressions', color: COLORS[3], points: band('naive') },
    { label: cascade ? 'Corrected: ÷ chance of reaching the slot' : `Corrected: ÷ (1/k)^${s.eta}`, color: COLORS[0], points: band('corrected') },
  ];
  if (cascade) series.push({ label: `Position-only guess: ÷ (1/k)^${s.eta}`, color: COLORS[4], points: band('positionOnly') });
  const top = Math.max(...ctr.flatMap((c) => [c.naive.upper, c.corrected.upper, c.corrected.estimate, c.truth]).filter(Number.isFinite));
  linesChart(fig.ctr, {
    series,
    truth: ctr.map((c) => ({ x: c.position, y: c.truth })),
    xLabel: 'Slot in the ranking (1 = top) →',
    yLabel: '↑ Clicks per impression',
    xType: 'point',
    percentY: true,
    yDomain: [0, Math.ceil((top * 1.08) / 0.05) * 0.05],
    description: `Click-through rate by slot, ${s.rounds} logged rankings of ${s.lenList}: naive, corrected for examination, and the true attractiveness of the items shown (${ctr.map((c) => `slot ${c.position}: naive ${pct(c.naive.estimate)}, corrected ${pct(c.corrected.estimate)}, truth ${pct(c.truth)}`).join('; ')}).`,
  });

  const last = ctr[ctr.length - 1];
  const readout = root.querySelector('.readout');
  const ctrText =
    `Slot ${last.position}: the logs show a click-through of ${pct(last.naive.estimate)} (${last.clicks.toLocaleString('en')} clicks in ${last.impressions.toLocaleString('en')} rankings); ` +
    `corrected, ${rateText(last.corrected)}; the items shown there would be clicked ${pct(last.truth)} of the time if seen.`;
  const warned = ctr.filter((c) => c !== last && c.corrected.caution).map((c) => `slot ${c.position}: ${c.corrected.caution}`);
  const ctrNote = warned.length ? ` Careful with the corrected rate at ${warned.join('; ')}.` : '';
  if (!r.main) {
    // The first partial result: the estimators are still running on this log.
    readout.textContent = ctrText + ctrNote;
    return;
  }

  // 2. One log, with intervals.
  const est = r.main.est;
  const one = (name) => (name === 'naive' ? r.main.naive : est[name]);
  estimatesChart(fig.estimates, {
    truth: r.truth,
    xLabel: 'Clicks per ranking →',
    description: `Estimates of the new policy's expected clicks per ranking from one log of ${s.rounds} rankings, with 95% intervals, against the true ${fmt(r.truth)}.`,
    rows: ORDER.map((name) => {
      const e = one(name);
      const warn = e.caution && !(name === 'pi' && s.logger !== 'uniform') ? ' ⚠' : '';
      return { label: `${label(name, s)}${warn}`, value: e.estimate, lower: e.lower, upper: e.upper, color: COLOR[name] };
    }),
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
  const cautions = ORDER.filter((n) => one(n).caution && !(n === 'pi' && s.logger !== 'uniform')).map((n) => `${NAMES[n]}: ${one(n).caution}`);
  readout.textContent =
    `${ctrText}${ctrNote} The new policy truly earns ${fmt(r.truth)} clicks per ranking; ${logged} ${fmt(r.main.naive.estimate)}. ` +
    `Average error over ${r.done} log${r.done === 1 ? '' : 's'}: ${used.map((n) => `${NAMES[n]} ${signed(sp[n].bias)}`).join(', ')}` +
    `; their 95% intervals held the truth in ${used.map((n) => pct(sp[n].coverage, 0)).join(', ')} of logs.` +
    (cautions.length ? ` Careful with this log’s ⚠ intervals — ${cautions.join('; ')}.` : '');
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;

const learning = {
  prompts: [
    {
      id: 'naive-ctr',
      question: 'A uniform logger puts every song at every position equally often, and users look at position k with probability 1/k. Read naively (clicks ÷ impressions), how will position 3’s click-through compare with position 1’s?',
      answer: { kind: 'choice', options: [{ value: 'lower', label: 'Lower' }, { value: 'same', label: 'About the same' }, { value: 'higher', label: 'Higher' }] },
      state: { ...preset('uniform-pi') },
      reveal(r, s, guess) {
        const [top, third] = [r.ctr[0], r.ctr[2]];
        const ratio = third.naive.estimate / top.naive.estimate;
        const happened = ratio < 0.8 ? 'lower' : ratio > 1.25 ? 'higher' : 'same';
        const outcome = `Naively, position 1 is clicked ${pct(top.naive.estimate, 1)} of the time and position 3 ${pct(third.naive.estimate, 1)}; corrected for examination, ${pct(top.corrected.estimate, 1)} and ${pct(third.corrected.estimate, 1)}.`;
        const why = happened === 'lower'
          ? 'The songs are the same at every position (the logger shuffles them), so the drop is all position bias: only a third of the users ever look at position 3. Dividing by the examination probability puts the positions level again.'
          : 'This time the naive click-through does not drop, which is unusual: at this seed the songs that landed low happened to be liked far more.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'cascade-iips',
      question: 'Now clicks follow a cascade: users scan down the list and stop at the first song they click. Over many logs, which estimator of the new ranking lands further from the truth: IIPS (each position judged on its own) or RIPS (each position judged with the songs above it)?',
      answer: { kind: 'choice', options: [{ value: 'iips', label: 'IIPS' }, { value: 'rips', label: 'RIPS' }, { value: 'same', label: 'About the same' }] },
      state: { ...preset('cascade') },
      reveal(r, s, guess) {
        const [i, rr] = [r.spread.iips, r.spread.rips];
        const gap = Math.abs(i.bias) - Math.abs(rr.bias);
        const noise = 2 * Math.hypot(i.biasSe, rr.biasSe);
        const happened = gap > noise ? 'iips' : gap < -noise ? 'rips' : 'same';
        const outcome = `Over ${i.n} logs IIPS misses the truth ${fmt(r.truth)} by ${fmt(i.bias)} on average, RIPS by ${fmt(rr.bias)} (± ${fmt(rr.biasSe)}).`;
        const why = happened === 'iips'
          ? 'In a cascade a click at position 3 depends on the songs above it: the user only got there because none of them was clicked. IIPS assumes each position stands alone and is biased; RIPS weights each position by the ranking down to it, which is exactly what a cascade needs.'
          : happened === 'same'
            ? 'This time the two land about equally close: at this setting few users get past the first position, so what lies above matters little.'
            : 'This time RIPS lands further off, which is unusual: its larger weights make it noisier, and these logs happened to miss in its direction.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'corrected-ctr',
    title: 'Exercise: correct a position for examination',
    answerLabel: 'Corrected click-through (a share)',
    answer: { kind: 'number', min: 0, max: 1, step: 0.001, start: 0.1, unit: '' },
  },
};

startLesson({ slug: 'position-bias', controls, presets, task: 'position-bias', render, learning });
