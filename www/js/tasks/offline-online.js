// Lesson 5, "Does offline predict online?": a dozen candidate recommenders are scored offline on
// logs that a popularity-leaning production recommender collected (precision@k and NDCG@k on the
// logged clicks, IPS, DR), on all logs and on the rows of a uniformly randomized bucket, and each
// offline score is compared with the candidate's online value (exact, and a simulated A/B test)
// by Kendall's τ. Everything is repeated on LOGS independent logs, so the charts can show how much
// the ranking of the candidates depends on the luck of the draw.
import { getWorld } from './common.js';
import { quantileSorted } from '../numeric.js';

/** Independent logs (replicates) per setting. */
export const LOGS = 20;
/** Largest k of the k control (each candidate's top K_MAX items per user are kept). */
export const K_MAX = 20;
/** Visits per arm of each simulated A/B test. */
export const AB_ROUNDS = 10000;
/** Softmax sharpness of production and of every candidate (same randomization for all). */
export const BETA = 3;
/** Logged visits that the two learned models are trained on ("last month's" production logs). */
const TRAIN_ROUNDS = 20000;
const WORLD = { nUsers: 500, nItems: 100 };

export const production = (popBias) => ({ kind: 'softmax', beta: BETA, score: { relevance: 1, popularity: popBias } });
export const bucketPolicy = (popBias, bucket) =>
  bucket > 0
    ? { kind: 'mixture', components: [{ weight: 1 - bucket, policy: production(popBias) }, { weight: bucket, policy: { kind: 'uniform' } }] }
    : production(popBias);

const soft = (score) => ({ kind: 'softmax', beta: BETA, score });

/** The candidates: blends of true taste, popularity and model error, and two models fitted on logs. */
export function candidateSpecs(popBias, knn, knnIpw) {
  return [
    { id: 'production', label: 'Production (today’s recommender)', policy: production(popBias) },
    { id: 'taste', label: 'True taste', policy: soft('relevance') },
    { id: 'err05', label: 'Taste + small model error', policy: soft({ relevance: 1, noise: 0.5, noiseSeed: 1 }) },
    { id: 'err1', label: 'Taste + medium model error', policy: soft({ relevance: 1, noise: 1, noiseSeed: 2 }) },
    { id: 'err2', label: 'Taste + large model error', policy: soft({ relevance: 1, noise: 2, noiseSeed: 3 }) },
    { id: 'pop05', label: 'Taste + mild popularity boost', policy: soft({ relevance: 1, popularity: 0.5 }) },
    { id: 'pop2', label: 'Taste + strong popularity boost', policy: soft({ relevance: 1, popularity: 2 }) },
    { id: 'popular', label: 'Most popular items', policy: soft('popularity') },
    { id: 'tail05', label: 'Taste + mild long-tail boost', policy: soft({ relevance: 1, popularity: -0.5 }) },
    { id: 'tail1', label: 'Taste + strong long-tail boost', policy: soft({ relevance: 1, popularity: -1 }) },
    { id: 'knn', label: 'Item-kNN trained on production logs', policy: soft(`model:${knn}`) },
    { id: 'knnIpw', label: 'Item-kNN trained with IPS weights', policy: soft(`model:${knnIpw}`) },
  ];
}

export const METRIC_IDS = ['precision', 'ndcg', 'ipw', 'dr'];
const SOURCES = ['all', 'bucket'];

// ----- caches (the worker lives as long as the page) -----

/** Per world and production: the candidates, their exact values, probability tables, A/B tests. */
const candidateCache = new Map();
/** Completed runs by setting (the metric shown does not change the computation). */
const runCache = new Map();

const remember = (map, key, value, max) => {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value);
  return value;
};

/** The candidates of a seed and production setting: fitted models, exact values, probability tables. */
function candidateState(rv, s) {
  const world = getWorld(rv, { seed: s.seed, ...WORLD });
  const key = `${s.seed}|${s.popBias}`;
  const c = candidateCache.get(key);
  if (c && c.world === world) return c;
  return remember(candidateCache, key, { world, specs: null, list: [], ab: [] }, 4);
}

/** Fit the two learned models on an earlier production log. */
function fitModels(c, s) {
  const world = c.world;
  if (!c.specs) {
    // Two models trained on an earlier production log (not on the logs they are evaluated on).
    // The names carry the production setting, so models of other settings stay registered.
    const knn = `oo-knn-${s.popBias}`;
    const knnIpw = `oo-knn-ipw-${s.popBias}`;
    const train = world.collect(production(s.popBias), { nRounds: TRAIN_ROUNDS, seed: 7919 * s.seed + 3 });
    try {
      world.fitRecommender(knn, train, { kind: 'item-knn' });
      world.fitRecommender(knnIpw, train, { kind: 'item-knn', weighting: 'ipw' });
    } finally {
      train.free();
    }
    c.specs = candidateSpecs(s.popBias, knn, knnIpw);
    c.arrival = world.arrival();
  }
}

