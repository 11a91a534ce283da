// Lesson 3, "IPS, SNIPS, DM, DR and friends": a production recommender (the logger) and a
// candidate (the target) whose distance from it is a slider. Many logs are collected (a rv.Lab),
// every standard estimator of Open Bandit Pipeline estimates the candidate's value on each, and
// the task reports each estimator's bias, spread, RMSE and interval coverage against the exact
// truth, for every λ of a grid at once (so moving the λ slider redraws from memory), plus the
// importance-weight diagnostics of one log.
import { getWorld } from './common.js';
import { quantileSorted } from '../numeric.js';

export const WORLD = { nUsers: 500, nItems: 100 };
/** Replicated logs per setting. */
export const REPLICATES = 200;
/** The λ grid, in units of the importance weight w = π_e/π_b (see FAMILIES for OBP's λ). */
export const LAMBDAS = [1, 3, 10, 30, 100, 300, 1000];

/** Production: a softmax (β 1.5) over half what users like and a strong push towards popular items. */
export const logger = () => ({ kind: 'softmax', beta: 1.5, score: { relevance: 0.5, popularity: 1 } });
/**
 * The candidate at mismatch m ∈ [0, 1]: m = 0 is production itself; m = 1 is sharper (β 3.5), cares
 * about what each user likes and turns the popularity push around (towards the long tail), so it
 * likes what production rarely shows.
 */
export const target = (m) => ({ kind: 'softmax', beta: 1.5 + 2 * m, score: { relevance: 0.5 + 0.5 * m, popularity: 1 - 1.5 * m } });

/** The reward model q̂ of DM and the DR family. */
export function rewardModel(s) {
  if (s.model === 'tabular') return { kind: 'tabular' };
  if (s.model === 'ridge') return { kind: 'ridge' };
  return { kind: 'true', misspecification: s.misspec };
}

/** Estimators without a λ. */
export const BASE = [
  { id: 'dm', name: 'dm' },
  { id: 'ipw', name: 'ipw' },
  { id: 'snipw', name: 'snipw' },
  { id: 'dr', name: 'dr' },
  { id: 'sndr', name: 'sndr' },
];

/**
 * Estimators with a λ, each run at every λ of LAMBDAS. `obp(λ)` maps the slider's λ (a weight
 * scale) to OBP's lambda_: clipping and switching thresholds are weights already; DRos's shrinkage
 * ŵ = λw/(w² + λ) bends at w = √λ, so it gets λ²; SG's ŵ = w/(1 − λ + λw) saturates at 1/λ, so it gets 1/λ.
 */
export const FAMILIES = [
  { id: 'ipwc', name: 'ipw', obp: (l) => l },
  { id: 'drc', name: 'dr', obp: (l) => l },
  { id: 'switch', name: 'switch-dr', obp: (l) => l },
  { id: 'dros', name: 'dr-os', obp: (l) => l * l },
  { id: 'sgipw', name: 'sg-ipw', obp: (l) => 1 / l },
  { id: 'sgdr', name: 'sg-dr', obp: (l) => 1 / l },
];

const SPECS = [
  ...BASE.map((b) => ({ estimatorName: b.name, label: b.id })),
  ...FAMILIES.flatMap((f) => LAMBDAS.map((l) => ({ estimatorName: f.name, lambda: f.obp(l), label: `${f.id}@${l}` }))),
];

/** Bins of the importance weight, growing tenfold. */
const EDGES = [1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000, 10000];
const binOf = (w) => {
  let b = 0;
  while (b < EDGES.length && w >= EDGES[b]) b++;
  return b; // 0: below EDGES[0]; EDGES.length: at or above the last edge
};
// Short labels (they sit under narrow bars on a phone): each bin runs from its label to ten times it.
const EDGE_TEXT = ['10⁻⁴', '0.001', '0.01', '0.1', '1', '10', '100', '1,000', '10⁴'];
const binLabel = (b) => (b === 0 ? `<${EDGE_TEXT[0]}` : b === EDGES.length ? `≥${EDGE_TEXT[b - 1]}` : EDGE_TEXT[b - 1]);

// ----- caches (module scope: they live as long as the worker) -----
let labRun = null; // the replicated experiment for the current non-λ settings, resumed across runs
const exactCache = new Map(); // exact weight distribution per (world, mismatch)
let logCache = null; // weight diagnostics of one log
let loggerCache = null; // the logger's probabilities and value in the current world

