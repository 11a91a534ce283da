// Lesson 2, "The 1% randomized bucket": production (a popularity-leaning softmax) serves most
// visits, a share of them goes to a uniformly random bucket. A deterministic candidate is
// evaluated four ways over replicated logs (rv.Lab): the naive mean of logged clicks, IPW and
// replay on the bucket rows alone (mixture component 1, propensity 1/m), and IPW/SNIPW on every
// row with the mixture propensities (the balanced estimator). The "how many days?" curves come
// from the exact per-visit variances of those estimators in this world (computed from its
// tables), checked against the spread of the simulated estimates.
import { getWorld, nextTick } from './common.js';
import { quantile } from '../numeric.js';

export const WORLD = { nUsers: 500, nItems: 100 };
/** Weight of popularity in production's score, next to relevance 1. */
export const PRODUCTION_POPULARITY = 1.5;
/** The candidate's push towards less popular items. */
export const CANDIDATE_TAIL = 0.25;
/** Normal quantile of a two-sided 95% interval, and of 80% power. */
export const Z95 = 1.959963984540054;
export const Z80 = 0.8416212335729143;
/** Days of logging on the x axis of the "how many days?" chart (extended while a curve has not crossed). */
export const DAY_GRID = [0.25, 0.5, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365, 540, 730, 1095, 1825, 3650];
const DAY_GRID_MORE = [5000, 7300, 10000, 20000, 36500, 50000, 100000, 200000, 365000, 500000, 1000000];

export const production = (s) => ({ kind: 'softmax', beta: s.beta, score: { relevance: 1, popularity: PRODUCTION_POPULARITY } });
/** Deterministic, so that replay applies: each user's single best item, nudged towards the tail. */
export const candidate = { kind: 'greedy', score: { relevance: 1, popularity: -CANDIDATE_TAIL } };
export const uniform = { kind: 'uniform' };

/** The logger: production with a uniform bucket of share `share` (component 1 of the mixture). */
export function logger(s) {
  if (s.share <= 0) return production(s);
  if (s.share >= 1) return uniform;
  return { kind: 'mixture', components: [{ weight: 1 - s.share, policy: production(s) }, { weight: s.share, policy: uniform }] };
}

/** Which logger component is the bucket (null: there is none). */
const bucketComponent = (share) => (share <= 0 ? null : share >= 1 ? 0 : 1);

/** Keys of the estimators, in chart order. */
export const KEYS = ['naive', 'bucketIpw', 'replay', 'balancedIpw', 'balancedSnipw'];

function scenarioEstimators(share) {
  const c = bucketComponent(share);
  const list = [
    { key: 'naive', spec: { estimatorName: 'naive', label: 'naive' } },
    { key: 'balancedIpw', spec: { estimatorName: 'ipw', label: 'balanced ipw' } },
    { key: 'balancedSnipw', spec: { estimatorName: 'snipw', label: 'balanced snipw' } },
  ];
  if (c !== null) {
    list.push(
      { key: 'bucketIpw', spec: { estimatorName: 'ipw', component: c, label: 'bucket ipw' } },
      { key: 'replay', spec: { estimatorName: 'rm', component: c, label: 'bucket replay' } },
      // With a uniform logger and a deterministic candidate, SNIPW on the bucket is replay, except
      // that it is NaN (not OBP's 0) when no bucket visit matched: it tells us when replay had nothing.
      { key: 'replayMatched', spec: { estimatorName: 'snipw', component: c, label: 'bucket snipw' } },
    );
  }
  return list;
}

const worldTables = new WeakMap();
function tablesOf(world) {
  let t = worldTables.get(world);
  if (!t) {
    t = { q: world.relevance(), arrival: world.arrival(), pe: world.actionProbabilities(candidate) };
    worldTables.set(world, t);
  }
  return t;
}

/**
 * Exact per-visit variances of the estimators (rounds are i.i.d.: user ~ arrival, item ~ logger,
 * click ~ Bernoulli(relevance)). With w = π_e/μ and V the candidate's value:
 *   IPW:  E[w² r] − V²                      SNIPW / replay (delta method): E[w² (r − V)²]
 * per bucket visit (μ = 1/m) for the bucket-only estimators, per visit (μ the mixture) for the
 * balanced ones. E[r²] = E[r] because clicks are 0/1.
 */