/** Prepare candidates j0..j1: exact online value, probability table, top items, overlap with production. */
function prepareCandidates(c, j0, j1) {
  const world = c.world;
  const m = world.nItems;
  for (let j = Math.max(j0, c.list.length); j < Math.min(j1, c.specs.length); j++) {
    const spec = c.specs[j];
    const table = world.actionProbabilities(spec.policy);
    const prod = j === 0 ? table : c.list[0].table;
    // overlap with production: Σ_u P(u) Σ_a min(π_c(a|u), π_prod(a|u)) (1 = the same recommendations)
    let overlap = 0;
    for (let u = 0; u < c.arrival.length; u++) {
      let o = 0;
      for (let a = 0; a < m; a++) o += Math.min(table[u * m + a], prod[u * m + a]);
      overlap += c.arrival[u] * o;
    }
    c.list.push({ ...spec, value: world.policyValue(spec.policy), table, overlap, top: topItems(table, m, K_MAX) });
  }
}

/**
 * Each user's K items in the candidate's order: probability descending, ties by item index (for
 * a softmax, the order of its score, as Log.rankingMetrics ranks them). Flat nUsers × K.
 */
function topItems(table, m, K) {
  const nu = table.length / m;
  const out = new Int32Array(nu * K);
  const idx = Array.from({ length: m }, (_, a) => a);
  for (let u = 0; u < nu; u++) {
    const row = table.subarray(u * m, (u + 1) * m);
    idx.sort((a, b) => row[b] - row[a] || a - b);
    for (let j = 0; j < K; j++) out[u * K + j] = idx[j];
  }
  return out;
}

/**
 * The clicked items of each user in some rows of a log (a user's item counts once however often
 * it was clicked), for the ranking metrics.
 */
function clickSets(d, rows, nu, m) {
  const clicked = new Uint8Array(nu * m);
  const count = new Int32Array(nu);
  for (let x = 0; x < rows.length; x++) {
    const i = rows[x];
    if (d.reward[i] > 0) {
      const cell = d.user[i] * m + d.action[i];
      if (!clicked[cell]) {
        clicked[cell] = 1;
        count[d.user[i]]++;
      }
    }
  }
  return { clicked, count };
}

const DISCOUNT = Array.from({ length: K_MAX }, (_, j) => 1 / Math.log2(j + 2));

/**
 * Precision@k and NDCG@k of a candidate on logged clicks, averaged over the users with a click:
 * the same definitions as `log.rankingMetrics(candidate, { k, weighting: 'none' })` (src/metrics.rs),
 * computed from the candidate's cached top-k lists instead of re-ranking every user's items for
 * every log (agrees with rankingMetrics exactly; checked in development).
 */
function rankingMetrics({ clicked, count }, top, m, k) {
  const nu = count.length;
  let p = 0;
  let nd = 0;
  let users = 0;
  for (let u = 0; u < nu; u++) {
    const c = count[u];
    if (c === 0) continue;
    let hits = 0;
    let dcg = 0;
    for (let j = 0; j < k; j++) {
      if (clicked[u * m + top[u * K_MAX + j]]) {
        hits++;
        dcg += DISCOUNT[j];
      }
    }
    let idcg = 0;
    for (let j = 0; j < Math.min(k, c); j++) idcg += DISCOUNT[j];
    p += hits / k;
    nd += dcg / idcg;
    users++;
  }
  return users ? { precision: p / users, ndcg: nd / users, users } : { precision: NaN, ndcg: NaN, users: 0 };
}

/** A simulated A/B test of every candidate (replicate r): mean reward per visit and its standard error. */
function abTests(world, cands, s, r, j0, j1) {
  return cands.list.slice(j0, j1).map((cand, jj) => {
    const j = j0 + jj;
    const log = world.collect(cand.policy, { nRounds: AB_ROUNDS, seed: 1_000_003 * s.seed + 7_919 * r + 101 * j + 17 });
    const rew = log.reward;
    log.free();
    let sum = 0;
    let sum2 = 0;
    for (const x of rew) {
      sum += x;
      sum2 += x * x;
    }
    const n = rew.length;
    const mean = sum / n;
    return { mean, se: Math.sqrt(Math.max(0, sum2 / n - mean * mean) / (n - 1)) };
  });
}

