// Lesson "Ask the new user": onboarding questions for a cold-start user — random, popular-first or
// adaptive (expected information gain) — compared over simulated new users, and played by hand.
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { TaskRunner } from '../js/runner.js';
import { linesChart, show, COLORS, TRUTH, fmt, pct } from '../js/charts.js';
import spec from './cold-start.json' with { type: 'json' };

/** Human names of the world's 8 topics. */
const TOPICS = ['Pop', 'Rock', 'Hip-hop', 'Jazz', 'Classical', 'Electronic', 'Folk', 'Latin'];

const NAMES = { adaptive: 'Adaptive', popular: 'Popular first', random: 'Random' };
const COLOR = { adaptive: COLORS[0], popular: COLORS[1], random: COLORS[3] };

const controls = defineControls(spec.controls);
const { presets } = spec;

// ---------- the comparison charts ----------
function render(r, s, fig, root) {
  if (r.curves) drawCurves(r, s, fig, root);
  if (r.play) receiveMainPlay(r.play, s, fig, root);
  latestCurves = r.curves ? { curves: r.curves, users: r.users } : latestCurves;
  // the session chart waits for this run's session (the second partial result) when settings changed
  if ((r.curves || r.play) && play && PLAY_KEYS.every((k) => play.state[k] === s[k])) drawSession(fig, s);
}

let latestCurves = null;

function drawCurves(r, s, fig, root) {
  const ks = Array.from({ length: s.questions + 1 }, (_, k) => k);
  const order = ['adaptive', 'popular', 'random'];
  linesChart(fig.curves, {
    xLabel: 'Answers given →',
    xType: 'point',
    yLabel: '↑ Liked share of the 10 recommended tracks',
    percentY: true,
    truth: r.oracle,
    truthLabel: 'taste known',
    description: `Average quality of the top 10 after 0 to ${s.questions} answers for ${r.users} simulated new listeners under each strategy, with ±1 standard error bands, against ${pct(r.oracle)} when the taste is known.`,
    series: order.map((k) => ({
      label: k === s.strategy ? `${NAMES[k]} (your session)` : NAMES[k],
      color: COLOR[k],
      points: ks.map((x) => ({ x, y: r.curves[k].mean[x], lo: r.curves[k].mean[x] - r.curves[k].se[x], hi: r.curves[k].mean[x] + r.curves[k].se[x] })),
    })),
  });
  // one listener has no standard error yet: the paired chart waits for the second (keeps the first redraw quick)
  if (r.users > 1) linesChart(fig.gain, {
    xLabel: 'Answers given →',
    xType: 'point',
    yLabel: '↑ Gain over random screens (percentage points)',
    truth: 0,
    truthLabel: 'no difference',
    description: `Paired difference in liked share against random screens, adaptive and popular first, after 0 to ${s.questions} answers, with 95% intervals over ${r.users} listeners.`,
    series: ['adaptive', 'popular'].map((k) => ({
      label: `${NAMES[k]} − random`,
      color: COLOR[k],
      points: ks.map((x) => {
        const m = 100 * r.gain[k].mean[x];
        const se = 100 * r.gain[k].se[x];
        return { x, y: m, lo: m - 1.96 * se, hi: m + 1.96 * se };
      }),
    })),
  });
  const k = s.questions;
  const c = r.curves;
  const g = r.gain.adaptive;
  const z = g.se[k] > 0 ? g.mean[k] / g.se[k] : NaN;
  const pp = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;
  const sePp = (x) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '…');
  const verdict = !Number.isFinite(z)
    ? ''
    : z > 2
      ? ' — more than twice its standard error'
      : z < -2
        ? ' — random screens did better, by more than twice the standard error'
        : ' — within two standard errors of no difference: it could be noise';
  // after one answer nothing has adapted yet: say where a clear difference comes from
  const first = k === 1 && Number.isFinite(z) && Math.abs(z) > 2
    ? ' After one answer no strategy has adapted to anything yet: the difference comes from which genres each strategy’s first screen happens to show these listeners.'
    : '';
  root.querySelector('.readout').textContent =
    `After ${k} answer${k === 1 ? '' : 's'}, new listeners like ${pct(c.adaptive.mean[k])} of the tracks recommended after adaptive screens, ${pct(c.popular.mean[k])} after popular-first and ${pct(c.random.mean[k])} after random ones (starting from ${pct(c.random.mean[0])}; ${pct(r.oracle)} if the taste were known). ` +
    `Adaptive − random: ${pp(g.mean[k])} ± ${sePp(g.se[k])} percentage points (paired standard error over ${r.users} listeners)${verdict}; popular first − random: ${pp(r.gain.popular.mean[k])} ± ${sePp(r.gain.popular.se[k])}.${first}`;
}

