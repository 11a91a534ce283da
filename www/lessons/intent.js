// Lesson 6: "A skip is not always a dislike".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import spec from './intent.json' with { type: 'json' };
import { show, COLORS, TRUTH, fmt } from '../js/charts.js';

const int = (v) => Math.round(v).toLocaleString('en');
const sharePct = (v) => `${Math.round(100 * v)}%`;
/** A signed percentage: +7.5%, −3.8%. */
const signed = (x, digits = 1) => (Number.isFinite(x) ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(100 * x).toFixed(digits)}%` : '—');

const SIGNAL_LABEL = {
  click: 'Liked (the truth, hidden)',
  stream: 'Streams (tracks not skipped)',
  skip: 'Skips (fewer is better)',
  dwell: 'Listening time',
  save: 'Saves',
  thumbsUp: 'Thumbs up',
  intentAware: 'Intent-aware reward',
};
/** Row labels on narrow screens. */
const SIGNAL_SHORT = {
  click: 'Liked (truth)',
  stream: 'Streams',
  skip: 'Skips (fewer = better)',
  dwell: 'Listening time',
  save: 'Saves',
  thumbsUp: 'Thumbs up',
  intentAware: 'Intent-aware',
};
/** How each signal is named in running text. */
const SIGNAL_TEXT = {
  click: 'liked tracks',
  stream: 'streams',
  skip: 'skips',
  dwell: 'listening time',
  save: 'saves',
  thumbsUp: 'thumbs up',
  intentAware: 'the intent-aware reward',
};
const METHOD_LABEL = {
  burst: 'Skip burst',
  dwell: 'Preview pattern',
  declared: 'Declared only',
};

const controls = defineControls(spec.controls);
const { presets } = spec;
/** The signals in the order of the core's output (src/lessons/intent.rs, SIGNALS). */
const SIGNALS = Object.keys(SIGNAL_LABEL);

const VERDICTS = ['A wins', 'can’t tell', 'B wins'];
const VERDICT_COLORS = [COLORS[3], '#8a8a8a', COLORS[0]];
const CANDIDATE_COLORS = [COLORS[3], COLORS[0]];

const verdictOf = (lo, hi) => (lo > 0 ? 'B wins' : hi < 0 ? 'A wins' : 'can’t tell');
const labelMargin = (labels) => Math.min(280, 16 + 7.2 * Math.max(8, ...labels.map((l) => String(l).length)));
const widthOf = (el) => Math.max(320, Math.min(760, el.clientWidth || 720));
const pctTick = (d) => `${Math.round(d * 100)}%`;

function render(r, s, fig, root) {
  if (r.rules) drawClassifier(r, s, fig);
  if (r.main && r.ab) {
    drawVerdicts(r, s, fig);
    drawServes(r, s, fig);
  }
  if (r.main && r.sweep.length) drawSweep(r, s, fig);
  writeReadout(r, s, root);
}

/** B's lift over A per signal: the simulated A/B test (dot, 95% interval) and its exact expectation. */
function drawVerdicts(r, s, fig) {
  const n = r.ab.sessions;
  const names = widthOf(fig.verdicts) < 520 ? SIGNAL_SHORT : SIGNAL_LABEL;
  const rows = r.verdicts.map((v) => ({
    key: v.key,
    label: `${v.key === s.signal ? '▸ ' : ''}${names[v.key]}`,
    value: v.lift.estimate,
    lower: v.lift.lower,
    upper: v.lift.upper,
    caution: v.lift.caution,
    exact: v.exact,
    verdict: v.verdict,
  }));
  const truth = r.truth;
  show(fig.verdicts, {
    data: { rows, truth, n },
    description: `B's lift over A in an A/B test of ${int(n)} sessions per arm, for each signal, with 95% intervals and the exact expectation; the true lift in liked tracks is ${signed(truth)}.`,
    table: {
      columns: ['signal', 'A/B test: B’s lift over A', '95% lower', '95% upper', 'exact expectation', 'verdict'],
      rows: rows.map((x) => [SIGNAL_LABEL[x.key], signed(x.value), signed(x.lower), signed(x.upper), signed(x.exact), x.caution ? `${x.verdict} (${x.caution})` : x.verdict]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: widthOf(fig.verdicts),
        height: 80 + 36 * rows.length,
        marginLeft: labelMargin(rows.map((x) => x.label)),
        marginRight: 24,
        marginBottom: 44,
        x: { label: 'B’s lift over A (← A better · B better →)', labelOffset: 38, grid: true, tickFormat: pctTick, nice: true },
        y: { label: null, domain: rows.map((x) => x.label) },
        color: { domain: VERDICTS, range: VERDICT_COLORS, legend: true },
        marks: [
          P.ruleX([0], { stroke: '#555' }),
          P.ruleX([truth], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' }),
          P.text([truth], { x: (d) => d, frameAnchor: 'top', dy: -6, text: () => 'truth', fill: TRUTH }),
          P.ruleY(rows, { y: 'label', x1: 'lower', x2: 'upper', stroke: 'verdict', strokeWidth: 3 }),
          P.dot(rows, { y: 'label', x: 'exact', symbol: 'diamond', r: 6, stroke: TRUTH, fill: 'none', strokeWidth: 1.5 }),
          P.dot(rows, { y: 'label', x: 'value', fill: 'verdict', r: 5, stroke: 'white', title: (x) => `${x.label}: ${signed(x.value)} (${signed(x.lower)} to ${signed(x.upper)}); exact ${signed(x.exact)}` }),
        ],
      }),
  });
}

