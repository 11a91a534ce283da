// Lesson 4, "Position bias in rankings": a small catalog ranked for each visit, clicks that depend
// on where an item is shown (position-based model with exponent η, or a cascade), click-through by
// position read naively and corrected by the examination propensity, and the slate estimators
// (SIPS, IIPS, RIPS, Cascade-DR, pseudoinverse) for a new ranking policy, against the exact truth.
import { getWorld, nextTick } from './common.js';

export const N_ITEMS = 10;
export const N_USERS = 100;
export const BASE_CLICK_RATE = 0.2;
/** Share of the production traffic that gets a uniformly random ranking (the randomized bucket). */
export const BUCKET = 0.1;

/** The production ranker: Plackett–Luce on what users like plus a push towards popular items. */
export const production = { kind: 'softmax', beta: 2, score: { relevance: 1, popularity: 0.5 } };
const uniform = { kind: 'uniform' };

export const loggerOf = (s) =>
  s.logger === 'uniform'
    ? uniform
    : { kind: 'mixture', components: [{ weight: 1 - BUCKET, policy: production }, { weight: BUCKET, policy: uniform }] };

/** The new ranking policy to evaluate: Plackett–Luce on the true relevance with sharpness β. */
export const targetOf = (s) => ({ kind: 'softmax', beta: s.sharp, score: 'relevance' });

export const worldConfig = (s) => ({
  seed: s.seed,
  nUsers: N_USERS,
  nItems: N_ITEMS,
  baseClickRate: BASE_CLICK_RATE,
  positionBias: s.model === 'cascade' ? { model: 'cascade' } : { model: 'pbm', eta: s.eta },
});

/** Replicated logs for the spread chart: fewer when each log is large, to bound the run time. */
export const replicatesFor = (s) => Math.max(10, Math.min(40, Math.round(160000 / (s.rounds * s.lenList))));

/** Slates per collected chunk, so that no step between two cancellation points is long. */
const chunkSlates = (lenList) => (lenList <= 3 ? 1000 : lenList === 4 ? 700 : 500);

/**
 * Which slate-input fields each estimator reads (passing only those avoids copying the large
 * per-item arrays into Wasm for estimators that do not need them).
 */
const FIELDS = {
  sips: ['pscore', 'evaluationPolicyPscore'],
  iips: ['pscoreItemPosition', 'evaluationPolicyPscoreItemPosition'],
  rips: ['pscoreCascade', 'evaluationPolicyPscoreCascade'],
  'cascade-dr': ['pscoreCascade', 'evaluationPolicyPscoreCascade', 'action', 'nUniqueAction', 'qHat', 'evaluationPolicyActionDist'],
  pi: ['pscore', 'action', 'nUniqueAction', 'evaluationPolicyItemPositionDist'],
};
export const ESTIMATORS = ['sips', 'iips', 'rips', 'cascade-dr', 'pi'];

// ---------------------------------------------------------------------------------------------
// The exact value of a Plackett–Luce ranking policy.
//
// World.rankingValue enumerates every ranking under the cascade (10·9·8·7·6 rankings per user at
// lenList 5: seconds), so the task computes the same quantity with a dynamic programme over the
// *set* of items placed so far: under Plackett–Luce the chance of the next item given the items
// above depends only on which items are above, and so does the cascade's chance of reaching the
// next slot, Π(1 − rel). 2^m states of m items instead of m!/(m−L)! rankings. It mirrors how
// src/world/policy.rs scores `softmax` on relevance (standardized per user, weights exp(β·z)), and
// agrees with World.rankingValue to 1e-14 for both click models (L = 2–4, β = 0–2.5, 3 seeds).
// ---------------------------------------------------------------------------------------------

/** Zero mean, unit (population) variance, as the policies standardize scores per user. */
function standardize(xs) {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) * (x - m), 0) / n);
  return xs.map((x) => (sd > 1e-12 ? (x - m) / sd : 0));
}

/** Plackett–Luce weights of softmax(β·z) with z the standardized relevance of one user. */
function plWeights(rel, beta) {
  const z = standardize(standardize(rel));
  const logits = z.map((x) => beta * x);
  const mx = Math.max(...logits);
  return logits.map((l) => Math.exp(l - mx));
}

