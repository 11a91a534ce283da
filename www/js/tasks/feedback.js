// Lesson 7, "Explicit and implicit signals".
//
// Part 1, ratings. Every user has a true rating (1–5) of every item. Users rate only what they chose
// to consume, and extremes more often (world.ratings, mode "self-selected", with each rating's exact
// observation propensity); a random survey asks each user about uniformly random items (the
// Yahoo! R3 / Coat design). Four rating predictors are trained on one draw of self-selected ratings
// and scored by MAE against the truth (every user–item pair), estimated on an independent draw of
// self-selected test ratings naively, with IPS and SNIPS (exact propensities), with IPS on
// naive-Bayes propensities estimated from the survey (Schnabel et al. 2016, §5), and on the survey.
// The spread of each estimate comes from re-drawing the test ratings and the survey (replicates);
// the predictors stay fixed, so the truth does not move.
//
// Part 2, implicit signals. A radio recommender's plays, half in listening and half in sampling
// sessions ("build a playlist"), give every implicit signal next to the hidden truth (liked: the
// world's click column). The intent is drawn independently of user and item, so the rate of any
// signal at a session mix s is exactly (1 − s)·rate(listening) + s·rate(sampling): one log gives
// every mix.
import { getWorld, nextTick } from './common.js';
import { mulberry32, quantile } from '../numeric.js';

export const N_USERS = 500;
export const N_ITEMS = 100;
export const PAIRS = N_USERS * N_ITEMS;
/** Replicate draws of the test ratings and of the survey. */
export const REPLICATES = 40;
/** Logit-scale error of the personalized model. */
export const TASTE_ERROR = 0.8;
/** Pseudo-ratings that shrink each item's average towards the global average. */
export const SHRINK = 3;
/** Plays in the implicit-signal log (half of them in sampling sessions). */
export const PLAYS = 16000;
export const RADIO = { kind: 'softmax', beta: 1, score: 'relevance' };
export const SAMPLING_GRID = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

export const PREDICTORS = [
  { key: 'global', label: 'Global average' },
  { key: 'item', label: 'Item average' },
  { key: 'weighted', label: 'Propensity-weighted average' },
  { key: 'taste', label: 'Personalized taste model' },
];
export const ESTIMATORS = [
  { key: 'naive', label: 'Naive: self-selected test ratings' },
  { key: 'ips', label: 'IPS, exact propensities' },
  { key: 'snips', label: 'SNIPS, exact propensities' },
  { key: 'nb', label: 'IPS, propensities from the survey' },
  { key: 'survey', label: 'Random survey' },
];
export const PROXIES = [
  { key: 'dwell30', label: 'Played > 30 s', kind: 'implicit' },
  { key: 'dwell120', label: 'Played > 2 min', kind: 'implicit' },
  { key: 'save', label: 'Saved to a playlist', kind: 'implicit' },
  { key: 'engaged', label: 'Played > 30 s or saved', kind: 'implicit' },
  { key: 'thumbs', label: 'Thumbs up', kind: 'explicit' },
];

const seedOf = (s, k) => s.seed * 7919 + k;
const worldConfig = (s) => ({ seed: s.seed, nUsers: N_USERS, nItems: N_ITEMS, ratings: { rate: s.rate, mnar: s.mnar }, intent: { samplingShare: 0.5 } });
export const chooser = (s) => ({ kind: 'softmax', beta: s.choose, score: 'relevance' });


// ----- caches (the worker lives as long as the page) -----
function lru(max) {
  const m = new Map();
  return {
    get(k) {
      const v = m.get(k);
      if (v !== undefined) {
        m.delete(k);
        m.set(k, v);
      }
      return v;
    },
    set(k, v) {
      m.set(k, v);
      if (m.size > max) m.delete(m.keys().next().value);
      return v;
    },
  };
}
const truthCache = lru(4); // per seed: true ratings, their distribution, the taste model
const modelCache = lru(8); // per (world, chooser, k): training ratings, predictors, true MAE, test replicates
const surveyCache = lru(16); // per (models, survey size): survey replicates
const proxyCache = lru(8); // per world: implicit-signal statistics

/** The truth of a seed: true ratings (the same whatever the rating config), their histogram, the taste model. */
function truthOf(world, seed) {
  let t = truthCache.get(seed);
  if (t) return t;
  const truth = world.trueRatings();
  const rel = world.relevance();
  const hist = new Float64Array(6);
  for (const r of truth) hist[r]++;
  const rand = mulberry32(seed * 2654435761 + 12345);
  const taste = new Float64Array(PAIRS);
  for (let x = 0; x < PAIRS; x++) {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, rel[x]));
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    taste[x] = 1 + 4 / (1 + Math.exp(-(Math.log(p / (1 - p)) + TASTE_ERROR * z)));
  }
  let sum = 0;
  for (const r of truth) sum += r;
  t = { truth, taste, dist: Array.from({ length: 5 }, (_, k) => hist[k + 1] / PAIRS), mean: sum / PAIRS };
  return truthCache.set(seed, t);
}