function getLabRun(rv, world, s) {
  const rm = rewardModel(s);
  const key = JSON.stringify({ seed: s.seed, mismatch: s.mismatch, rounds: s.rounds, rm });
  if (labRun?.key === key) return labRun;
  labRun?.lab.free();
  labRun = null;
  // One lab runs every estimator at every λ on the same logs (at 20,000 rounds a replicate takes
  // about 30 ms).
  const lab = new rv.Lab(world, {
    logger: logger(),
    target: target(s.mismatch),
    nRounds: s.rounds,
    replicates: REPLICATES,
    seed: s.seed,
    estimators: SPECS,
    rewardModel: rm,
  });
  labRun = {
    key,
    lab,
    truth: lab.truth,
    value: SPECS.map(() => []),
    lower: SPECS.map(() => []),
    upper: SPECS.map(() => []),
    ess: [],
  };
  return labRun;
}

/** Run one more replicate and keep its estimates. */
function stepLab(run) {
  for (const rep of run.lab.step(1)) {
    rep.estimates.forEach((e, j) => {
      run.value[j][rep.index] = e.value;
      run.lower[j][rep.index] = e.lower;
      run.upper[j][rep.index] = e.upper;
    });
    run.ess[rep.index] = rep.ess;
  }
}

const replicatesDone = (run) => run.lab.replicatesDone;


/** Bias, spread, RMSE (with a Monte Carlo interval) and coverage of one estimator over R replicates. */
function summarize(values, lower, upper, truth, R) {
  const v = values.slice(0, R).filter(Number.isFinite);
  const n = v.length;
  if (!n) return { n: 0, nan: R, mean: NaN, bias: NaN, sd: NaN, rmse: NaN, rmseLo: NaN, rmseHi: NaN, lo: NaN, hi: NaN, coverage: NaN, covLo: NaN, covHi: NaN, width: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const sq = v.map((x) => (x - truth) ** 2);
  const mse = sq.reduce((a, b) => a + b, 0) / n;
  const mseSe = n > 1 ? Math.sqrt(sq.reduce((a, b) => a + (b - mse) ** 2, 0) / (n - 1) / n) : NaN;
  const sorted = [...v].sort((a, b) => a - b);
  let covered = 0;
  let width = 0;
  let widths = 0;
  for (let r = 0; r < R; r++) {
    if (lower[r] <= truth && truth <= upper[r]) covered++;
    const w = upper[r] - lower[r];
    if (Number.isFinite(w)) {
      width += w;
      widths++;
    }
  }
  // Wilson interval for the coverage share.
  const p = covered / R;
  const z = 1.96;
  const den = 1 + (z * z) / R;
  const mid = (p + (z * z) / (2 * R)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / R + (z * z) / (4 * R * R))) / den;
  return {
    n,
    nan: R - n,
    mean,
    bias: mean - truth,
    sd,
    rmse: Math.sqrt(mse),
    rmseLo: Math.sqrt(Math.max(0, mse - z * mseSe)),
    rmseHi: Math.sqrt(mse + z * mseSe),
    lo: quantileSorted(sorted, 0.025),
    hi: quantileSorted(sorted, 0.975),
    coverage: p,
    covLo: Math.max(0, mid - half),
    covHi: Math.min(1, mid + half),
    width: widths ? width / widths : NaN,
  };
}

/** The logger's probabilities, the arrival distribution and the logger's value in this world. */
function loggerInfo(world) {
  if (loggerCache?.world !== world) {
    loggerCache = { world, pb: world.actionProbabilities(logger()), arrival: world.arrival(), value: world.policyValue(logger(), {}) };
  }
  return loggerCache;
}

/** The exact distribution of the importance weight under the logger (an infinitely long log). */
function exactWeights(world, s) {
  const key = `${world.seed}|${s.mismatch}`;
  let e = exactCache.get(key);
  if (e) return e;
  const { pb, arrival } = loggerInfo(world);
  const pe = world.actionProbabilities(target(s.mismatch));
  const ni = world.nItems;
  const rounds = new Float64Array(EDGES.length + 1);
  const mass = new Float64Array(EDGES.length + 1);
  let ew2 = 0;
  let maxWeight = 0;
  for (let u = 0; u < arrival.length; u++) {
    const a = arrival[u];
    if (a === 0) continue;
    for (let i = 0; i < ni; i++) {
      const k = u * ni + i;
      if (pb[k] === 0) continue;
      const w = pe[k] / pb[k];
      const b = binOf(w);
      rounds[b] += a * pb[k];
      mass[b] += a * pe[k];
      ew2 += a * pe[k] * w;
      maxWeight = Math.max(maxWeight, w);
    }
  }
  e = { rounds, mass, ew2, maxWeight };
  exactCache.set(key, e);
  if (exactCache.size > 16) exactCache.delete(exactCache.keys().next().value);
  return e;
}