/**
 * Expected clicks per ranking of length L for one user under a Plackett–Luce policy with weights
 * `w`; `exam(k, reach)` is the examination probability of slot k (0-based) given the probability
 * `reach` of reaching it (the cascade) — the position-based model ignores `reach`.
 */
function plRankingValue(w, rel, L, exam) {
  const m = w.length;
  const size = 1 << m;
  const { P, wsum, reach, bits } = buffers(size);
  P.fill(0);
  const total = w.reduce((a, b) => a + b, 0);
  P[0] = 1;
  let value = 0;
  for (let mask = 0; mask < size; mask++) {
    if (mask > 0) {
      const low = mask & -mask;
      const j = 31 - Math.clz32(low);
      const rest = mask ^ low;
      bits[mask] = bits[rest] + 1;
      if (bits[mask] >= L) continue; // never extended: no slot below the list
      wsum[mask] = wsum[rest] + w[j];
      reach[mask] = reach[rest] * (1 - rel[j]);
    }
    const p = P[mask];
    const k = bits[mask];
    if (p === 0 || k >= L) continue;
    const left = total - wsum[mask];
    if (!(left > 0)) continue;
    const e = exam(k, reach[mask]);
    for (let a = 0; a < m; a++) {
      if (mask & (1 << a) || w[a] === 0) continue;
      const q = (p * w[a]) / left;
      value += q * e * rel[a];
      if (k + 1 < L) P[mask | (1 << a)] += q;
    }
  }
  return value;
}

let scratch = null;
function buffers(size) {
  if (!scratch || scratch.P.length !== size) {
    scratch = { P: new Float64Array(size), wsum: new Float64Array(size), reach: new Float64Array(size), bits: new Uint8Array(size) };
    scratch.reach[0] = 1;
  }
  return scratch;
}

/** The target's exact expected clicks per ranking: Σᵤ P(u) V(u). */
export function exactRankingValue(world, s) {
  const rel = world.relevance();
  const arrival = world.arrival();
  const m = world.nItems;
  const exam = s.model === 'cascade' ? (_k, reach) => reach : (k) => Math.pow(1 / (k + 1), s.eta);
  let v = 0;
  for (let u = 0; u < arrival.length; u++) {
    if (arrival[u] === 0) continue;
    const r = Array.from(rel.subarray(u * m, (u + 1) * m));
    v += arrival[u] * plRankingValue(plWeights(r, s.sharp), r, s.lenList, exam);
  }
  return v;
}

const truths = new Map();
function truthFor(world, s) {
  const key = JSON.stringify([worldConfig(s), s.sharp, s.lenList]);
  if (!truths.has(key)) {
    if (truths.size > 50) truths.clear();
    truths.set(key, exactRankingValue(world, s));
  }
  return truths.get(key);
}

// ---------------------------------------------------------------------------------------------
// Logs, collected in chunks and merged.
// ---------------------------------------------------------------------------------------------