// ---------- the played session ----------
// play = { state, moves, listener, snap }: the session shown in the panel. A main run resets it
// when a setting that changes the session moved; clicks run the task in a second worker.
let play = null;
let playRunner = null;
let playBusy = false;
let lastFig = null;
let lastRoot = null;
let lastState = null;
const PLAY_KEYS = ['seed', 'strategy', 'options', 'tau', 'questions'];

function receiveMainPlay(snap, s, fig, root) {
  lastFig = fig;
  lastRoot = root;
  lastState = s;
  const same = play && PLAY_KEYS.every((k) => play.state[k] === s[k]);
  if (same && (play.moves.length > 0 || play.listener !== 0)) return; // keep the learner's session
  if (same && play.snap.key === snap.key && play.moves.length === 0) {
    play.state = s;
    return;
  }
  play = { state: s, moves: [], listener: 0, snap };
  drawPlay(root, fig);
}

function requestPlay(moves, listener) {
  if (!play || playBusy) return;
  playBusy = true;
  const root = lastRoot;
  const panel = root.querySelector('.play');
  // keep the keyboard where it was: the genre buttons are rebuilt, the others stay
  play.refocus = document.activeElement?.closest?.('.play-options') ? 'options' : null;
  panel.setAttribute('aria-busy', 'true');
  for (const b of panel.querySelectorAll('.play-options button, .play-actions button')) b.setAttribute('aria-disabled', 'true');
  root.querySelector('.play-status').textContent = 'Updating the belief…';
  const state = { ...play.state, play: { moves, listener } };
  const target = play;
  playRunner ??= new TaskRunner();
  const finish = () => {
    playBusy = false;
    panel.setAttribute('aria-busy', 'false');
  };
  playRunner.ready.then(
    () =>
      playRunner.run('cold-start', state, {
        onPartial(result) {
          if (play !== target || !result.play) return; // the settings changed meanwhile
          play.moves = result.play.moves;
          play.listener = result.play.listenerOffset;
          play.snap = result.play;
          finish();
          drawPlay(root, lastFig);
          drawSession(lastFig, lastState);
        },
        onDone() {
          if (playBusy) {
            finish();
            drawPlay(root, lastFig);
          }
        },
        onError(e) {
          finish();
          if (play === target) drawPlay(root, lastFig);
          root.querySelector('.play-status').textContent = `Could not update the session: ${e.message}`;
        },
      }),
    (e) => {
      finish();
      root.querySelector('.play-status').textContent = `The session could not start: ${e.message}`;
    },
  );
}