export function perVisitVariance(world, s) {
  const { q, arrival, pe } = tablesOf(world);
  const m = world.nItems;
  const p0 = world.actionProbabilities(production(s));
  const b = Math.min(1, Math.max(0, s.share));
  let V = 0; // the candidate's value, production's and the uniform policy's
  let V0 = 0;
  let Vu = 0;
  for (let u = 0; u < arrival.length; u++) {
    for (let i = 0; i < m; i++) {
      const k = u * m + i;
      V += arrival[u] * pe[k] * q[k];
      V0 += arrival[u] * p0[k] * q[k];
      Vu += (arrival[u] * q[k]) / m;
    }
  }
  let bucketA = 0; // Σ P(u) Σ_a π_e² q      (×m: E[w² r] per bucket visit)
  let bucketB = 0; // Σ P(u) Σ_a π_e²
  let balA = 0; // Σ P(u) Σ_a π_e² / μ · q
  let balB = 0; // Σ P(u) Σ_a π_e² / μ
  for (let u = 0; u < arrival.length; u++) {
    const pu = arrival[u];
    if (pu === 0) continue;
    for (let i = 0; i < m; i++) {
      const k = u * m + i;
      const e = pe[k];
      if (e === 0) continue;
      const mu = (1 - b) * p0[k] + b / m;
      bucketA += pu * e * e * q[k];
      bucketB += pu * e * e;
      balA += (pu * e * e * q[k]) / mu;
      balB += (pu * e * e) / mu;
    }
  }
  const snipw = (a, bb) => a * (1 - 2 * V) + V * V * bb; // E[w²(r−V)²] = E[w² r](1 − 2V) + V² E[w²]
  return {
    value: V,
    productionValue: V0,
    uniformValue: Vu,
    bucketIpw: m * bucketA - V * V,
    replay: m * snipw(bucketA, bucketB),
    balancedIpw: balA - V * V,
    balancedSnipw: snipw(balA, balB),
  };
}

/** Visits per day that each estimator uses. */
const usedShare = (key, share) => (key === 'bucketIpw' || key === 'replay' ? share : 1);

/** Days until the 95% half-width z·σ/√(visits) falls below |gap| (Infinity when it never does). */
export function daysToDecide(variance, visitsPerDay, gap, z = Z95) {
  if (!(visitsPerDay > 0) || !(Math.abs(gap) > 0)) return Infinity;
  return (z * z * variance) / (gap * gap) / visitsPerDay;
}

function theory(world, s) {
  const v = perVisitVariance(world, s);
  const gap = v.value - v.productionValue;
  const keys = ['bucketIpw', 'replay', 'balancedIpw', 'balancedSnipw'].filter((k) => usedShare(k, s.share) > 0);
  const days = {};
  const days80 = {};
  for (const k of keys) {
    const perDay = s.traffic * usedShare(k, s.share);
    days[k] = daysToDecide(v[k], perDay, gap);
    days80[k] = daysToDecide(v[k], perDay, gap, Z95 + Z80);
  }
  const longest = Math.max(...keys.map((k) => days[k]).filter(Number.isFinite), 0);
  const grid = [...DAY_GRID];
  for (const d of DAY_GRID_MORE) {
    if (grid[grid.length - 1] >= 1.5 * longest) break;
    grid.push(d);
  }
  const curves = {};
  for (const k of keys) {
    const perDay = s.traffic * usedShare(k, s.share);
    curves[k] = grid.map((d) => ({ x: d, y: Z95 * Math.sqrt(v[k] / (perDay * d)) }));
  }
  const n = s.traffic * s.days;
  const predictedHalfWidth = Object.fromEntries(keys.map((k) => [k, Z95 * Math.sqrt(v[k] / (n * usedShare(k, s.share)))]));
  return { variance: v, gap, curves, days, days80, predictedHalfWidth };
}