const concat = (parts, Type) => {
  const out = new Type(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Click-through statistics by position, accumulated over chunks. */
function newCtr(L) {
  const z = () => new Float64Array(L);
  return { L, n: z(), clicks: z(), ips: z(), ips2: z(), pos: z(), pos2: z(), rel: z(), exam: z() };
}

function addCtr(acc, log, world, eta) {
  const { L } = acc;
  const reward = log.reward;
  const position = log.position;
  const action = log.action;
  const user = log.user;
  const e = log.examinationPropensity();
  const rel = world.relevance();
  const m = world.nItems;
  for (let i = 0; i < reward.length; i++) {
    const k = position[i];
    const c = reward[i];
    acc.n[k] += 1;
    acc.clicks[k] += c;
    acc.ips[k] += c / e[i];
    acc.ips2[k] += (c / e[i]) ** 2;
    acc.rel[k] += rel[user[i] * m + action[i]];
    acc.exam[k] += e[i];
    // what a position-only correction, (1/k)^η, makes of the same clicks
    const pe = Math.pow(1 / (k + 1), eta);
    acc.pos[k] += c / pe;
    acc.pos2[k] += (c / pe) ** 2;
  }
}

/** Per position: naive CTR, corrected CTR(s) with 95% intervals, true attractiveness shown. */
function ctrRows(acc) {
  const z = 1.959963984540054;
  const rows = [];
  for (let k = 0; k < acc.L; k++) {
    const n = acc.n[k];
    const naive = acc.clicks[k] / n;
    const naiveSe = Math.sqrt((naive * (1 - naive)) / n);
    const ips = acc.ips[k] / n;
    const ipsSe = Math.sqrt(Math.max(0, acc.ips2[k] / n - ips * ips) / (n - 1));
    const pos = acc.pos[k] / n;
    const posSe = Math.sqrt(Math.max(0, acc.pos2[k] / n - pos * pos) / (n - 1));
    rows.push({
      position: k + 1,
      impressions: n,
      naive: { y: naive, lo: naive - z * naiveSe, hi: naive + z * naiveSe },
      corrected: { y: ips, lo: ips - z * ipsSe, hi: ips + z * ipsSe },
      positionOnly: { y: pos, lo: pos - z * posSe, hi: pos + z * posSe },
      truth: acc.rel[k] / n,
      exam: acc.exam[k] / n,
    });
  }
  return rows;
}

/**
 * Collect `s.rounds` rankings in chunks (a different seed per chunk) into `logs`, feeding `ctr` if
 * given. Awaits between chunks; returns false once cancelled. The caller frees the logs.
 */
async function collectChunks(world, s, seed, logs, ctr, cancelled) {
  const logger = loggerOf(s);
  const per = chunkSlates(s.lenList);
  for (let c = 0, slates = 0; slates < s.rounds; c++) {
    const n = Math.min(per, s.rounds - slates);
    const log = world.collect(logger, { nRounds: n, seed: seed * 1009 + c, lenList: s.lenList });
    logs.push(log);
    if (ctr) addCtr(ctr, log, world, s.eta);
    slates += n;
    if (slates < s.rounds) {
      await nextTick();
      if (cancelled()) return false;
    }
  }
  return true;
}

/**
 * The slate-estimator input of the logs (evaluation side for the new policy), merged into one,
 * and the logged clicks per ranking. Frees the logs as it goes; null once cancelled.
 */
async function slateInputOf(logs, s, cancelled) {
  const target = targetOf(s);
  const parts = [];
  let slates = 0;
  let clicks = 0;
  let clicks2 = 0;
  while (logs.length) {
    const log = logs.shift();
    let inp;
    try {
      inp = log.slateInput(target);
      // clicks per ranking (rows come slate by slate, lenList rows each)
      const r = inp.reward;
      for (let i = 0; i < r.length; i += inp.lenList) {
        let c = 0;
        for (let k = 0; k < inp.lenList; k++) c += r[i + k];
        clicks += c;
        clicks2 += c * c;
      }
    } finally {
      log.free();
    }
    if (slates > 0) {
      const id = inp.slateId;
      for (let i = 0; i < id.length; i++) id[i] += slates;
    }
    slates += inp.slateId.length / inp.lenList;
    parts.push(inp);
    if (logs.length) {
      await nextTick();
      if (cancelled()) return null;
    }
  }
  const mean = clicks / slates;
  const se = Math.sqrt(Math.max(0, clicks2 / slates - mean * mean) / (slates - 1));
  const logged = { estimate: mean, lower: mean - 1.959963984540054 * se, upper: mean + 1.959963984540054 * se };
  if (parts.length === 1) return { input: parts[0], logged };
  const first = parts[0];
  const input = { lenList: first.lenList, nUniqueAction: first.nUniqueAction };
  for (const [k, v] of Object.entries(first)) {
    if (ArrayBuffer.isView(v)) input[k] = concat(parts.map((p) => p[k]), v.constructor);
  }
  return { input, logged };
}

function pick(input, name) {
  const out = { slateId: input.slateId, position: input.position, reward: input.reward, lenList: input.lenList };
  for (const f of FIELDS[name]) out[f] = input[f];
  return out;
}

/** Every estimator with a normal (delta-method) 95% interval; NaN with a reason when one cannot apply. */
async function estimateAll(rv, input, s, cancelled) {
  const out = {};
  for (const name of ESTIMATORS) {
    if (name === 'pi' && s.logger !== 'uniform') {
      out[name] = { estimate: NaN, lower: NaN, upper: NaN, reason: 'needs a uniform logger' };
      continue;
    }
    const r = rv.estimateSlateInterval(name, pick(input, name), undefined, { method: 'normal' });
    out[name] = { estimate: r.estimate, lower: r.lower, upper: r.upper };
    if (input.reward.length > 6000) {
      await nextTick();
      if (cancelled()) return null;
    }
  }
  return out;
}

function spreadOf(reps, truth) {
  const q = (xs, p) => {
    const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) return NaN;
    const pos = p * (v.length - 1);
    const lo = Math.floor(pos);
    return v[lo] + (v[Math.ceil(pos)] - v[lo]) * (pos - lo);
  };
  const names = ['naive', ...ESTIMATORS];
  const out = {};
  for (const name of names) {
    const xs = reps.map((r) => (name === 'naive' ? r.naive.estimate : r.est[name].estimate)).filter(Number.isFinite);
    if (!xs.length) {
      out[name] = { mean: NaN, lo: NaN, hi: NaN, bias: NaN, rmse: NaN, coverage: NaN };
      continue;
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const rmse = Math.sqrt(xs.reduce((a, x) => a + (x - truth) ** 2, 0) / xs.length);
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
    const iv = (r) => (name === 'naive' ? r.naive : r.est[name]);
    const covered = reps.filter((r) => iv(r).lower <= truth && truth <= iv(r).upper).length / reps.length;
    out[name] = { mean, lo: q(xs, 0.025), hi: q(xs, 0.975), bias: mean - truth, rmse, sd, biasSe: sd / Math.sqrt(xs.length), coverage: covered };
  }
  return out;
}

/** One replicate: a fresh log, every estimator. Null once cancelled. */
async function replicate(rv, world, s, seed, cancelled) {
  const logs = [];
  try {
    if (!(await collectChunks(world, s, seed, logs, null, cancelled))) return null;
    const m = await slateInputOf(logs, s, cancelled);
    if (!m) return null;
    const est = await estimateAll(rv, m.input, s, cancelled);
    return est && { naive: m.logged, est };
  } finally {
    for (const log of logs) log.free();
  }
}

export async function* positionBias(rv, s, cancelled) {
  const world = getWorld(rv, worldConfig(s));
  const total = replicatesFor(s);

  // First the click-through by slot (cheap: it needs only the log), then the estimators on the
  // same log, then more logs for the spread.
  const logs = [];
  let first;
  let truth;
  try {
    const ctr = newCtr(s.lenList);
    if (!(await collectChunks(world, s, s.seed, logs, ctr, cancelled))) return;
    yield { ctr: ctrRows(ctr), main: null, spread: null, done: 0, progress: { done: 0, total, unit: 'logs' } };
    truth = truthFor(world, s);
    const base = { truth, ctr: ctrRows(ctr), replicates: total };
    const m = await slateInputOf(logs, s, cancelled);
    if (!m) return;
    const est = await estimateAll(rv, m.input, s, cancelled);
    if (!est) return;
    first = { ...base, main: { naive: m.logged, est } };
  } finally {
    for (const log of logs) log.free();
  }
  const reps = [first.main];
  yield { ...first, spread: spreadOf(reps, truth), done: 1, progress: { done: 1, total, unit: 'logs' } };

  let lastYield = performance.now();
  for (let r = 1; r < total; r++) {
    await nextTick();
    if (cancelled()) return;
    const rep = await replicate(rv, world, s, s.seed + 100003 * r, cancelled);
    if (!rep) return;
    reps.push(rep);
    const now = performance.now();
    if (r === total - 1 || now - lastYield > 250) {
      lastYield = now;
      yield { ...first, spread: spreadOf(reps, truth), done: reps.length, progress: { done: reps.length, total, unit: 'logs' } };
    }
  }
}