function ordinal(n) {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function topicName(j) {
  return TOPICS[j] ?? `Genre ${j + 1}`;
}

/**
 * Why the last tap made the list worse for the hidden listener (it can: a tap says which genre wins
 * among those shown, not how much the listener likes it). With the true taste revealed, say where
 * the tapped genre ranks in it.
 */
function lowerText(last, before, reveal) {
  const drop = `This tap lowered the list’s quality for the hidden listener (${pct(before.quality)} → ${pct(last.quality)}): the list moved towards ${topicName(last.choice)} tracks.`;
  const average = ' On average over listeners, answers raise the quality (the chart above).';
  if (!reveal) return `${drop} A tap says which genre wins among those shown, not how much the listener likes it; show their true taste to see why.${average}`;
  const shown = last.choiceRankShown === 1 ? 'their favourite of the genres shown' : `only their ${ordinal(last.choiceRankShown)} choice of the genres shown`;
  const who = last.who === 'you' ? `You picked ${topicName(last.choice)}, for the hidden listener` : `${topicName(last.choice)} is`;
  if (last.choiceRankAll === 1) {
    return `${drop} ${who} ${shown} and their favourite genre overall, yet the ${topicName(last.choice)} tracks that came in are ones they like less than the tracks they replaced: a favourite genre is not a favourite track.${average}`;
  }
  return `${drop} ${who} ${shown} but only their ${ordinal(last.choiceRankAll)} of the 8 genres, so popular tracks they liked made way for tracks they like less.${average}`;
}

function drawPlay(root, fig) {
  const snap = play.snap;
  const panel = root.querySelector('.play');
  const reveal = root.querySelector('#play-reveal').checked;
  const done = !snap.question;
  // the question
  const q = root.querySelector('.play-question');
  const strategyName = NAMES[play.state.strategy].toLowerCase();
  q.textContent = done
    ? `Onboarding finished: ${snap.asked} answer${snap.asked === 1 ? '' : 's'} given. Start over, or raise “Screens” to ask more.`
    : `Screen ${snap.asked + 1} of ${snap.questions} (${strategyName} screens): which genre would you play first?`;
  const opts = root.querySelector('.play-options');
  opts.replaceChildren();
  if (!done) {
    for (const j of snap.question) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'play-topic';
      b.dataset.topic = String(j);
      b.textContent = topicName(j);
      b.setAttribute('aria-label', `Pick ${topicName(j)}`);
      b.addEventListener('click', () => requestPlay([...play.moves, j], play.listener));
      opts.append(b, document.createTextNode(' '));
    }
  }
  for (const b of panel.querySelectorAll('.play-actions button')) b.removeAttribute('aria-disabled');
  const listenerButton = panel.querySelector('[data-act="listener"]');
  const restart = panel.querySelector('[data-act="restart"]');
  if (done && document.activeElement === listenerButton) restart.focus();
  listenerButton.disabled = done;
  if (play.refocus === 'options') (opts.querySelector('button') ?? restart).focus();
  play.refocus = null;
  // status
  const fav = snap.favourite.map((p, j) => ({ p, j })).sort((a, b) => b.p - a.p)[0];
  const parts = [];
  const last = snap.steps[snap.steps.length - 1];
  const before = snap.steps.length > 1 ? snap.steps[snap.steps.length - 2] : null;
  if (last.choice != null) parts.push(`${last.who === 'you' ? 'You' : 'The hidden listener'} picked ${topicName(last.choice)}.`);
  else parts.push(`Hidden listener: user ${snap.listener + 1} of the world’s 400.`);
  if (!done) {
    const pred = snap.question.map((j, k) => `${topicName(j)} ${pct(snap.predictive[k], 0)}`).join(', ');
    parts.push(`Before the answer, the belief expects ${pred}; this screen’s expected information gain is ${fmt(snap.questionFavouriteGain, 2)} nats about the favourite genre (what adaptive screens maximize) and ${fmt(snap.questionGain, 2)} nats about the whole taste.`);
  }
  parts.push(snap.asked === 0
    ? 'Before any answer every genre is equally likely to be the favourite (1 in 8).'
    : `Most likely favourite so far: ${topicName(fav.j)} (${pct(fav.p, 0)}).`);
  parts.push(`For the hidden listener this list has quality ${pct(last.quality)} (${pct(snap.steps[0].quality)} before any answer, ${pct(snap.oracle)} with their taste known)${snap.steps.some((st) => st.who === 'you') ? ' — your own taps may not match theirs' : ''}.`);
  if (before && last.quality < before.quality) parts.push(lowerText(last, before, reveal));
  root.querySelector('.play-status').textContent = parts.join(' ');
  // recommendations
  const list = root.querySelector('.play-recs');
  list.replaceChildren();
  for (const rec of snap.recs) {
    const li = document.createElement('li');
    let text = `${topicName(rec.topic)} track #${rec.number} (${ordinal(rec.popRank)} most popular)`;
    if (reveal) text += ` · the hidden listener likes it: ${pct(rec.like, 0)}`;
    if (rec.isNew && snap.asked > 0) text += ' · new';
    li.textContent = text;
    list.append(li);
  }
  drawBelief(fig.belief, snap, reveal);
}