/** B − A in liked tracks per session, in listening, in sampling and in all sessions: exact (bars), A/B test (dots). */
function drawServes(r, s, fig) {
  const groups = widthOf(fig.serves) < 520 ? ['Listening', 'Playlist', 'All'] : ['Listening sessions', 'Playlist sessions', 'All sessions'];
  const data = r.serves.map((x, i) => ({
    group: groups[i],
    exact: x.exact,
    value: x.measured.estimate,
    lower: x.measured.lower,
    upper: x.measured.upper,
    caution: x.measured.caution,
    better: x.exact >= 0 ? 'B gives more liked tracks' : 'A gives more liked tracks',
    nA: x.sessions[0],
    nB: x.sessions[1],
  }));
  const ends = data.flatMap((d) => [d.exact, d.lower, d.upper]).filter(Number.isFinite);
  const lo = Math.min(0, ...ends);
  const hi = Math.max(0, ...ends);
  const drawn = data.filter((d) => Number.isFinite(d.exact));
  const measured = data.filter((d) => Number.isFinite(d.value) && Number.isFinite(d.lower));
  show(fig.serves, {
    data,
    description: `B minus A in liked tracks per five-track session: in listening sessions ${fmt(data[0].exact)}, in playlist sessions ${fmt(data[1].exact)}, over all sessions ${fmt(data[2].exact)} (exact), with the A/B test's estimates and 95% intervals.`,
    table: {
      columns: ['sessions', 'exact B − A (liked tracks per session)', 'A/B test estimate', '95% lower', '95% upper', 'test sessions (A, B)'],
      rows: data.map((d) => [d.group, d.exact, d.value, d.lower, d.upper, `${d.nA}, ${d.nB}${d.caution ? ` (${d.caution})` : ''}`]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px' },
        width: widthOf(fig.serves),
        height: 280,
        marginLeft: 52,
        x: { label: null, domain: groups, padding: 0.35 },
        y: { label: '↑ B − A, liked tracks per five-track session', grid: true, domain: [lo - 0.05, hi + 0.05] },
        color: { domain: ['A gives more liked tracks', 'B gives more liked tracks'], range: CANDIDATE_COLORS, legend: true },
        marks: [
          P.barY(drawn, { x: 'group', y: 'exact', fill: 'better', fillOpacity: 0.8, title: (d) => `${d.group}: exact ${fmt(d.exact)}` }),
          P.ruleY([0], { stroke: '#555' }),
          P.ruleX(measured, { x: 'group', y1: 'lower', y2: 'upper', stroke: TRUTH, strokeWidth: 2 }),
          P.dot(measured, { x: 'group', y: 'value', fill: TRUTH, r: 3.5, title: (d) => `${d.group}: A/B test ${fmt(d.value)} (${fmt(d.lower)} to ${fmt(d.upper)})` }),
        ],
      }),
  });
}