/** Expected items consumed per user, Σᵢ min(1, k·π(i|u)) averaged over users (independent of the rating config). */
const consumedCache = lru(16);
function consumedPerUser(world, s) {
  const key = `${s.seed}|${s.choose}|${s.perUser}`;
  let c = consumedCache.get(key);
  if (c === undefined) {
    c = 0;
    for (const q of world.actionProbabilities(chooser(s))) c += Math.min(1, s.perUser * q);
    c = consumedCache.set(key, c / N_USERS);
  }
  return c;
}

/** Train the predictors on one draw of self-selected ratings; their true MAE over every pair. */
function modelsOf(world, s, tr) {
  const key = JSON.stringify([worldConfig(s), s.choose, s.perUser]);
  let m = modelCache.get(key);
  if (m) return m;
  const train = world.ratings({ mode: 'self-selected', perUser: s.perUser, chooser: chooser(s), seed: seedOf(s, 1) });
  const n = train.rating.length;
  let sum = 0;
  let wsum = 0;
  let wden = 0;
  const isum = new Float64Array(N_ITEMS);
  const icnt = new Float64Array(N_ITEMS);
  const hist = new Float64Array(6);
  for (let j = 0; j < n; j++) {
    const r = train.rating[j];
    sum += r;
    wsum += r / train.propensity[j];
    wden += 1 / train.propensity[j];
    isum[train.item[j]] += r;
    icnt[train.item[j]]++;
    hist[r]++;
  }
  // With no training rating at all, every average falls back to the middle of the scale.
  const global = n > 0 ? sum / n : 3;
  const weighted = n > 0 ? wsum / wden : 3;
  const item = Float64Array.from(isum, (x, i) => (x + SHRINK * global) / (icnt[i] + SHRINK));
  const taste = tr.taste;
  const predict = [
    () => global,
    (u, i) => item[i],
    () => weighted,
    (u, i) => taste[u * N_ITEMS + i],
  ];
  const truth = PREDICTORS.map(() => 0);
  for (let u = 0, x = 0; u < N_USERS; u++) {
    for (let i = 0; i < N_ITEMS; i++, x++) {
      const r = tr.truth[x];
      truth[0] += Math.abs(global - r);
      truth[1] += Math.abs(item[i] - r);
      truth[2] += Math.abs(weighted - r);
      truth[3] += Math.abs(taste[x] - r);
    }
  }
  m = {
    key,
    nTrain: n,
    consumed: consumedPerUser(world, s),
    trainHist: hist,
    constants: { global, weighted },
    predict,
    truth: truth.map((x) => x / PAIRS),
    reps: [], // one entry per test draw
  };
  return modelCache.set(key, m);
}

/** One draw of self-selected test ratings: the sums every estimator needs, per predictor. */
function testReplicate(world, s, m, r) {
  const d = world.ratings({ mode: 'self-selected', perUser: s.perUser, chooser: chooser(s), seed: seedOf(s, 1000 + r) });
  const n = d.rating.length;
  const P = PREDICTORS.length;
  const err = new Float64Array(P);
  const werr = new Float64Array(P);
  const errByRating = Array.from({ length: P }, () => new Float64Array(6));
  const hist = new Float64Array(6);
  const whist = new Float64Array(6);
  let inv = 0;
  for (let j = 0; j < n; j++) {
    const u = d.user[j];
    const i = d.item[j];
    const y = d.rating[j];
    const w = 1 / d.propensity[j];
    inv += w;
    hist[y]++;
    whist[y] += w;
    for (let p = 0; p < P; p++) {
      const e = Math.abs(m.predict[p](u, i) - y);
      err[p] += e;
      werr[p] += e * w;
      errByRating[p][y] += e;
    }
  }
  return { n, inv, err, werr, errByRating, hist, whist };
}

/** One random survey: perUser uniformly random items per user, all answered. */
function surveyReplicate(world, s, m, r) {
  const d = world.ratings({ mode: 'random', perUser: s.survey, seed: seedOf(s, 5000 + r) });
  const n = d.rating.length;
  const err = new Float64Array(PREDICTORS.length);
  const hist = new Float64Array(6);
  for (let j = 0; j < n; j++) {
    const y = d.rating[j];
    hist[y]++;
    for (let p = 0; p < PREDICTORS.length; p++) err[p] += Math.abs(m.predict[p](d.user[j], d.item[j]) - y);
  }
  return { n, err, hist };
}