function drawBelief(el, snap, reveal) {
  const rows = TOPICS.map((name, j) => ({
    name,
    mean: snap.beliefMean[j],
    lo: snap.beliefMean[j] - snap.beliefSd[j],
    hi: snap.beliefMean[j] + snap.beliefSd[j],
    sd: snap.beliefSd[j],
    fav: snap.favourite[j],
    truth: snap.trueTaste[j],
  }));
  const data = { rows: rows.map(({ truth, ...r }) => (reveal ? { ...r, truth } : r)), asked: snap.asked, listener: snap.listener };
  const lim = Math.max(2.5, ...rows.flatMap((r) => [Math.abs(r.lo), Math.abs(r.hi), reveal ? Math.abs(r.truth) : 0])) + 0.1;
  show(el, {
    data,
    description: `Belief about the listener's taste for each of ${TOPICS.length} genres after ${snap.asked} answers: mean ± 1 posterior standard deviation (the spread from 20,000 prior draws weighted by Bayes' rule, an effective ${Math.round(snap.ess).toLocaleString('en')} of them)${reveal ? ', with the hidden listener’s true taste' : ''}.`,
    table: {
      columns: ['genre', 'belief mean', '− 1 sd', '+ 1 sd', 'P(favourite)', ...(reveal ? ['true taste'] : [])],
      rows: rows.map((r) => [r.name, r.mean, r.lo, r.hi, r.fav, ...(reveal ? [r.truth] : [])]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px' },
        width: Math.max(320, Math.min(760, el.clientWidth || 600)),
        height: 50 + 30 * rows.length,
        marginLeft: 90,
        marginBottom: 40,
        x: { label: 'Taste, in prior standard deviations →', domain: [-lim, lim], grid: true, labelOffset: 36 },
        y: { label: null, domain: TOPICS },
        marks: [
          P.ruleX([0], { stroke: TRUTH, strokeDasharray: '4 3' }),
          P.text([0], { x: (d) => d, frameAnchor: 'top', dy: -6, text: () => 'prior mean', fill: TRUTH }),
          P.ruleY(rows, { y: 'name', x1: 'lo', x2: 'hi', stroke: COLORS[0], strokeWidth: 4, strokeOpacity: 0.45 }),
          P.dot(rows, { y: 'name', x: 'mean', fill: COLORS[0], r: 5, stroke: 'white', title: (r) => `${r.name}: ${fmt(r.mean, 2)} ± ${fmt(r.sd, 2)}; P(favourite) ${pct(r.fav, 0)}` }),
          reveal ? P.dot(rows, { y: 'name', x: 'truth', symbol: 'diamond', fill: TRUTH, r: 5, title: (r) => `${r.name}: true taste ${fmt(r.truth, 2)}` }) : null,
        ],
      }),
  });
}

function drawSession(fig, s) {
  if (!play || !fig.session) return;
  const snap = play.snap;
  const strategy = play.state.strategy;
  const series = [
    { label: 'This session (hidden listener)', color: COLORS[2], points: snap.steps.map((st, x) => ({ x, y: st.quality })) },
  ];
  if (latestCurves && s.questions === play.state.questions) {
    const c = latestCurves.curves[strategy];
    series.push({
      label: `Average new listener, ${NAMES[strategy].toLowerCase()}`,
      color: COLOR[strategy],
      points: c.mean.map((m, x) => ({ x, y: m, lo: m - c.se[x], hi: m + c.se[x] })),
    });
  }
  linesChart(fig.session, {
    xLabel: 'Answers given →',
    xType: 'point',
    yLabel: '↑ Liked share of the 10 recommended tracks',
    percentY: true,
    truth: snap.oracle,
    truthLabel: 'this listener, taste known',
    description: `Quality of the list for hidden listener ${snap.listener} after each of ${snap.asked} answers so far, against the average new listener under ${NAMES[strategy].toLowerCase()} screens and the quality with the listener's taste known (${pct(snap.oracle)}).`,
    series,
  });
}

