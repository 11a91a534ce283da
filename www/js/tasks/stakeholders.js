// Lesson 9, "Who else does the recommender serve?": a family of homepage policies indexed by a
// fairness weight γ that blends what users click with a boost for the creators production
// under-exposes; the exact trade-off frontier (engagement, creator-exposure Gini, revenue); every
// objective of the selected policy estimated from one production log with its interval; and the
// creator-viability loop (creators who get too little exposure leave) for clicks-only against γ.
import { getWorld } from './common.js';
import { mulberry32 } from '../numeric.js';

/** The simulated platform: 300 users, 150 items from 40 creators with Zipf-sized catalogues. */
export const WORLD = { nUsers: 300, nItems: 150, nCreators: 40, popularityEffect: 0.2, tasteStrength: 2.5 };
/** The fairness weights of the frontier (the γ slider moves on this grid); past 0.6 every policy is worse on both axes. */
export const GAMMAS = Array.from({ length: 13 }, (_, k) => k / 20);
/** A creator's boost is capped at ln(1/FLOOR): exposure below 1% of the fair share counts as 1%. */
export const FLOOR = 0.01;
/** Bootstrap resamples of the logged users (exposure estimates). */
const BOOT = 200;

export const production = (beta) => ({ kind: 'softmax', beta, score: 'relevance' });
const boostName = (beta) => `stakeholders-boost-${beta}`;
/**
 * The policy with fairness weight γ: a softmax with production's sharpness β over a blend of the
 * standardized click probability (weight 1 − γ) and the standardized creator boost (weight γ); the
 * world re-standardizes the blend, so β means the same for every γ.
 */
export function fairPolicy(beta, gamma) {
  if (gamma === 0) return production(beta);
  if (gamma === 1) return { kind: 'softmax', beta, score: `model:${boostName(beta)}` };
  return { kind: 'softmax', beta, score: { relevance: 1 - gamma, model: boostName(beta), modelWeight: gamma } };
}
const gridIndex = (gamma) => Math.max(0, Math.min(GAMMAS.length - 1, Math.round(gamma * 20)));

/** Gini coefficient (the same formula as the Rust core's stats::gini). */
export function gini(xs) {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += s[i];
    weighted += 2 * (i + 1) * s[i];
  }
  return total > 0 ? weighted / (n * total) - (n + 1) / n : NaN;
}