/**
 * IPS and DR (tabular reward model, as `log.summarize(target, ['ipw', 'dr'], { rewardModel: {
 * kind: 'tabular' } })`) of one candidate on some rows of a log, with π₀ given per row.
 * Computed here rather than with log.summarize because (1) the bucket's rows need the uniform
 * policy's propensity 1/m while Log.subset keeps the mixture's, and (2) summarize builds
 * n × m arrays, tens of milliseconds per candidate; this reads one table lookup per row. The
 * full-log values agree with log.summarize to rounding (checked in development). `pi0` is the
 * logging propensity: a number (the bucket's 1/m) or null (each row's logged pscore).
 */
function offPolicy(d, rows, q, table, m, pi0) {
  const nu = table.length / m;
  // DM part per user: Σ_a π_e(a|u) q̂(a)
  const dm = new Float64Array(nu);
  for (let u = 0; u < nu; u++) {
    let v = 0;
    const o = u * m;
    for (let a = 0; a < m; a++) v += table[o + a] * q[a];
    dm[u] = v;
  }
  const { user, action, reward, pscore } = d;
  const constant = typeof pi0 === 'number';
  let si = 0;
  let si2 = 0;
  let sd = 0;
  let sd2 = 0;
  const n = rows.length;
  for (let x = 0; x < n; x++) {
    const i = rows[x];
    const a = action[i];
    const u = user[i];
    const w = table[u * m + a] / (constant ? pi0 : pscore[i]);
    const r = reward[i];
    const v = w * r;
    const e = dm[u] + w * (r - q[a]);
    si += v;
    si2 += v * v;
    sd += e;
    sd2 += e * e;
  }
  const se = (s1, s2) => (n > 1 ? Math.sqrt(Math.max(0, (s2 - (s1 * s1) / n) / (n - 1)) / n) : NaN);
  return { ipw: n ? si / n : NaN, ipwSe: se(si, si2), dr: n ? sd / n : NaN, drSe: se(sd, sd2) };
}

/** Tabular reward model on some rows: each item's mean reward shrunk to the overall mean (10 pseudo-rows). */
function tabular(d, rows, m, smoothing = 10) {
  const sum = new Float64Array(m);
  const cnt = new Float64Array(m);
  let total = 0;
  for (let x = 0; x < rows.length; x++) {
    const i = rows[x];
    sum[d.action[i]] += d.reward[i];
    cnt[d.action[i]] += 1;
    total += d.reward[i];
  }
  const prior = rows.length ? total / rows.length : 0;
  return Array.from(sum, (x, a) => (x + smoothing * prior) / (cnt[a] + smoothing));
}

// ----- summaries over logs -----

function sortedFinite(xs) {
  return xs.filter(Number.isFinite).sort((a, b) => a - b);
}
/** Median, the middle 80% (10% and 90% quantiles) and the extremes over logs; `first`: the first log's value. */
function spread(xs) {
  const s = sortedFinite(xs);
  return { median: quantileSorted(s, 0.5), lo: quantileSorted(s, 0.1), hi: quantileSorted(s, 0.9), min: s[0] ?? NaN, max: s.at(-1) ?? NaN, n: s.length, first: xs[0] ?? NaN };
}

function tau(rv, x, y) {
  if (x.length < 2 || x.some((v) => !Number.isFinite(v))) return NaN;
  return rv.kendallTau(x, y);
}