function wirePanel() {
  const root = document.querySelector('[data-lesson="cold-start"]');
  const panel = root.querySelector('.play');
  panel.querySelector('[data-act="listener"]').addEventListener('click', () => play && requestPlay([...play.moves, 'L'], play.listener));
  panel.querySelector('[data-act="restart"]').addEventListener('click', () => play && requestPlay([], play.listener));
  panel.querySelector('[data-act="another"]').addEventListener('click', () => play && requestPlay([], play.listener + 1));
  root.querySelector('#play-reveal').addEventListener('change', () => {
    if (play && lastFig) drawPlay(root, lastFig);
  });
}

wirePanel();
// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;

/** The paired gain of adaptive questions over random ones after the last question, as a verdict. */
function adaptiveVerdict(r) {
  const g = r.gain.adaptive;
  const k = g.mean.length - 1;
  const [m, se] = [g.mean[k], g.se[k]];
  return { k, m, se, happened: m > 2 * se ? 'adaptive' : m < -2 * se ? 'random' : 'tie' };
}

const learning = {
  prompts: [
    {
      id: 'adaptive-gain',
      question: 'New users answer six onboarding questions with three options each. After the sixth answer, whose top 10 is better: with adaptive questions (the most informative next one) or with random ones?',
      answer: { kind: 'choice', options: [{ value: 'adaptive', label: 'Adaptive' }, { value: 'random', label: 'Random' }, { value: 'tie', label: 'Too close to tell' }] },
      state: { ...preset('onboarding') },
      reveal(r, s, guess) {
        const { k, m, se, happened } = adaptiveVerdict(r);
        const outcome = `After ${k} answers the same ${r.users} users’ top 10 is ${m >= 0 ? 'better' : 'worse'} by ${fmt(Math.abs(m))} with adaptive questions (± ${fmt(se)}, paired), from a cold start of ${fmt(r.coldStart)} towards ${fmt(r.oracle)}.`;
        const why = happened === 'adaptive'
          ? 'Adaptive questions ask what the answers so far leave most uncertain, so each answer tells more about the user’s favourite topic than a random question would.'
          : happened === 'tie'
            ? 'This time the two are too close to tell apart with these users: early on any question teaches a lot, and the advantage of choosing shows only after a few answers.'
            : 'This time random questions did better, which is unusual: with these users the adaptive choice chased topics that did not pay off.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'noisy-gain',
      question: 'Now users answer carelessly (τ = 0.5: their picks say little about their taste). Will adaptive questions still beat random ones after six answers?',
      answer: { kind: 'choice', options: [{ value: 'adaptive', label: 'Yes, clearly' }, { value: 'tie', label: 'Too close to tell' }, { value: 'random', label: 'No, random wins' }] },
      state: { ...preset('noisy') },
      reveal(r, s, guess) {
        const { k, m, se, happened } = adaptiveVerdict(r);
        const outcome = `After ${k} careless answers the paired gain of adaptive questions is ${fmt(m)} ± ${fmt(se)}; the top 10 reaches ${fmt(r.curves.adaptive.mean[k])} against ${fmt(r.oracle)} if we knew the users.`;
        const why = happened === 'tie'
          ? 'Noisy answers carry little information whichever question is asked, so choosing the best question buys little: the strategies stay close, and all of them stay far from the oracle.'
          : happened === 'adaptive'
            ? 'Even careless answers carry some signal at this seed, and adaptive questions still extract more of it.'
            : 'This time random questions did better: with answers this noisy, the adaptive choice followed noise.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'questions-needed',
    title: 'Exercise: how many questions?',
    answerLabel: 'Questions answered',
    answer: { kind: 'number', min: 1, max: 8, step: 1, start: 1, unit: 'questions' },
    // the instance's numeric controls, with adaptive questions
    stateOf: (pairs) => ({ ...Object.fromEntries(pairs), strategy: 'adaptive' }),
  },
};

startLesson({ slug: 'cold-start', controls, presets, task: 'cold-start', render, learning });