/**
 * Naive-Bayes propensity of observing a rating of value y (Schnabel et al. 2016, §5):
 * P(O | y) = P(y | O) P(O) / P(y), with P(y | O) from the training ratings, P(O) = |test| / pairs,
 * and P(y) from the survey (both histograms add-one smoothed).
 */
function nbPropensity(trainHist, nTest, surveyHist, nSurvey) {
  const nTrain = trainHist.reduce((a, b) => a + b, 0);
  return Array.from({ length: 6 }, (_, y) => {
    if (y === 0) return NaN;
    const pyO = (trainHist[y] + 1) / (nTrain + 5);
    const py = (surveyHist[y] + 1) / (nSurvey + 5);
    return Math.min(1, (pyO * nTest) / PAIRS / py);
  });
}

function spread(xs) {
  const v = xs.filter(Number.isFinite);
  const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  return { mean, lo: quantile(v, 0.025), hi: quantile(v, 0.975), n: v.length };
}

/** Summaries over the replicates done so far. */
function summarize(m, tr, tests, surveys) {
  const R = Math.min(tests.length, surveys.length);
  const est = {};
  for (const e of ESTIMATORS) est[e.key] = PREDICTORS.map(() => []);
  const dist = { self: [0, 1, 2, 3, 4].map(() => []), weighted: [0, 1, 2, 3, 4].map(() => []), survey: [0, 1, 2, 3, 4].map(() => []) };
  const nTest = [];
  for (let r = 0; r < R; r++) {
    const t = tests[r];
    const sv = surveys[r];
    const nb = nbPropensity(m.trainHist, t.n, sv.hist, sv.n);
    nTest.push(t.n);
    PREDICTORS.forEach((_, p) => {
      est.naive[p].push(t.n > 0 ? t.err[p] / t.n : NaN);
      est.ips[p].push(t.werr[p] / PAIRS);
      est.snips[p].push(t.inv > 0 ? t.werr[p] / t.inv : NaN);
      let x = 0;
      for (let y = 1; y <= 5; y++) x += t.errByRating[p][y] / nb[y];
      est.nb[p].push(x / PAIRS);
      est.survey[p].push(sv.err[p] / sv.n);
    });
    const wsum = t.whist.reduce((a, b) => a + b, 0);
    for (let y = 1; y <= 5; y++) {
      dist.self[y - 1].push(t.n > 0 ? t.hist[y] / t.n : NaN);
      dist.weighted[y - 1].push(wsum > 0 ? t.whist[y] / wsum : NaN);
      dist.survey[y - 1].push(sv.hist[y] / sv.n);
    }
  }
  const out = {};
  for (const e of ESTIMATORS) out[e.key] = est[e.key].map(spread);
  return {
    replicates: R,
    truth: m.truth,
    estimates: out,
    constants: m.constants,
    nTrain: m.nTrain,
    consumed: m.consumed,
    nTest: spread(nTest).mean,
    nSurvey: surveys[0]?.n ?? 0,
    dist: {
      truth: tr.dist,
      self: dist.self.map(spread),
      weighted: dist.weighted.map(spread),
      survey: dist.survey.map(spread),
    },
    trueMean: tr.mean,
  };
}

// ----- implicit signals -----
const PROXY_TEST = {
  dwell30: (c, j) => c.dwell[j] > 30,
  dwell120: (c, j) => c.dwell[j] > 120,
  save: (c, j) => c.save[j] > 0,
  engaged: (c, j) => c.dwell[j] > 30 || c.save[j] > 0,
  thumbs: (c, j) => c.thumbsUp[j] > 0,
};

/** Per session type (0 listening, 1 sampling): plays, liked, and for each signal its count and its count among liked plays. */
function proxyStats(world, s) {
  const key = JSON.stringify(worldConfig(s));
  let p = proxyCache.get(key);
  if (p) return p;
  const log = world.collect(RADIO, { nRounds: PLAYS, seed: seedOf(s, 9000) });
  try {
    const c = { liked: log.signal('click'), dwell: log.signal('dwell'), save: log.signal('save'), thumbsUp: log.signal('thumbsUp'), intent: log.intent };
    const by = [0, 1].map(() => ({ n: 0, liked: 0, signal: {}, both: {} }));
    for (const b of by) for (const q of PROXIES) b.signal[q.key] = b.both[q.key] = 0;
    for (let j = 0; j < c.liked.length; j++) {
      const b = by[c.intent[j]];
      const liked = c.liked[j] > 0;
      b.n++;
      if (liked) b.liked++;
      for (const q of PROXIES) {
        if (PROXY_TEST[q.key](c, j)) {
          b.signal[q.key]++;
          if (liked) b.both[q.key]++;
        }
      }
    }
    p = { by, truth: world.policyValue(RADIO, {}) };
  } finally {
    log.free();
  }
  return proxyCache.set(key, p);
}