/** Poisson(λ) draw: Knuth for small λ, a rounded normal otherwise. */
function poisson(lambda, u) {
  if (lambda <= 0) return 0;
  if (lambda > 30) {
    const z = Math.sqrt(-2 * Math.log(u() || 1e-300)) * Math.cos(2 * Math.PI * u());
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }
  const l = Math.exp(-lambda);
  let k = 0;
  let p = u();
  while (p > l) {
    k++;
    p *= u();
  }
  return k;
}
function percentile(xs, q) {
  const s = Float64Array.from(xs).sort();
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function remember(map, key, value, max) {
  map.set(key, value);
  while (map.size > max) {
    const [k, v] = map.entries().next().value;
    map.delete(k);
    v?.free?.();
  }
  return value;
}

// ---- caches (the worker keeps them across runs) ----
let W = { key: null };
const betas = new Map(); // `${seed}:${beta}` → { groups, small, frontier: [] }
const tables = new Map(); // `${seed}:${beta}:${k}` → per-policy arrays (exact)
const logs = new Map(); // `${seed}:${beta}:${size}:${chunk}` → columns of a production log
const estimates = new Map(); // `${seed}:${beta}:${visits}:${k}` → estimate rows
const loops = new Map(); // `${seed}:${beta}:${k}:${threshold}:${rounds}` → rounds

/** The world and what never changes with it (cached per seed). */
function worldOf(rv, seed) {
  const world = getWorld(rv, { seed, ...WORLD });
  if (W.key !== seed || W.world !== world) {
    const creator = world.itemCreator();
    const price = world.itemPrice();
    const rel = world.relevance();
    const arrival = world.arrival();
    const nu = world.nUsers;
    const ni = world.nItems;
    // expected revenue of each user–item pair when shown: P(click) × price
    const revenue = new Float64Array(nu * ni);
    for (let u = 0; u < nu; u++) for (let i = 0; i < ni; i++) revenue[u * ni + i] = rel[u * ni + i] * price[i];
    const pop = world.popularity();
    const byPop = Array.from(pop.keys()).sort((a, b) => pop[b] - pop[a]);
    const tail = new Uint8Array(ni);
    for (const i of byPop.slice(Math.ceil(0.2 * ni))) tail[i] = 1;
    W = { key: seed, world, creator, revenue, arrival, nu, ni, nc: WORLD.nCreators, tail };
  }
  return W;
}

/** Production's creator exposure, the creator boost registered as a model, the bottom half of creators. */
function betaSetup(w, seed, beta) {
  const key = `${seed}:${beta}`;
  let b = betas.get(key);
  // the boost lives in the world as a model: a world rebuilt after getWorld evicted it needs it again
  if (b && b.world === w.world) return b;
  const m0 = w.world.stakeholderMetrics(production(beta));
  const e0 = Array.from(m0.creatorExposure);
  const { nu, ni, nc, creator } = w;
  const perItem = Array.from(creator, (c) => -Math.log(Math.max(nc * e0[c], FLOOR)));
  const scores = new Float64Array(nu * ni);
  for (let u = 0; u < nu; u++) scores.set(perItem, u * ni);
  w.world.addModel(boostName(beta), scores);
  // creators ranked by production's exposure: 0 is the most shown
  const rank = Array.from(e0.keys()).sort((a, c) => e0[c] - e0[a]);
  const group = new Int32Array(nc);
  rank.forEach((c, r) => (group[c] = Math.floor((r * 5) / nc)));
  const small = new Uint8Array(nc);
  rank.slice(nc / 2).forEach((c) => (small[c] = 1));
  b = { key, world: w.world, group, small, frontier: new Array(GAMMAS.length).fill(null) };
  b.frontier[0] = pointOf(m0, b, 0);
  remember(betas, key, b, 6);
  return b;
}

/** Exact stakeholder metrics of the frontier point k (world.stakeholderMetrics). */
function frontierPoint(w, b, beta, k) {
  if (b.frontier[k]) return b.frontier[k];
  b.frontier[k] = pointOf(w.world.stakeholderMetrics(fairPolicy(beta, GAMMAS[k])), b, k);
  return b.frontier[k];
}

function pointOf(m, b, k) {
  let small = 0;
  m.creatorExposure.forEach((e, c) => (small += b.small[c] ? e : 0));
  return { gamma: GAMMAS[k], engagement: m.engagement, revenue: m.revenue, gini: m.creatorGini, tail: m.tailShare, smallExposure: small, creatorExposure: Array.from(m.creatorExposure) };
}

/** The policy's probability table and, from it, per-user creator masses and per-creator revenue. */
function policyDetail(w, b, seed, beta, k) {
  const key = `${seed}:${beta}:${k}`;
  let d = tables.get(key);
  if (d) return d;
  const { nu, ni, nc, creator, revenue, arrival, tail } = w;
  const P = w.world.actionProbabilities(fairPolicy(beta, GAMMAS[k]));
  const userCreator = new Float64Array(nu * nc); // Σ_{i of c} π(i|u)
  const userTail = new Float64Array(nu);
  const creatorRevenue = new Float64Array(nc);
  for (let u = 0; u < nu; u++) {
    const a = arrival[u];
    let t = 0;
    for (let i = 0; i < ni; i++) {
      const p = P[u * ni + i];
      userCreator[u * nc + creator[i]] += p;
      if (tail[i]) t += p;
      creatorRevenue[creator[i]] += a * p * revenue[u * ni + i];
    }
    userTail[u] = t;
  }
  let all = 0;
  let small = 0;
  creatorRevenue.forEach((r, c) => {
    all += r;
    if (b.small[c]) small += r;
  });
  d = { P, userCreator, userTail, creatorRevenue: Array.from(creatorRevenue), smallRevenue: small / all };
  remember(tables, key, d, 6);
  return d;
}

/** Rows per collected chunk: a larger log is several chunks, so that no step takes long. */
const CHUNK = 10000;

/**
 * The production log's columns, one chunk of at most CHUNK visits (cached per seed, β, size and
 * chunk). Chunks are independent logs of the same policy, so together they are one larger log.
 */
function logChunk(w, seed, beta, size, c) {
  const key = `${seed}:${beta}:${size}:${c}`;
  let L = logs.get(key);
  if (L) return L;
  const log = w.world.collect(production(beta), { nRounds: size, seed: 7919 * seed + 101 + 31 * c });
  try {
    L = { user: log.user, action: log.action, pscore: log.pscore, click: log.reward, revenue: log.signal('revenue') };
  } finally {
    log.free();
  }
  return remember(logs, key, L, 8);
}
const chunkSizes = (visits) => Array.from({ length: Math.ceil(visits / CHUNK) }, (_, c) => Math.min(CHUNK, visits - c * CHUNK));

const Z = 1.959963984540054;

/**
 * Every objective of policy k estimated from the production log: clicks and revenue per visit with
 * IPS and SNIPS (receval's estimators and normal intervals), the bottom half's revenue share (a
 * ratio of two IPS sums, delta-method interval), and the exposure metrics, which need no rewards
 * at all: π_e is known, only which users visit is estimated, from the logged users (Poisson
 * bootstrap over them). A generator: it yields between the expensive parts.
 */
function* estimateSteps(rv, w, b, d, s, k) {
  const { ni, nc, nu, creator } = w;
  const chunks = [];
  for (const [c, size] of chunkSizes(s.visits).entries()) {
    chunks.push(logChunk(w, s.seed, s.beta, size, c));
    yield;
  }
  const cat = (key, Type) => {
    const out = new Type(s.visits);
    let at = 0;
    for (const L of chunks) {
      out.set(L[key], at);
      at += L[key].length;
    }
    return out;
  };
  const user = cat('user', Int32Array);
  const action = cat('action', Int32Array);
  const pscore = cat('pscore', Float64Array);
  const click = cat('click', Float64Array);
  const rev = cat('revenue', Float64Array);
  const n = user.length;
  // IPS and SNIPS read π_e only at the logged item, so π_e goes in as two columns: the logged item
  // and "anything else" (action 0 and 1). This keeps the input n × 2 instead of n × 150; a
  // model-based estimator (DM, DR) would need the full distribution.
  const piE = new Float64Array(n);
  const actionDist = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    piE[j] = d.P[user[j] * ni + action[j]];
    actionDist[2 * j] = piE[j];
    actionDist[2 * j + 1] = 1 - piE[j];
  }
  const input = (reward) => ({ reward, action: new Int32Array(n), pscore, actionDist, nActions: 2 });
  const read = (rows) => Object.fromEntries(rows.map((x) => [x.estimatorName === 'ipw' ? 'ips' : 'snips', { estimate: x.estimate, lower: x.lower, upper: x.upper }]));
  const clicks = read(rv.summarizeOffPolicyEstimates(input(click), ['ipw', 'snipw'], { method: 'normal' }));
  const revenue = read(rv.summarizeOffPolicyEstimates(input(rev), ['ipw', 'snipw'], { method: 'normal' }));
  yield;
  // Revenue share of the bottom half: Σ w r·1[small] / Σ w r, with the delta method.
  let sa = 0;
  let sb = 0;
  let logged = 0;
  const counts = new Float64Array(nu);
  for (let j = 0; j < n; j++) {
    const x = (piE[j] / pscore[j]) * rev[j];
    sb += x;
    if (b.small[creator[action[j]]]) sa += x;
    counts[user[j]]++;
    logged += click[j];
  }
  const ratio = sb > 0 ? sa / sb : NaN;
  let v = 0;
  for (let j = 0; j < n; j++) {
    const x = (piE[j] / pscore[j]) * rev[j];
    const e = (b.small[creator[action[j]]] ? x : 0) - ratio * x;
    v += e * e;
  }
  const se = sb > 0 ? Math.sqrt(v) / sb : NaN;
  // Exposure from π_e and the logged users.
  const exposureOf = (weights, total) => {
    const e = new Float64Array(nc);
    let t = 0;
    for (let u = 0; u < nu; u++) {
      const wu = weights[u];
      if (!wu) continue;
      for (let c = 0; c < nc; c++) e[c] += wu * d.userCreator[u * nc + c];
      t += wu * d.userTail[u];
    }
    let small = 0;
    for (let c = 0; c < nc; c++) {
      e[c] /= total;
      if (b.small[c]) small += e[c];
    }
    return { gini: gini(e), tail: t / total, small };
  };
  const point = exposureOf(counts, n);
  const u = mulberry32(s.seed * 2654435761 + k * 97 + 13);
  const boot = { gini: [], tail: [], small: [] };
  const weights = new Float64Array(nu);
  for (let r = 0; r < BOOT; r++) {
    let total = 0;
    for (let x = 0; x < nu; x++) {
      weights[x] = poisson(counts[x], u);
      total += weights[x];
    }
    const e = exposureOf(weights, total);
    boot.gini.push(e.gini);
    boot.tail.push(e.tail);
    boot.small.push(e.small);
  }
  // The Gini of noisy shares is biased upwards (noise looks like inequality), most when the true
  // Gini is small and the log is short. Subtract the bootstrap's estimate of that bias and use the
  // basic bootstrap interval, which reflects the resamples around the point estimate (the
  // percentile interval would inherit the bias and miss the truth).
  const pi = (key) => {
    const m = boot[key].reduce((a, x) => a + x, 0) / BOOT;
    return { estimate: 2 * point[key] - m, lower: 2 * point[key] - percentile(boot[key], 0.975), upper: 2 * point[key] - percentile(boot[key], 0.025) };
  };
  return {
    n,
    logged: logged / n,
    clicks,
    revenue,
    smallRevenue: { estimate: ratio, lower: ratio - Z * se, upper: ratio + Z * se },
    gini: pi('gini'),
    tail: pi('tail'),
    smallExposure: pi('small'),
  };
}