export async function* offlineOnline(rv, s, cancelled) {
  const runKey = `${s.seed}|${s.popBias}|${s.bucket}|${s.rounds}|${s.k}`;
  const cached = runCache.get(runKey);
  if (cached) {
    yield cached;
    return;
  }
  const cands = candidateState(rv, s);
  const world = cands.world;
  const m = world.nItems;
  const nu = world.nUsers;
  const nC = 12;
  const CHUNKS = [[0, 2], [2, 4], [4, 6], [6, 8], [8, 10], [10, nC]];
  const prepSteps = cands.list.length === nC ? 0 : 1 + CHUNKS.length;
  const AB_PARTS = [[0, 4], [4, 8], [8, nC]];
  const abSteps = AB_PARTS.length * Math.max(0, LOGS - cands.ab.length);
  const total = prepSteps + LOGS + abSteps;
  let step = 0;

  // per log: offline[metric][source][log][candidate] and taus[metric][source][log]
  const offline = Object.fromEntries(METRIC_IDS.map((id) => [id, { all: [], bucket: [] }]));
  const taus = Object.fromEntries([...METRIC_IDS.map((id) => [id, { all: [], bucket: [] }]), ['ab', { all: [] }]]);
  const bucketRows = [];
  const hasBucket = s.bucket > 0;

  const snapshot = () => {
    const ab0 = cands.ab[0];
    const summary = {};
    for (const id of METRIC_IDS) {
      summary[id] = {};
      for (const src of SOURCES) {
        summary[id][src] = src === 'bucket' && !hasBucket ? null : cands.list.map((_, j) => spread(offline[id][src].map((row) => row[j])));
      }
    }
    const tauSummary = {};
    for (const [id, bySrc] of Object.entries(taus)) {
      tauSummary[id] = {};
      for (const [src, xs] of Object.entries(bySrc)) tauSummary[id][src] = src === 'bucket' && !hasBucket ? null : spread(xs);
    }
    return {
      key: runKey,
      candidates: cands.list.map((c, j) => ({
        id: c.id,
        label: c.label,
        value: c.value,
        overlap: c.overlap,
        ab: ab0?.[j] ? { mean: ab0[j].mean, se: ab0[j].se, lower: ab0[j].mean - 1.959964 * ab0[j].se, upper: ab0[j].mean + 1.959964 * ab0[j].se } : null,
      })),
      offline: summary,
      tau: tauSummary,
      logsDone: taus.ipw.all.length,
      logsTotal: LOGS,
      abRounds: AB_ROUNDS,
      bucketRows: spread(bucketRows),
      progress: { done: step, total, unit: 'steps' },
    };
  };

  // Redrawing the charts takes longer than computing a log, so the charts are refreshed after
  // these numbers of logs only; in between, the task yields the last result again with new
  // progress (the charts see the same data and skip redrawing), so that a newer run can cancel
  // this one between any two steps.
  const REFRESH = new Set([1, 2, 4, 7, 12, LOGS]);
  let last = null;
  const emit = (fresh) => {
    last = fresh || !last ? snapshot() : { ...last, progress: { done: step, total, unit: 'steps' } };
    return last;
  };

  // The candidates: fitted models, exact online values (cached per seed and production setting).
  // Until all twelve are ready there is nothing new to draw: these steps only report progress.
  if (cands.list.length < nC) {
    const progress = () => ({ progress: { done: step, total, unit: 'steps' } });
    fitModels(cands, s);
    step++;
    yield progress();
    if (cancelled()) return;
    for (const [a, b] of CHUNKS) {
      if (cands.list.length >= b) continue;
      prepareCandidates(cands, a, b);
      step++;
      yield progress();
      if (cancelled()) return;
    }
  }
  const values = cands.list.map((c) => c.value);

  for (let r = 0; r < LOGS; r++) {
    // One log of the production recommender (with its randomized bucket, if any): every offline
    // metric of every candidate, on all rows and on the bucket's rows.
    const log = world.collect(bucketPolicy(s.popBias, s.bucket), { nRounds: s.rounds, seed: 104_729 * s.seed + 31 * r + 5 });
    const d = { user: log.user, action: log.action, reward: log.reward, pscore: log.pscore, component: log.component };
    log.free();
    const all = Int32Array.from(d.reward.keys());
    const bRows = all.filter((i) => d.component[i] === 1);
    bucketRows.push(bRows.length);
    const sources = [{ src: 'all', rows: all, pi0: null }];
    if (hasBucket) sources.push({ src: 'bucket', rows: bRows, pi0: 1 / m });
    const row = Object.fromEntries(METRIC_IDS.map((id) => [id, { all: [], bucket: [] }]));
    for (const { src, rows, pi0 } of sources) {
      const q = tabular(d, rows, m);
      const clicks = clickSets(d, rows, nu, m);
      for (const c of cands.list) {
        const e = offPolicy(d, rows, q, c.table, m, pi0);
        const rm = rankingMetrics(clicks, c.top, m, s.k);
        row.precision[src].push(rm.precision);
        row.ndcg[src].push(rm.ndcg);
        row.ipw[src].push(e.ipw);
        row.dr[src].push(e.dr);
      }
    }
    for (const id of METRIC_IDS) {
      for (const { src } of sources) {
        offline[id][src].push(row[id][src]);
        taus[id][src].push(tau(rv, row[id][src], values));
      }
    }
    step++;
    const abCached = Boolean(cands.ab[r]);
    if (abCached) taus.ab.all.push(tau(rv, cands.ab[r].map((x) => x.mean), values));
    yield emit(r === 0 || (abCached && REFRESH.has(r + 1)));
    if (cancelled()) return;
    // The A/B tests of this replicate, a few candidates per step (cached: they do not depend on the logs).
    if (!cands.ab[r]) {
      const parts = [];
      for (const [a, b] of AB_PARTS) {
        parts.push(...abTests(world, cands, s, r, a, b));
        step++;
        if (b < nC) {
          yield emit(false);
          if (cancelled()) return;
        }
      }
      cands.ab[r] = parts;
      taus.ab.all.push(tau(rv, cands.ab[r].map((x) => x.mean), values));
      yield emit(r === 0 || REFRESH.has(r + 1));
      if (cancelled()) return;
    }
  }
  remember(runCache, runKey, snapshot(), 24);
}
