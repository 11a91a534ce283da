// Lesson 6: "A skip is not always a dislike".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { show, COLORS, TRUTH, fmt } from '../js/charts.js';
import { SHARES, Z95, lift, exactLift } from '../js/tasks/intent.js';

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

const controls = defineControls([
  { key: 'share', type: 'steps', label: 'Sessions spent sampling for a playlist', values: SHARES, default: 0.4, format: sharePct, group: 'Users', help: 'The rest are listening sessions. Users who love one genre sample more often than the others.' },
  {
    key: 'signal',
    type: 'choice',
    label: 'Judge the A/B test by',
    options: [
      { value: 'stream', label: 'Streams (not skipped)' },
      { value: 'skip', label: 'Skips (fewer is better)' },
      { value: 'dwell', label: 'Listening time' },
      { value: 'save', label: 'Saves' },
      { value: 'thumbsUp', label: 'Thumbs up' },
      { value: 'intentAware', label: 'Intent-aware reward' },
    ],
    default: 'stream',
    group: 'Evaluation',
    help: 'The signal whose verdict the readout states and the sweep follows. The first chart shows them all.',
  },
  { key: 'sessions', type: 'steps', label: 'A/B test: sessions per arm', values: [2000, 5000, 10000, 20000, 50000], default: 10000, format: int, group: 'Evaluation', help: 'Each candidate gets this many five-track sessions of fresh traffic.' },
  {
    key: 'method',
    type: 'choice',
    label: 'Recognise sampling sessions by',
    options: [
      { value: 'dwell', label: 'Preview pattern' },
      { value: 'burst', label: 'Skip burst' },
      { value: 'declared', label: 'Declared intent only' },
    ],
    default: 'dwell',
    group: 'Intent-aware reward',
    help: 'Preview pattern: 2 or more skips lasting 7.5 s or longer. Skip burst: 4 or 5 of the 5 tracks skipped. A declared intent is always used. The rule trains candidate B and computes the intent-aware reward.',
  },
  { key: 'declared', type: 'steps', label: 'Sessions that declare their intent', values: [0, 0.1, 0.2, 0.5, 1], default: 0.2, format: sharePct, group: 'Intent-aware reward', help: 'For example by opening a “build a playlist” screen first.' },
  { key: 'seed', type: 'int', label: 'Random seed', min: 0, max: 9999, default: 1, group: 'World', help: 'Same seed, same users, tracks, logs and A/B tests.' },
]);

const presets = [
  {
    id: 'flip',
    label: '40% playlist sessions',
    state: { share: 0.4, signal: 'stream' },
    note: 'Users truly like 8.1% more of what B plays (2.11 against 1.95 liked tracks per session), yet an A/B test judged by streams declares A the winner (−4.9%, 95% interval −7.4% to −2.3%), and so do skips and listening time. Saves and thumbs up point to B; the intent-aware reward agrees with the truth (+7.1%, interval +4.3% to +9.9%). The second chart shows why: B gives listening sessions 0.10 fewer liked tracks and playlist sessions 0.54 more, and streams barely see playlist sessions.',
  },
  {
    id: 'listen',
    label: 'Everyone listens',
    state: { share: 0 },
    note: 'Without playlist sessions a skip always means “I don’t like this”: the intent-aware reward is the stream rescaled, the two teams learn almost the same quality score, B recommends only 2% of tracks that A does not, and no signal sees a difference.',
  },
  {
    id: 'saves',
    label: 'Judge by saves',
    state: { share: 0.4, signal: 'save' },
    note: 'Saves pick the right winner but triple the gap (+24% against a true +8.1%): listeners save 5% of the tracks they like, playlist builders 60%, so a save-based metric counts a playlist session twelve times as much as a listening one. No single logged signal weighs the two kinds of session as the truth does.',
  },
  {
    id: 'burst',
    label: 'Intent from skip bursts',
    state: { share: 0.4, method: 'burst', signal: 'intentAware' },
    note: 'Counting skips recognises 94% of playlist sessions but also takes 38% of listening sessions for playlists: a listener who dislikes four tracks in a row skips them all. B still learns well (truly +9.8%), but the intent-aware reward drifts: the misread listening sessions are scored by saves, which listeners rarely give. Its A/B estimate is +7.8% (expected +8.7%) against a true +9.8%.',
  },
  {
    id: 'declared',
    label: 'Only declared intent',
    state: { share: 0.4, method: 'declared', signal: 'intentAware' },
    note: 'With only the 20% of sessions that declare an intent, four in five playlist sessions are read as listening: B learns almost what A learns (it recommends 10% other tracks), users like its tracks about as much (−0.4%), and no signal can tell the two apart. Move “Sessions that declare their intent” to 100% and B’s lead comes back: +7.5%.',
  },
];