const share = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');
const MEASURES = ['Playlist sessions recognised', 'Listening sessions mistaken for playlists', 'All sessions read right'];

/** The intent rules on the production log, scored against the hidden intent (shares with Wilson intervals). */
function drawClassifier(r, s, fig) {
  const methods = Object.keys(METHOD_LABEL);
  const labels = widthOf(fig.classifier) < 520 ? { burst: 'Burst', dwell: 'Preview', declared: 'Declared' } : METHOD_LABEL;
  const name = (m) => `${m === s.method ? '▸ ' : ''}${labels[m]}`;
  const data = [];
  for (const m of methods) {
    const rule = r.rules.find((x) => x.method === m);
    const c = rule.counts;
    const parts = [
      [MEASURES[0], rule.recognised, c.tp, c.tp + c.fn],
      [MEASURES[1], rule.mistaken, c.fp, c.fp + c.tn],
      [MEASURES[2], rule.right, c.tp + c.tn, c.tp + c.tn + c.fp + c.fn],
    ];
    for (const [measure, e, k, n] of parts) {
      data.push({ key: m, method: name(m), measure, value: e.estimate, lower: e.lower, upper: e.upper, caution: e.caution, k, n });
    }
  }
  const total = r.sessions ? r.sessions.listening + r.sessions.sampling : 0;
  show(fig.classifier, {
    data: { data, total },
    description: `Share of playlist sessions recognised, of listening sessions mistaken for playlist sessions, and of all sessions read right, for each way of recognising intent, on ${int(total)} production sessions whose hidden intent is known to the simulation.`,
    table: {
      columns: ['method · measure', 'share', '95% lower', '95% upper', 'sessions'],
      rows: data.map((d) => [`${METHOD_LABEL[d.key]} · ${d.measure}`, d.caution ?? share(d.value), share(d.lower), share(d.upper), `${d.k} of ${d.n}`]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px' },
        width: widthOf(fig.classifier),
        height: 300,
        marginBottom: 40,
        marginLeft: 48,
        fx: { label: null, domain: methods.map(name), padding: 0.15 },
        x: { axis: null, domain: MEASURES, padding: 0.1 },
        y: { label: '↑ Share of sessions (against the hidden intent)', grid: true, domain: [0, 1], tickFormat: pctTick },
        color: { domain: MEASURES, range: [COLORS[2], COLORS[4], COLORS[5]], legend: true },
        marks: [
          P.barY(data.filter((d) => Number.isFinite(d.value)), { fx: 'method', x: 'measure', y: 'value', fill: 'measure', title: (d) => `${METHOD_LABEL[d.key]}, ${d.measure}: ${share(d.value)} (${d.k} of ${d.n})` }),
          P.ruleX(data.filter((d) => Number.isFinite(d.lower)), { fx: 'method', x: 'measure', y1: 'lower', y2: 'upper', stroke: TRUTH, strokeWidth: 1.5 }),
          P.text(data.filter((d) => !Number.isFinite(d.value)), { fx: 'method', x: 'measure', y: 0, text: () => 'none', dy: -8, fill: '#555' }),
          P.ruleY([0]),
        ],
      }),
  });
}

