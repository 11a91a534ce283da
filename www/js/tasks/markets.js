// Lesson 11, "Many markets, many languages": one global model against one model per market; the
// aggregate can improve while a small market gets worse, per-segment evaluation with intervals,
// and Simpson's paradox in a staged A/B rollout.
import { getWorld } from './common.js';

export const MARKETS = ['Large market', 'Small market'];

/** Smoothed click rate of each item among the rows of `log` (a popularity "model"). */
function itemRates(log, nItems) {
  const clicks = new Float64Array(nItems);
  const shows = new Float64Array(nItems);
  const a = log.action;
  const r = log.reward;
  for (let j = 0; j < a.length; j++) {
    shows[a[j]] += 1;
    clicks[a[j]] += r[j];
  }
  return Array.from(clicks, (c, i) => (c + 1) / (shows[i] + 10));
}

/** Exact value of a policy in each market and overall (arrival-weighted); A: arrival, M: user market. */
function valuesByMarket(world, policy, A, M) {
  const V = world.policyValueByUser(policy);
  const num = [0, 0];
  const den = [0, 0];
  for (let u = 0; u < A.length; u++) {
    num[M[u]] += A[u] * V[u];
    den[M[u]] += A[u];
  }
  return { markets: [num[0] / den[0], num[1] / den[1]], all: num[0] + num[1], traffic: den };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

let models = { key: null };

export async function* markets(rv, s, cancelled) {
  const config = {
    seed: s.seed,
    nUsers: 1000,
    nItems: 150,
    markets: [
      { name: MARKETS[0], userShare: 1 - s.smallShare, itemShare: 0.8 },
      { name: MARKETS[1], userShare: s.smallShare, itemShare: 0.2 },
    ],
    languagePenalty: s.penalty,
  };
  const world = getWorld(rv, config);
  const n = world.nItems;
  const production = { kind: 'mixture', components: [{ weight: 0.9, policy: { kind: 'softmax', beta: 1 } }, { weight: 0.1, policy: { kind: 'uniform' } }] };
  const key = `${JSON.stringify(config)}:${s.rounds}`;
  if (models.key !== key) {
    // Both models are trained on the same production log: per-market click rates (A) and
    // global click rates (B), registered as scores for softmax policies.
    models.log?.free();
    const log = world.collect(production, { nRounds: s.rounds, seed: s.seed + 1 });
    const M = world.userMarket();
    const subsets = [0, 1].map((m) => log.subset({ market: m }));
    const perMarket = subsets.map((l) => itemRates(l, n));
    const global = itemRates(log, n);
    const a = new Float64Array(M.length * n);
    const b = new Float64Array(M.length * n);
    for (let u = 0; u < M.length; u++) {
      for (let i = 0; i < n; i++) {
        a[u * n + i] = perMarket[M[u]][i];
        b[u * n + i] = global[i];
      }
    }
    world.addModel('per-market', a);
    world.addModel('global', b);
    models = { key, log, subsets, rows: subsets.map((l) => l.nRounds) };
  }
  const policies = {
    A: { kind: 'softmax', beta: 3, score: 'model:per-market' },
    B: { kind: 'softmax', beta: 3, score: 'model:global' },
    C: { kind: 'softmax', beta: 2, score: 'model:global' },
  };
  const [arrival, userMarket] = [world.arrival(), world.userMarket()];
  const truth = Object.fromEntries(Object.entries(policies).map(([k, p]) => [k, valuesByMarket(world, p, arrival, userMarket)]));
  const traffic = truth.A.traffic;

  // Simpson's paradox: a staged A/B test of C against A where C gets most of the large market.
  const aL = 0.5 + s.rollout / 2;
  const aS = 0.5 - s.rollout / 2;
  const share = { C: [traffic[0] * aL, traffic[1] * aS], A: [traffic[0] * (1 - aL), traffic[1] * (1 - aS)] };
  const pooledTruth = (k) => (share[k][0] * truth[k].markets[0] + share[k][1] * truth[k].markets[1]) / (share[k][0] + share[k][1]);
  const exact = { truth, pooled: { A: pooledTruth('A'), C: pooledTruth('C') }, allocation: { large: aL, small: aS }, rows: models.rows };
  yield { ...exact, estimates: null, ab: null, progress: { done: 1, total: 3, unit: 'steps' } };
  if (cancelled()) return;

  // Offline, per segment, from the production log: SNIPS and IPS with 95% intervals.
  const estimates = {};
  for (const k of ['A', 'B']) {
    estimates[k] = {
      markets: models.subsets.map((l) => l.summarize(policies[k], ['ipw', 'snipw'], { method: 'normal' })),
      all: models.log.summarize(policies[k], ['ipw', 'snipw'], { method: 'normal' }),
    };
  }
  yield { ...exact, estimates, ab: null, progress: { done: 2, total: 3, unit: 'steps' } };
  if (cancelled()) return;

  // The simulated A/B test: each arm's visits in each market, from logs of that arm.
  const ab = {};
  for (const k of ['A', 'C']) {
    const want = [Math.round(s.visits * share[k][0]), Math.round(s.visits * share[k][1])];
    const log = world.collect(policies[k], { nRounds: Math.ceil(1.3 * (want[0] / traffic[0] + want[1] / traffic[1])) + 200, seed: s.seed + (k === 'A' ? 11 : 12) });
    const byMarket = [0, 1].map((m) => {
      const sub = log.subset({ market: m });
      const r = Array.from(sub.reward.slice(0, want[m]));
      sub.free();
      return r;
    });
    log.free();
    const stat = (xs) => {
      const m = xs.length ? mean(xs) : NaN;
      return { ctr: m, se: Math.sqrt((m * (1 - m)) / Math.max(1, xs.length)), n: xs.length };
    };
    ab[k] = { markets: byMarket.map(stat), pooled: stat(byMarket.flat()) };
  }
  yield { ...exact, estimates, ab, progress: { done: 3, total: 3, unit: 'steps' } };
}