/** Rate of a signal at sampling share s (exact mixture of the two session types), with a 95% interval. */
function mixRate(by, s, count) {
  const w = [1 - s, s];
  let v = 0;
  let varr = 0;
  by.forEach((b, k) => {
    if (!w[k]) return;
    const q = count(b) / b.n;
    v += w[k] * q;
    varr += (w[k] * w[k] * q * (1 - q)) / b.n;
  });
  return { y: v, lo: v - 1.96 * Math.sqrt(varr), hi: v + 1.96 * Math.sqrt(varr) };
}

/** Ratio of two mixed rates A/B (precision: liked∧signal / signal; recall: liked∧signal / liked), delta method. */
function mixRatio(by, s, num, den) {
  const w = [1 - s, s];
  let A = 0;
  let B = 0;
  by.forEach((b, k) => {
    A += (w[k] * num(b)) / b.n;
    B += (w[k] * den(b)) / b.n;
  });
  if (!(B > 0)) return { value: NaN, lo: NaN, hi: NaN };
  const R = A / B;
  // per play z = 1[num] − R·1[den]; num ⊆ den, so E[z²] = a(1 − 2R) + R² b per session type
  let varr = 0;
  by.forEach((b, k) => {
    if (!w[k]) return;
    const a = num(b) / b.n;
    const d = den(b) / b.n;
    const ez = a - R * d;
    const ez2 = a * (1 - 2 * R) + R * R * d;
    varr += (w[k] * w[k] * (ez2 - ez * ez)) / b.n;
  });
  const se = Math.sqrt(Math.max(0, varr)) / B;
  return { value: R, lo: Math.max(0, R - 1.96 * se), hi: Math.min(1, R + 1.96 * se) };
}

export function proxySummary(p, s) {
  const q = s.proxy;
  const sweep = SAMPLING_GRID.map((x) => ({ x, ...mixRate(p.by, x, (b) => b.signal[q]) }));
  const signals = PROXIES.map((d) => ({
    key: d.key,
    label: d.label,
    kind: d.kind,
    rate: mixRate(p.by, s.sampling, (b) => b.signal[d.key]).y,
    precision: mixRatio(p.by, s.sampling, (b) => b.both[d.key], (b) => b.signal[d.key]),
    recall: mixRatio(p.by, s.sampling, (b) => b.both[d.key], (b) => b.liked),
  }));
  const at = mixRate(p.by, s.sampling, (b) => b.signal[q]);
  const likedAt = mixRate(p.by, s.sampling, (b) => b.liked);
  return { truth: p.truth, plays: p.by[0].n + p.by[1].n, sweep, signals, at, likedAt, listening: mixRate(p.by, 0, (b) => b.signal[q]).y, sampling: mixRate(p.by, 1, (b) => b.signal[q]).y };
}

export async function* feedback(rv, s, cancelled) {
  const world = getWorld(rv, worldConfig(s));
  const tr = truthOf(world, s.seed);
  const m = modelsOf(world, s, tr);
  const skey = `${m.key}|${s.survey}`;
  const surveys = surveyCache.get(skey) ?? surveyCache.set(skey, []);
  const tests = m.reps;
  const step = (r) => {
    if (tests.length <= r) tests.push(testReplicate(world, s, m, r));
    if (surveys.length <= r) surveys.push(surveyReplicate(world, s, m, r));
  };
  const result = (proxy) => ({
    ratings: summarize(m, tr, tests, surveys),
    proxy,
    progress: { done: Math.min(tests.length, surveys.length, REPLICATES), total: REPLICATES, unit: 'draws of test ratings' },
  });

  // First: the truth and one draw (or everything cached from an earlier run).
  step(0);
  const cachedProxy = proxyCache.get(JSON.stringify(worldConfig(s)));
  let proxy = cachedProxy ? proxySummary(cachedProxy, s) : null;
  yield result(proxy);
  if (cancelled()) return;
  if (!proxy) {
    await nextTick();
    if (cancelled()) return;
    proxy = proxySummary(proxyStats(world, s), s);
    yield result(proxy);
  }
  // Then the other replicates, in steps of at most ~35 ms, a partial result every ~150 ms.
  let lastYield = performance.now();
  let r = 1;
  while (r < REPLICATES) {
    await nextTick();
    if (cancelled()) return;
    const t0 = performance.now();
    while (r < REPLICATES && performance.now() - t0 < 35) step(r++);
    if (r >= REPLICATES || performance.now() - lastYield > 150) {
      yield result(proxy);
      lastYield = performance.now();
    }
  }
}