/** B's lift over A as the share of sampling sessions grows: the truth and the chosen signal. */
function drawSweep(r, s, fig) {
  const n = s.sessions;
  const j = SIGNALS.indexOf(s.signal);
  const pts = r.sweep.map((p) => ({ x: p.share, y: p.lifts[j].value, lo: p.lifts[j].lo, hi: p.lifts[j].hi, truth: p.truth }));
  const series = `${SIGNAL_LABEL[s.signal]}: expected, and where 95% of A/B tests land`;
  const truthLabel = 'Truth: liked tracks';
  const all = pts.flatMap((p) => [p.lo, p.hi, p.truth, 0]).filter(Number.isFinite);
  const pad = 0.02;
  show(fig.sweep, {
    data: { pts, signal: s.signal, share: s.share },
    description: `B's lift over A as the share of sampling sessions grows from 0% to 90%: the true lift in liked tracks, and the expected lift in ${SIGNAL_TEXT[s.signal]} with the range where 95% of A/B tests of ${int(n)} sessions per arm would land.`,
    table: {
      columns: ['sampling sessions', `expected lift: ${SIGNAL_TEXT[s.signal]}`, '95% of A/B tests from', 'to', 'true lift (liked)'],
      rows: pts.map((p) => [sharePct(p.x), signed(p.y), signed(p.lo), signed(p.hi), signed(p.truth)]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px' },
        width: widthOf(fig.sweep),
        height: 320,
        marginLeft: 48,
        marginBottom: 44,
        x: { label: 'Sessions spent sampling for a playlist →', labelOffset: 38, grid: true, domain: [0, 0.9], tickFormat: pctTick },
        y: { label: '↑ B’s lift over A (below 0: A better)', grid: true, tickFormat: pctTick, domain: [Math.min(...all) - pad, Math.max(...all) + pad], nice: true },
        color: { domain: [series, truthLabel], range: [COLORS[0], TRUTH], legend: true },
        marks: [
          P.ruleY([0], { stroke: '#555' }),
          P.ruleX([s.share], { stroke: '#8a8a8a', strokeDasharray: '2 3' }),
          P.areaY(pts, { x: 'x', y1: 'lo', y2: 'hi', fill: COLORS[0], fillOpacity: 0.15 }),
          P.line(pts, { x: 'x', y: 'y', stroke: COLORS[0], strokeWidth: 2, marker: 'circle' }),
          P.line(pts, { x: 'x', y: 'truth', stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3', marker: 'circle' }),
        ],
      }),
  });
}

function writeReadout(r, s, root) {
  const out = root.querySelector('.readout');
  if (!r.main) {
    out.textContent = 'Reading the production log…';
    return;
  }
  const [A, B] = r.main.exact;
  const truth = r.truth;
  const size = `${Math.abs(100 * truth).toFixed(1)}%`;
  const head = `With ${sharePct(s.share)} of sessions spent sampling, users like ${truth >= 0 ? `${size} more` : `${size} fewer`} of B’s tracks than of A’s (${fmt(B.mean.click, 2)} against ${fmt(A.mean.click, 2)} liked tracks per session).`;
  if (!r.ab) {
    out.textContent = `${head} Running the A/B test…`;
    return;
  }
  const v = r.verdicts.find((x) => x.key === s.signal);
  const l = v.lift;
  const verdict = v.verdict === 'can’t tell' ? 'cannot tell them apart' : `says ${v.verdict.replace(' wins', '')} wins`;
  const trueWinner = truth > 0 ? 'B' : 'A';
  const judged = v.verdict === 'can’t tell' ? '' : v.verdict.startsWith(trueWinner) ? ' That is the right winner.' : ' That is the wrong winner.';
  const caution = l.caution ? ` Careful: ${l.caution}.` : '';
  const rule = r.rules.find((x) => x.method === s.method);
  const name = `The ${METHOD_LABEL[s.method].toLowerCase()} rule`;
  const mistaken = Number.isFinite(rule.mistaken.estimate) ? `${(100 * rule.mistaken.estimate).toFixed(1)}%` : '—';
  const reading = Number.isFinite(rule.recognised.estimate)
    ? `${name} recognises ${Math.round(100 * rule.recognised.estimate)}% of playlist sessions and mistakes ${mistaken} of listening sessions for them`
    : `There are no playlist sessions to recognise; ${name.toLowerCase()} mistakes ${mistaken} of listening sessions for them`;
  out.textContent = `${head} An A/B test of ${int(r.ab.sessions)} sessions per arm judged by ${SIGNAL_TEXT[s.signal]} ${verdict}: B’s lift ${signed(l.estimate)} (95% interval ${signed(l.lower)} to ${signed(l.upper)}; expected ${signed(v.exact)}).${judged}${caution} ${reading}. B recommends ${Math.round(100 * r.main.differ)}% of tracks that A does not.`;
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;
const CORE_SIGNALS = ['click', 'stream', 'skip', 'dwell', 'save', 'thumbsUp', 'intentAware'];
const VERDICT_OPTIONS = [{ value: 'A wins', label: 'A wins' }, { value: 'B wins', label: 'B wins' }, { value: 'can’t tell', label: 'It can’t tell' }];

/** A prompt on the verdict of the A/B test judged by `signal` at preset `id`. */
function verdictPrompt(id, presetId, signal, question) {
  return {
    id,
    question,
    answer: { kind: 'choice', options: VERDICT_OPTIONS },
    state: { ...preset(presetId) },
    reveal(r, s, guess) {
      const row = r.verdicts.find((v) => v.key === signal);
      const happened = row.verdict;
      const better = r.truth > 0 ? 'B' : 'A';
      const outcome = `Judged by ${SIGNAL_TEXT[signal] ?? signal}, B’s lift is ${signed(row.lift.estimate)} (95% interval ${signed(row.lift.lower)} to ${signed(row.lift.upper)}): ${happened}. In truth users like ${signed(r.truth)} ${r.truth >= 0 ? 'more' : 'fewer'} of B’s tracks.`;
      const agrees = (happened === 'B wins' && better === 'B') || (happened === 'A wins' && better === 'A');
      const why = agrees
        ? signal === 'save'
          ? 'Saves mean the same thing in both kinds of session: a user keeps a track they like. B, which learned from saves in sampling sessions, serves tracks users like, and the saves say so.'
          : `This signal points the same way as what users like: at this setting it reads both kinds of session right.`
        : happened === 'can’t tell'
          ? 'The test cannot separate the two at this size: the lift is small against its noise.'
          : 'In sampling sessions almost every track is skipped after a short preview, liked or not: “not skipped” then rewards the tracks that sampling users happen to finish, not the ones they like. A learned from that signal, so judged by it A looks better while users like B’s tracks more.';
      return { correct: guess === happened, answer: happened, outcome, why };
    },
  };
}

const learning = {
  prompts: [
    verdictPrompt('stream-verdict', 'flip', 'stream', '40% of sessions sample tracks for a playlist: almost every track is skipped after a preview. A learned from “not skipped”, B from an intent-aware reward. Judged by streams (tracks not skipped), what will a 10,000-session A/B test conclude?'),
    verdictPrompt('save-verdict', 'saves', 'save', 'The same two candidates and the same sessions, but now the test is judged by saves. What will it conclude?'),
  ],
  exercise: {
    id: 'test-size',
    title: 'Exercise: how big a test?',
    answerLabel: 'Sessions per arm',
    answer: { kind: 'number', min: 1000, max: 200000, step: 1000, start: 10000, unit: 'sessions' },
    // the core sends the signal as its index in its list of signals (click first)
    stateOf: (pairs) => {
      const st = Object.fromEntries(pairs);
      return { ...st, signal: CORE_SIGNALS[st.signal], method: 'dwell' };
    },
  },
};

startLesson({ slug: 'intent', controls, presets, task: 'intent', render, learning });