function summarize(reps, truth) {
  const vals = reps.map((r) => r.value).filter(Number.isFinite);
  const n = vals.length;
  if (!n) return { n: 0, mean: NaN, lo: NaN, hi: NaN, sd: NaN, bias: NaN, rmse: NaN, coverage: NaN, meanHalfWidth: NaN };
  const mean = vals.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  const rmse = Math.sqrt(vals.reduce((a, b) => a + (b - truth) ** 2, 0) / n);
  const ok = reps.filter((r) => Number.isFinite(r.value));
  const covered = ok.filter((r) => r.lower <= truth && truth <= r.upper).length;
  const halfWidths = ok.map((r) => (r.upper - r.lower) / 2).filter(Number.isFinite);
  return {
    n,
    mean,
    lo: quantile(vals, 0.025),
    hi: quantile(vals, 0.975),
    sd,
    bias: mean - truth,
    rmse,
    coverage: covered / ok.length,
    meanHalfWidth: halfWidths.reduce((a, b) => a + b, 0) / Math.max(1, halfWidths.length),
  };
}

/** Replicates for a log of n visits: ~100 for small logs, fewer (not under 20) for big ones. */
export const replicatesFor = (n) => Math.min(100, Math.max(20, Math.floor(5e6 / n)));

export async function* randomBucket(rv, s, cancelled) {
  const world = getWorld(rv, { seed: s.seed, ...WORLD });
  const nRounds = Math.max(1, Math.round(s.traffic * s.days));
  // The exact part first (values, gap, "how many days?"): it is drawn while the logs are simulated.
  const th = theory(world, s);
  const base = { truth: th.variance.value, productionValue: th.variance.productionValue, uniformValue: th.variance.uniformValue, nRounds, theory: th };
  const total = replicatesFor(nRounds);
  yield { ...base, replicates: 0, progress: { done: 0, total } };
  if (cancelled()) return;
  const estimators = scenarioEstimators(s.share);
  const lab = new rv.Lab(world, {
    logger: logger(s),
    target: candidate,
    nRounds,
    replicates: total,
    seed: s.seed,
    estimators: estimators.map((e) => e.spec),
  });
  try {
    const truth = lab.truth;
    const reps = Object.fromEntries(estimators.map((e) => [e.key, []]));
    const index = Object.fromEntries(estimators.map((e, i) => [e.key, i]));
    let first = null;
    let noMatch = 0;
    const collect = (batch) => {
      for (const r of batch) {
        const row = Object.fromEntries(estimators.map((e) => [e.key, r.estimates[index[e.key]]]));
        // replay with no matching bucket visit carries no information (OBP returns 0): set it aside
        if (row.replay && !Number.isFinite(row.replayMatched.value)) {
          noMatch++;
          row.replay = { value: NaN, lower: NaN, upper: NaN, n: row.replay.n };
        }
        for (const e of estimators) reps[e.key].push(row[e.key]);
        if (!first) first = row;
      }
    };
    const result = () => ({
      ...base,
      bucketRows: reps.bucketIpw ? reps.bucketIpw.reduce((a, r) => a + r.n, 0) / Math.max(1, reps.bucketIpw.length) : 0,
      first,
      sim: Object.fromEntries(KEYS.filter((k) => reps[k]).map((k) => [k, summarize(reps[k], truth)])),
      replicates: lab.replicatesDone,
      noMatch,
      progress: { done: lab.replicatesDone, total: lab.replicatesTotal },
    });
    // Then the simulated logs: steps of at most ~35 ms with a pause between them (so that a newer
    // run can cancel this one), a partial result after the first replicate and then every ~120 ms.
    let t = performance.now();
    collect(lab.step(1));
    let perRep = Math.max(1, performance.now() - t);
    yield result();
    let lastYield = performance.now();
    while (lab.replicatesDone < lab.replicatesTotal) {
      await nextTick();
      if (cancelled()) return;
      const k = Math.max(1, Math.floor(35 / perRep));
      t = performance.now();
      collect(lab.step(k));
      perRep = Math.max(1, (performance.now() - t) / k);
      if (performance.now() - lastYield > 120 || lab.replicatesDone >= lab.replicatesTotal) {
        yield result();
        lastYield = performance.now();
      }
    }
  } finally {
    lab.free();
  }
}