/** Weight diagnostics of one log of `rounds` rows: histogram, effective sample size, largest weight. */
const logKey = (s) => `${s.seed}|${s.mismatch}|${s.rounds}`;

function oneLog(world, s) {
  const key = logKey(s);
  if (logCache?.key === key) return logCache.value;
  const exact = exactWeights(world, s);
  const log = world.collect(logger(), { nRounds: s.rounds, seed: s.seed });
  let w;
  try {
    const pe = log.targetPscore(target(s.mismatch));
    const pb = log.pscore;
    w = pe.map((x, i) => x / pb[i]);
  } finally {
    log.free();
  }
  const rounds = new Float64Array(EDGES.length + 1);
  const mass = new Float64Array(EDGES.length + 1);
  let s1 = 0;
  let s2 = 0;
  let maxWeight = 0;
  for (const x of w) {
    const b = binOf(x);
    rounds[b] += 1;
    mass[b] += x;
    s1 += x;
    s2 += x * x;
    maxWeight = Math.max(maxWeight, x);
  }
  // Keep the bins from the first to the last that holds anything visible.
  const keep = [];
  for (let b = 0; b <= EDGES.length; b++) {
    if (rounds[b] > 0 || exact.rounds[b] > 5e-4 || exact.mass[b] > 5e-4) keep.push(b);
  }
  const first = Math.min(...keep);
  const last = Math.max(...keep);
  const bins = [];
  for (let b = first; b <= last; b++) {
    bins.push({
      label: binLabel(b),
      roundsLog: rounds[b] / w.length,
      roundsExact: exact.rounds[b],
      massLog: s1 > 0 ? mass[b] / s1 : 0,
      massExact: exact.mass[b],
    });
  }
  const value = {
    bins,
    ess: s2 > 0 ? (s1 * s1) / s2 : 0,
    meanWeight: s1 / w.length,
    maxWeight,
    essExpected: s.rounds / exact.ew2,
    maxWeightExact: exact.maxWeight,
    // Share of the total weight carried by the largest 1% of weights.
    top1Share: topShare(w, 0.01, s1),
  };
  logCache = { key, value };
  return value;
}

function topShare(w, frac, total) {
  const sorted = Float64Array.from(w).sort();
  const k = Math.max(1, Math.round(frac * sorted.length));
  let t = 0;
  for (let i = sorted.length - k; i < sorted.length; i++) t += sorted[i];
  return total > 0 ? t / total : NaN;
}

function build(run, weights, loggerValue) {
  const R = replicatesDone(run);
  const stats = {};
  SPECS.forEach((spec, j) => {
    stats[spec.label] = summarize(run.value[j], run.lower[j], run.upper[j], run.truth, R);
  });
  const ess = run.ess.slice(0, R).sort((a, b) => a - b);
  return {
    truth: run.truth,
    loggerValue,
    stats,
    weights,
    essOverLogs: { lo: quantileSorted(ess, 0.025), median: quantileSorted(ess, 0.5), hi: quantileSorted(ess, 0.975) },
    progress: { done: R, total: REPLICATES, unit: 'replicated logs' },
  };
}

export async function* estimators(rv, s, cancelled) {
  const world = getWorld(rv, { seed: s.seed, ...WORLD });
  const run = getLabRun(rv, world, s);
  const loggerValue = loggerInfo(world).value;
  // The weight diagnostics wait until the first result is out, unless they are known already.
  let weights = logCache?.key === logKey(s) ? logCache.value : null;
  let R = replicatesDone(run);
  let last = R > 0 ? build(run, weights, loggerValue) : null;
  let builtAt = performance.now();
  if (last) yield last;
  while (R < REPLICATES || !weights) {
    if (cancelled()) return;
    if (last && !weights) {
      weights = oneLog(world, s);
      last = build(run, weights, loggerValue);
      builtAt = performance.now();
      yield last;
      continue;
    }
    // Work in slices of about 30 ms, so that a newer run (a slider move) is noticed quickly; the
    // first result goes out after a single replicate.
    const t0 = performance.now();
    do stepLab(run);
    while (last && performance.now() - t0 < 30 && replicatesDone(run) < REPLICATES);
    const now = performance.now();
    const R2 = replicatesDone(run);
    // Send a new result at most every 250 ms (the page redraws every chart whose data changed), and
    // at the end; in between, the same result again (nothing is redrawn).
    if (R2 !== R && (!last || now - builtAt > 250 || R2 >= REPLICATES)) {
      last = build(run, weights, loggerValue);
      builtAt = now;
    }
    R = R2;
    yield last;
  }
}
