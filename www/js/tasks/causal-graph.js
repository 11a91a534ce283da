// Lesson "Draw the graph before you trust the data": a four-variable causal model of one
// recommendation (taste U and popularity C → shown E → click Y, see src/causal.rs). From n
// simulated logs: the naive association P̂(click | shown), back-door adjustment and IPW over the
// chosen adjustment set, against the exact P(click | do(show)) and the effect of showing; then the
// same estimators over many simulated logs of growing size, to see which ones converge to the truth.

import { quantileSorted } from '../numeric.js';

/** Sample sizes of the convergence chart (the same values as the lesson's `n` control). */
export const SIZES = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];

/**
 * The model's parameters at confounding strength 1 (logit scale; src/causal.rs's defaults, spelled
 * out so that the page can print the numbers it uses).
 */
export const PARAMS = { pTaste: 0.3, pPopular: 0.3, e0: -1.5, eU: 2, eC: 2, y0: -3, yE: 1, yU: 2, yC: 1 };

/**
 * Simulated logs per sample size in the convergence chart: 400 small logs (their spread is the
 * story, and they are cheap), down to 30 logs of 20,000 pairs (whose spread is narrow anyway).
 */
export const replicatesFor = (n) => Math.max(30, Math.min(400, Math.round(200000 / n)));

/** Bootstrap replicates for the main log of n pairs: 150 for up to 1,000 pairs, fewer (≥ 30) above. */
export const bootstrapReps = (n) => Math.max(30, Math.min(150, Math.round(150000 / n)));

/** Seeds of the convergence chart's logs (the main log uses the lesson's seed itself, < 10,000). */
const SWEEP_SEED = 1_000_000;
/** Time between two partial results (ms): the worker only sees a newer run between them. */
const STEP_MS = 30;
/** Sample sizes after which the convergence chart is redrawn. */
const PUBLISH_AFTER = new Set([500, 5000, 20000]);

/** The model of src/causal.rs from the lesson state. */
export function model(s) {
  return {
    ...PARAMS,
    confounding: s.confounding,
    edges: {
      tasteToExposure: s.tasteToExposure,
      popularityToExposure: s.popularityToExposure,
      tasteToClick: s.tasteToClick,
      popularityToClick: s.popularityToClick,
      exposureToClick: s.exposureToClick,
    },
  };
}

export const adjustment = (s) => ({ taste: s.adjustTaste, popularity: s.adjustPopularity });
const NOTHING = { taste: false, popularity: false };

/**
 * One log's estimates of P(click | do(E = exposure)). When the adjustment is impossible
 * (positivity), `error` says why and the naive estimate still comes from the same log.
 */
function estimateOne(rv, m, s, exposure) {
  const opts = { n: s.n, seed: s.seed, exposure, bootstrap: bootstrapReps(s.n) };
  const pick = (r) => ({ naive: r.naive, naiveSe: r.naiveSe, adjusted: r.adjusted, adjustedSe: r.adjustedSe, ipw: r.ipw, ipwSe: r.ipwSe });
  try {
    return { ...pick(rv.causalEstimate(m, { ...opts, adjust: adjustment(s) })), error: null };
  } catch (e) {
    let naive = { naive: NaN, naiveSe: NaN };
    try {
      naive = pick(rv.causalEstimate(m, { ...opts, adjust: NOTHING }));
    } catch {
      // not a single pair with this exposure: nothing to estimate at all
    }
    return { naive: naive.naive, naiveSe: naive.naiveSe, adjusted: NaN, adjustedSe: NaN, ipw: NaN, ipwSe: NaN, error: e?.message ?? String(e) };
  }
}

/** Mean and 2.5–97.5% spread of the estimates from many logs. */
function summarize(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return { mean, lo: quantileSorted(s, 0.025), hi: quantileSorted(s, 0.975), count: s.length };
}

/**
 * Finished convergence sweeps by (model, adjustment set, seed): they do not depend on `n`, so moving
 * the sample-size slider, or coming back to a graph already seen, costs nothing.
 */
const sweeps = new Map();
const SWEEPS_KEPT = 24;

export async function* causalGraph(rv, s, cancelled) {
  const m = model(s);
  const adjust = adjustment(s);
  const truth = rv.causalTruth(m);
  const main = { shown: estimateOne(rv, m, s, 1), notShown: estimateOne(rv, m, s, 0) };
  const key = JSON.stringify([m, adjust, s.seed]);
  const cached = sweeps.get(key);
  if (cached) {
    // two steps even so: the first redraw stays as light as a fresh run's
    yield { truth, main, sweep: [], progress: { done: 0, total: SIZES.length, unit: 'sample sizes' } };
    yield { truth, main, sweep: cached, progress: { done: SIZES.length, total: SIZES.length, unit: 'sample sizes' } };
    return;
  }
  const sweep = [];
  // The chart gets the sweep in three instalments (up to 500 pairs, 5,000, 20,000): fewer redraws
  // of it on the main thread; the partial results in between only let a newer run cancel this one.
  let published = [];
  const partial = (done) => ({ truth, main, sweep: published, progress: { done, total: SIZES.length, unit: 'sample sizes' } });
  yield partial(0);

  let last = performance.now();
  for (const [i, n] of SIZES.entries()) {
    const naive = [];
    const adjusted = [];
    let failed = 0;
    const replicates = replicatesFor(n);
    for (let r = 0; r < replicates; r++) {
      if (cancelled()) return;
      // Replicate r is one stream of pairs cut at each n: the logs of one replicate are nested.
      const opts = { n, seed: SWEEP_SEED + 1000 * s.seed + r, exposure: 1, bootstrap: 0 };
      try {
        const e = rv.causalEstimate(m, { ...opts, adjust });
        naive.push(e.naive);
        adjusted.push(e.adjusted);
      } catch {
        // positivity failed in this log: no adjusted estimate, the naive one still exists
        failed += 1;
        try {
          naive.push(rv.causalEstimate(m, { ...opts, adjust: NOTHING }).naive);
        } catch {
          // not a single shown pair
        }
      }
      if (performance.now() - last > STEP_MS && r < replicates - 1) {
        yield partial(i);
        last = performance.now();
      }
    }
    sweep.push({ n, naive: summarize(naive), adjusted: summarize(adjusted), failed, replicates });
    if (PUBLISH_AFTER.has(n)) published = sweep.map((row) => ({ ...row }));
    if (i === SIZES.length - 1) {
      sweeps.set(key, sweep);
      if (sweeps.size > SWEEPS_KEPT) sweeps.delete(sweeps.keys().next().value);
    }
    if (performance.now() - last > STEP_MS || PUBLISH_AFTER.has(n)) {
      yield partial(i + 1);
      last = performance.now();
    }
  }
}