const VERDICTS = ['A wins', 'can’t tell', 'B wins'];
const VERDICT_COLORS = [COLORS[3], '#8a8a8a', COLORS[0]];
const CANDIDATE_COLORS = [COLORS[3], COLORS[0]];

const verdictOf = (lo, hi) => (lo > 0 ? 'B wins' : hi < 0 ? 'A wins' : 'can’t tell');
const labelMargin = (labels) => Math.min(280, 16 + 7.2 * Math.max(8, ...labels.map((l) => String(l).length)));
const widthOf = (el) => Math.max(320, Math.min(760, el.clientWidth || 720));
const pctTick = (d) => `${Math.round(d * 100)}%`;

function render(r, s, fig, root) {
  if (r.classifier) drawClassifier(r, s, fig);
  if (r.main && r.ab) {
    drawVerdicts(r, s, fig);
    drawServes(r, s, fig);
  }
  if (r.main && r.sweep.length) drawSweep(r, s, fig);
  writeReadout(r, s, root);
}

/** B's lift over A per signal: the simulated A/B test (dot, 95% interval) and its exact expectation. */
function drawVerdicts(r, s, fig) {
  const ex = r.main.exact;
  const n = r.ab.sessions;
  const names = widthOf(fig.verdicts) < 520 ? SIGNAL_SHORT : SIGNAL_LABEL;
  const rows = Object.keys(SIGNAL_LABEL).map((k) => {
    const l = lift(r.ab.A[k], r.ab.B[k], k === 'skip');
    const e = exactLift(ex, k, n);
    const lower = l.value - Z95 * l.se;
    const upper = l.value + Z95 * l.se;
    return { key: k, label: `${k === s.signal ? '▸ ' : ''}${names[k]}`, value: l.value, lower, upper, exact: e.value, verdict: verdictOf(lower, upper) };
  });
  const truth = exactLift(ex, 'click', n).value;
  show(fig.verdicts, {
    data: { rows, truth, n },
    description: `B's lift over A in an A/B test of ${int(n)} sessions per arm, for each signal, with 95% intervals and the exact expectation; the true lift in liked tracks is ${signed(truth)}.`,
    table: {
      columns: ['signal', 'A/B test: B’s lift over A', '95% lower', '95% upper', 'exact expectation', 'verdict'],
      rows: rows.map((x) => [SIGNAL_LABEL[x.key], signed(x.value), signed(x.lower), signed(x.upper), signed(x.exact), x.verdict]),
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
  const ex = r.main.exact;
  const groups = widthOf(fig.serves) < 520 ? ['Listening', 'Playlist', 'All'] : ['Listening sessions', 'Playlist sessions', 'All sessions'];
  const data = [
    [groups[0], 'likedListening', 'listening'],
    [groups[1], 'likedSampling', 'sampling'],
    [groups[2], 'click', null],
  ].map(([group, key, exKey]) => {
    const a = r.ab.A[key];
    const b = r.ab.B[key];
    const exact = exKey ? ex.B[exKey] - ex.A[exKey] : ex.B.mean.click - ex.A.mean.click;
    const value = b.mean - a.mean;
    const se = Math.sqrt(a.se ** 2 + b.se ** 2);
    return { group, exact, value, lower: value - Z95 * se, upper: value + Z95 * se, better: exact >= 0 ? 'B gives more liked tracks' : 'A gives more liked tracks', nA: a.n, nB: b.n };
  });
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
      rows: data.map((d) => [d.group, d.exact, d.value, d.lower, d.upper, `${d.nA}, ${d.nB}`]),
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

/** Wilson score interval of a proportion k/n. */
function wilson(k, n) {
  if (!(n > 0)) return [NaN, NaN];
  const p = k / n;
  const z = Z95;
  const den = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / den;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

const share = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');
const MEASURES = ['Playlist sessions recognised', 'Listening sessions mistaken for playlists', 'All sessions read right'];

/** The intent classifiers on the production log, scored against the hidden intent. */
function drawClassifier(r, s, fig) {
  const methods = Object.keys(METHOD_LABEL);
  const labels = widthOf(fig.classifier) < 520 ? { burst: 'Burst', dwell: 'Preview', declared: 'Declared' } : METHOD_LABEL;
  const name = (m) => `${m === s.method ? '▸ ' : ''}${labels[m]}`;
  const data = [];
  for (const m of methods) {
    const c = r.classifier[m];
    const parts = [
      [MEASURES[0], c.tp, c.tp + c.fn],
      [MEASURES[1], c.fp, c.fp + c.tn],
      [MEASURES[2], c.tp + c.tn, c.tp + c.tn + c.fp + c.fn],
    ];
    for (const [measure, k, n] of parts) {
      const [lower, upper] = wilson(k, n);
      data.push({ key: m, method: name(m), measure, value: n > 0 ? k / n : NaN, lower, upper, k, n });
    }
  }
  const total = r.sessions ? r.sessions.listening + r.sessions.sampling : 0;
  show(fig.classifier, {
    data: { data, total },
    description: `Share of playlist sessions recognised, of listening sessions mistaken for playlist sessions, and of all sessions read right, for each way of recognising intent, on ${int(total)} production sessions whose hidden intent is known to the simulation.`,
    table: {
      columns: ['method · measure', 'share', '95% lower', '95% upper', 'sessions'],
      rows: data.map((d) => [`${METHOD_LABEL[d.key]} · ${d.measure}`, share(d.value), share(d.lower), share(d.upper), `${d.k} of ${d.n}`]),
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
          P.ruleY([0]),
        ],
      }),
  });
}

/** B's lift over A as the share of sampling sessions grows: the truth and the chosen signal. */
function drawSweep(r, s, fig) {
  const n = s.sessions;
  const pts = r.sweep.map((p) => {
    const e = exactLift(p.exact, s.signal, n);
    return { x: p.share, y: e.value, lo: e.value - Z95 * e.se, hi: e.value + Z95 * e.se, truth: exactLift(p.exact, 'click', n).value };
  });
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
  const ex = r.main.exact;
  const truth = ex.B.mean.click / ex.A.mean.click - 1;
  const size = `${Math.abs(100 * truth).toFixed(1)}%`;
  const head = `With ${sharePct(s.share)} of sessions spent sampling, users like ${truth >= 0 ? `${size} more` : `${size} fewer`} of B’s tracks than of A’s (${fmt(ex.B.mean.click, 2)} against ${fmt(ex.A.mean.click, 2)} liked tracks per session).`;
  if (!r.ab) {
    out.textContent = `${head} Running the A/B test…`;
    return;
  }
  const l = lift(r.ab.A[s.signal], r.ab.B[s.signal], s.signal === 'skip');
  const lo = l.value - Z95 * l.se;
  const hi = l.value + Z95 * l.se;
  const v = verdictOf(lo, hi);
  const e = exactLift(ex, s.signal, r.ab.sessions);
  const trueWinner = truth > 0 ? 'B' : 'A';
  const verdict = v === 'can’t tell' ? 'cannot tell them apart' : `says ${v.replace(' wins', '')} wins`;
  const judged = v === 'can’t tell' ? '' : v.startsWith(trueWinner) ? ' That is the right winner.' : ' That is the wrong winner.';
  const c = r.classifier[s.method];
  const rule = `The ${METHOD_LABEL[s.method].toLowerCase()} rule`;
  const mistaken = c.fp + c.tn > 0 ? `${((100 * c.fp) / (c.fp + c.tn)).toFixed(1)}%` : '—';
  const reading =
    c.tp + c.fn > 0
      ? `${rule} recognises ${Math.round((100 * c.tp) / (c.tp + c.fn))}% of playlist sessions and mistakes ${mistaken} of listening sessions for them`
      : `There are no playlist sessions to recognise; ${rule.toLowerCase()} mistakes ${mistaken} of listening sessions for them`;
  out.textContent = `${head} An A/B test of ${int(r.ab.sessions)} sessions per arm judged by ${SIGNAL_TEXT[s.signal]} ${verdict}: B’s lift ${signed(l.value)} (95% interval ${signed(lo)} to ${signed(hi)}; expected ${signed(e.value)}).${judged} ${reading}. B recommends ${Math.round(100 * r.main.differ)}% of tracks that A does not.`;
}

startLesson({ slug: 'intent', controls, presets, task: 'intent', render });