function loop(w, seed, beta, k, threshold, rounds) {
  const key = `${seed}:${beta}:${k}:${threshold}:${rounds}`;
  let r = loops.get(key);
  if (!r) r = remember(loops, key, w.world.creatorDynamics(fairPolicy(beta, GAMMAS[k]), { rounds, threshold }), 8);
  return r;
}

export async function* stakeholders(rv, s, cancelled) {
  const w = worldOf(rv, s.seed);
  const beta = s.beta;
  const k = gridIndex(s.gamma);
  const b = betaSetup(w, s.seed, beta);
  const total = GAMMAS.length + 3;
  let done = 0;
  const out = { gamma: GAMMAS[k], beta, frontier: [], selected: null, production: null, groups: null, estimates: null, loop: null, progress: null };
  const snapshot = () => {
    out.frontier = b.frontier.filter(Boolean).map(({ creatorExposure, ...p }) => p);
    done = b.frontier.filter(Boolean).length + (out.estimates ? 1 : 0) + (out.loop?.clicksOnly ? 1 : 0) + (out.loop?.fair ? 1 : 0);
    return { ...out, progress: { done, total, unit: 'steps' } };
  };

  // 1. The exact metrics of production and of the selected policy (the frontier's first points).
  const p0 = frontierPoint(w, b, beta, 0);
  const pk = frontierPoint(w, b, beta, k);
  const strip = ({ creatorExposure, ...p }) => p;
  out.production = strip(p0);
  out.selected = strip(pk);
  yield snapshot();

  // 2. Who gets shown and who earns: per-creator revenue needs the policies' probability tables.
  if (cancelled()) return;
  const d0 = policyDetail(w, b, s.seed, beta, 0);
  const dk = policyDetail(w, b, s.seed, beta, k);
  const groupShares = (exposure, rev) => {
    const e = new Array(5).fill(0);
    const r = new Array(5).fill(0);
    const rt = rev.reduce((a, x) => a + x, 0);
    exposure.forEach((x, c) => (e[b.group[c]] += x));
    rev.forEach((x, c) => (r[b.group[c]] += x / rt));
    return { exposure: e, revenue: r };
  };
  out.production = { ...out.production, smallRevenue: d0.smallRevenue };
  out.selected = { ...out.selected, smallRevenue: dk.smallRevenue };
  out.groups = { production: groupShares(p0.creatorExposure, d0.creatorRevenue), selected: groupShares(pk.creatorExposure, dk.creatorRevenue) };
  yield snapshot();

  // 3. The rest of the frontier, a few policies per step (cached per seed and β).
  let since = performance.now();
  let pending = false;
  for (let j = 0; j < GAMMAS.length; j++) {
    if (b.frontier[j]) continue;
    if (cancelled()) return;
    frontierPoint(w, b, beta, j);
    pending = true;
    if (performance.now() - since > 25) {
      yield snapshot();
      since = performance.now();
      pending = false;
    }
  }
  if (pending) yield snapshot();

  // 4. Off-policy estimates of every objective from one production log.
  const ekey = `${s.seed}:${beta}:${s.visits}:${k}`;
  let e = estimates.get(ekey);
  if (!e) {
    const steps = estimateSteps(rv, w, b, dk, s, k);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) {
        e = remember(estimates, ekey, r.value, 12);
        break;
      }
      if (cancelled()) {
        steps.return();
        return;
      }
      yield snapshot();
    }
  }
  out.estimates = e;
  yield snapshot();

  // 5. The creator-viability loop: clicks only against the selected γ.
  if (cancelled()) return;
  const clicksOnly = loop(w, s.seed, beta, 0, s.threshold, s.rounds);
  out.loop = { clicksOnly, fair: null };
  if (k === 0) out.loop.fair = clicksOnly;
  else {
    yield snapshot();
    if (cancelled()) return;
    out.loop.fair = loop(w, s.seed, beta, k, s.threshold, s.rounds);
  }
  out.loop = { ...out.loop };
  yield snapshot();
}
