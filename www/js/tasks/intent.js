// Lesson 6, "A skip is not always a dislike". Sessions of five tracks have a hidden intent:
// listening (a skip means "I don't like this") or sampling tracks for a playlist (almost every
// track is skipped after a short preview, liked or not; liked ones get saved). Two candidate
// recommenders rank each user's tracks by the same personal taste score plus a track-quality score
// learned from production logs: A learned it with "not skipped" (stream) as the reward, B with an
// intent-aware reward that reads saves in sessions recognised as sampling. Which one is better?
//
// The truth is how many of their tracks users like. Every number that has an exact value here is
// computed exactly from the world's tables and its response model: the expected value of every
// signal per session for each candidate, its variance (so the width of an A/B test's interval at
// any size is known in advance), and even the intent-aware reward with a fallible classifier (a
// small dynamic programme over the tracks of a session). One A/B test is simulated at the chosen
// size, and the sweep repeats the training and the exact evaluation as the share of sampling
// sessions grows.
import { nextTick } from './common.js';
import { mulberry32, normals } from '../numeric.js';

/** Tracks per session; every one of them is heard (a queue: η = 0, no position bias). */
export const LEN = 5;
/** A small catalog with strong tastes over three topics and no visible user features, so a model
 * fitted on the logs can only learn how good each track is for everybody: a track-quality score. */
export const WORLD = { nUsers: 500, nItems: 60, nTopics: 3, nFeatures: 0, tasteStrength: 3, popularityEffect: 0.4, baseClickRate: 0.2, positionBias: { model: 'pbm', eta: 0 } };
/** Users who love topic 0 sample more (logit units per sd of their taste for topic 0). */
export const TASTE_LINK = 3;
/** Standard deviation of the error of the personal taste score, relative to the true taste. */
export const PERSONAL_NOISE = 1;
/** Weight of the learned track-quality score next to the personal score (both standardized). */
export const QUALITY_WEIGHT = 1.5;
/** L2 penalty of the quality score (a ridge regression on an intercept: a shrunken mean). */
export const RIDGE_LAMBDA = 1;
/** Production sessions the two quality scores are learned from, collected in chunks. */
export const TRAIN_SESSIONS = 4000;
export const TRAIN_CHUNK = 1000;
/** Production: share of sessions from the user's personal top 10 (the rest shuffle the catalog). */
export const PRODUCTION_PERSONAL = 0.7;
/** Sessions per arm in one step of the A/B test (fixed, so that a run is reproducible). */
export const CHUNK = 1000;
/** Shares of sampling sessions in the sweep (and the steps of the slider). */
export const SHARES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Normal quantile of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * The world's response model (src/world/mod.rs, `response`), per intent (0 listening, 1 sampling):
 * P(skip | liked), P(skip | disliked), P(save | liked), mean seconds of a skip (liked, disliked;
 * uniform on ±50%), and streams last 60–240 s. The task checks these against the world's own
 * expected signals and stops with an error if the core changed.
 */
export const RESPONSE = {
  skip: [[0.05, 0.85], [0.9, 0.9]],
  save: [0.05, 0.6],
  skipSeconds: [[20, 5], [25, 8]],
  streamSeconds: [60, 240],
};
/** What the intent-aware reward divides by: P(stream | liked / disliked, listening), P(save | liked, sampling). */
const HI = 1 - RESPONSE.skip[0][0];
const LO = 1 - RESPONSE.skip[0][1];
const SV = RESPONSE.save[1];
/** A skip at least this long (seconds) is a preview: listeners skip what they dislike in 2.5–7.5 s. */
export const PREVIEW_SECONDS = 7.5;

export const METHODS = ['burst', 'dwell', 'declared'];
/** Sessions taken for sampling: skips (burst) or previews (dwell) at least this many. */
const THRESHOLD = { burst: 4, dwell: 2, declared: Infinity };
/** What the A/B tests measure per session; `click` (liked) is hidden in a real service. */
export const SIGNALS = ['click', 'stream', 'skip', 'dwell', 'save', 'thumbsUp', 'intentAware'];
const LOGGED = ['click', 'stream', 'skip', 'dwell', 'save', 'thumbsUp'];

export const production = () => ({
  kind: 'mixture',
  components: [
    { weight: PRODUCTION_PERSONAL, policy: { kind: 'top-k', k: 10, score: 'model:personal' } },
    { weight: 1 - PRODUCTION_PERSONAL, policy: { kind: 'top-k', k: WORLD.nItems, score: 'popularity' } },
  ],
});
/** A candidate: each user's top five by the combined score registered under `name`. */
export const candidate = (name) => ({ kind: 'top-k', k: LEN, score: `model:${name}` });

const worldConfig = (seed, base, declared) => ({ seed, ...WORLD, intent: { samplingShare: base, tasteLink: TASTE_LINK, declaredShare: declared } });

const sigmoid = (x) => 1 / (1 + Math.exp(-x));
/** Each seed's users: arrival probabilities and taste for topic 0 (they do not depend on intents). */
const usersOf = new Map();
/**
 * The world's `samplingShare` is the propensity of a user with average taste; with the taste link,
 * the share of sessions spent sampling differs. Find the `samplingShare` under which the share of
 * sessions (users weighted by how often they arrive) is `share` (bisection on the logit scale).
 */
function samplingBase(rv, seed, share) {
  if (share <= 0 || share >= 1) return share;
  let u = usersOf.get(seed);
  if (!u) {
    const probe = new rv.World(worldConfig(seed, 0.5, 0));
    try {
      u = { arrival: probe.arrival(), taste0: Float64Array.from({ length: probe.nUsers }, (_, i) => probe.userTaste(i)[0]) };
    } finally {
      probe.free();
    }
    remember(usersOf, seed, u, 8);
  }
  const shareAt = (b) => u.arrival.reduce((acc, w, i) => acc + w * sigmoid(b + TASTE_LINK * u.taste0[i]), 0);
  let lo = -30;
  let hi = 30;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (shareAt(mid) < share) lo = mid;
    else hi = mid;
  }
  return sigmoid((lo + hi) / 2);
}

// ----- small helpers -----

/** Standardize each user's row (mean 0, sd 1) in place. */
function standardizeRows(x, ni) {
  for (let o = 0; o < x.length; o += ni) {
    let m = 0;
    for (let i = 0; i < ni; i++) m += x[o + i];
    m /= ni;
    let v = 0;
    for (let i = 0; i < ni; i++) v += (x[o + i] - m) ** 2;
    const sd = Math.sqrt(v / ni) || 1;
    for (let i = 0; i < ni; i++) x[o + i] = (x[o + i] - m) / sd;
  }
  return x;
}

const remember = (map, key, value, max, onEvict) => {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const [k, v] = map.entries().next().value;
    map.delete(k);
    onEvict?.(v);
  }
  return value;
};

/**
 * Which sessions look like sampling (1) or listening (0). A declared intent is used when there is
 * one; otherwise `burst`: at least 4 of the 5 tracks skipped; `dwell`: at least 2 skips that lasted
 * a preview (≥ 7.5 s); `declared`: undeclared sessions count as listening.
 */
export function classify(method, skip, dwell, declared) {
  const n = skip.length / LEN;
  const out = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    const r0 = s * LEN;
    if (declared[r0] >= 0) {
      out[s] = declared[r0];
      continue;
    }
    if (method === 'declared') continue;
    let skips = 0;
    let previews = 0;
    for (let r = r0; r < r0 + LEN; r++) {
      if (skip[r] > 0) {
        skips++;
        if (dwell[r] >= PREVIEW_SECONDS) previews++;
      }
    }
    out[s] = Number((method === 'burst' ? skips : previews) >= THRESHOLD[method]);
  }
  return out;
}

/**
 * The intent-aware reward of each play: (stream − 0.15)/0.80 in a session taken for listening,
 * save/0.60 in one taken for sampling. Either has expectation P(liked) when the intent is right.
 */
export function intentAwareRewards(cls, stream, save) {
  const out = new Float64Array(stream.length);
  for (let r = 0; r < out.length; r++) out[r] = cls[Math.floor(r / LEN)] ? save[r] / SV : (stream[r] - LO) / (HI - LO);
  return out;
}

const emptyConfusion = () => ({ tp: 0, fp: 0, fn: 0, tn: 0 });
/** Add the confusion counts of a classification against the hidden intent (one entry per session). */
function addConfusion(c, cls, intent) {
  for (let s = 0; s < cls.length; s++) {
    const truth = intent[s * LEN] === 1;
    if (cls[s]) truth ? c.tp++ : c.fp++;
    else truth ? c.fn++ : c.tn++;
  }
  return c;
}

// ----- exact moments of a session's signals -----
//
// Given the intent, a track's signals depend on whether the user liked it (probability r) and on
// independent draws, so every moment below is r × (its value for a liked track) + (1 − r) × (its
// value for a disliked one). The constants per intent and liked/disliked are computed once.

/** Per intent (0, 1) and liked (0) / disliked (1): mean and second moment of each logged signal. */
const TRACK = [0, 1].map((intent) =>
  [0, 1].map((k) => {
    const ps = RESPONSE.skip[intent][k];
    const d = RESPONSE.skipSeconds[intent][k];
    const [a, b] = RESPONSE.streamSeconds;
    const liked = k === 0 ? 1 : 0;
    const dwell = ps * d + (1 - ps) * (a + b) / 2;
    const dwell2 = (ps * d * d * 13) / 12 + ((1 - ps) * (a * a + a * b + b * b)) / 3; // skips uniform on [d/2, 3d/2]
    return { click: liked, stream: 1 - ps, skip: ps, dwell, dwell2, save: liked * RESPONSE.save[intent] };
  }),
);

/**
 * Per method, intent and liked/disliked: a track's contribution to the intent-aware reward split by
 * whether it counts towards "sampling" (event e = 1: a skip for `burst`, a preview for `dwell`):
 * P(e), E[R; e], E[R²; e] for the listening reward (stream − lo)/(hi − lo) (index 0) and for the
 * sampling reward save/sv (index 1). Layout: [p0, p1, mL0, mL1, sL0, sL1, mS0, mS1, sS0, sS1].
 */
const AWARE = Object.fromEntries(
  METHODS.map((method) => [
    method,
    [0, 1].map((intent) =>
      [1, 0].map((liked) => {
        const out = new Float64Array(10);
        const ps = RESPONSE.skip[intent][liked ? 0 : 1];
        const d = RESPONSE.skipSeconds[intent][liked ? 0 : 1];
        const long = Math.min(1, Math.max(0, (1.5 * d - PREVIEW_SECONDS) / d)); // P(a skip lasts a preview)
        const pv = liked ? RESPONSE.save[intent] : 0;
        for (const [skip, pk] of [[1, ps], [0, 1 - ps]]) {
          for (const [prev, pg] of skip ? [[1, long], [0, 1 - long]] : [[0, 1]]) {
            for (const [save, pw] of [[1, pv], [0, 1 - pv]]) {
              const q = pk * pg * pw;
              const e = method === 'burst' ? skip : method === 'dwell' ? prev : 0;
              const rl = (1 - skip - LO) / (HI - LO);
              const rs = save / SV;
              out[e] += q;
              out[2 + e] += q * rl;
              out[4 + e] += q * rl * rl;
              out[6 + e] += q * rs;
              out[8 + e] += q * rs * rs;
            }
          }
        }
        return out;
      }),
    ),
  ]),
);

// Scratch space of the dynamic programme over a session's tracks (count of events c = 0…LEN):
// P(c), E[S; c] and E[S²; c] for the listening (L) and sampling (S) rewards.
const K = LEN + 1;
const dp = Array.from({ length: 10 }, () => new Float64Array(K));
const track = new Float64Array(10);

/**
 * E[S], E[S²] and P(taken for sampling) of the intent-aware reward summed over a session's tracks,
 * given the intent. The classifier counts events over the five tracks, so they are coupled; the
 * programme adds one track at a time (tracks are independent given the user and the intent).
 */
function awareSession(rs, intent, method, declaredShare) {
  const [f, gL, hL, gS, hS, nf, ngL, nhL, ngS, nhS] = dp;
  for (const a of dp) a.fill(0);
  f[0] = 1;
  const [liked, disliked] = AWARE[method][intent];
  for (const r of rs) {
    for (let j = 0; j < 10; j++) track[j] = r * liked[j] + (1 - r) * disliked[j];
    for (const a of [nf, ngL, nhL, ngS, nhS]) a.fill(0);
    for (let c = 0; c < LEN; c++) {
      if (f[c] === 0) continue;
      for (let e = 0; e < 2; e++) {
        const pe = track[e];
        const x = c + e;
        nf[x] += f[c] * pe;
        ngL[x] += gL[c] * pe + f[c] * track[2 + e];
        nhL[x] += hL[c] * pe + 2 * gL[c] * track[2 + e] + f[c] * track[4 + e];
        ngS[x] += gS[c] * pe + f[c] * track[6 + e];
        nhS[x] += hS[c] * pe + 2 * gS[c] * track[6 + e] + f[c] * track[8 + e];
      }
    }
    f.set(nf);
    gL.set(ngL);
    hL.set(nhL);
    gS.set(ngS);
    hS.set(nhS);
  }
  const thr = THRESHOLD[method];
  let m = 0;
  let m2 = 0;
  let pSampling = 0;
  let mL = 0;
  let m2L = 0;
  let mS = 0;
  let m2S = 0;
  for (let c = 0; c <= LEN; c++) {
    if (c >= thr) {
      m += gS[c];
      m2 += hS[c];
      pSampling += f[c];
    } else {
      m += gL[c];
      m2 += hL[c];
    }
    mL += gL[c];
    m2L += hL[c];
    mS += gS[c];
    m2S += hS[c];
  }
  // A declared session is read with its true intent.
  const d = declaredShare;
  return {
    m: d * (intent ? mS : mL) + (1 - d) * m,
    m2: d * (intent ? m2S : m2L) + (1 - d) * m2,
    pSampling: d * intent + (1 - d) * pSampling,
  };
}

/** The world's tables (read once per world) and a check that RESPONSE still matches the core. */
function tables(ctx) {
  if (!ctx.tables) {
    const w = ctx.world;
    const t = { arrival: w.arrival(), sampling: w.userSampling(), rel: w.relevance(), thumbs: w.expectedSignal('thumbsUp') };
    const ni = WORLD.nItems;
    const share = t.arrival.reduce((acc, a, u) => acc + a * t.sampling[u], 0);
    if (Math.abs(share - ctx.share) > 1e-6) {
      throw new Error(`the intent lesson's sampling share is ${share}, not ${ctx.share}: the core's sampling propensity changed; update samplingBase in www/js/tasks/intent.js`);
    }
    for (const s of ['stream', 'dwell', 'save']) {
      const tab = w.expectedSignal(s);
      for (let x = 0; x < tab.length; x += 97) {
        const p = t.sampling[Math.floor(x / ni)];
        const r = t.rel[x];
        const at = (intent) => r * TRACK[intent][0][s] + (1 - r) * TRACK[intent][1][s];
        const mine = (1 - p) * at(0) + p * at(1);
        if (Math.abs(mine - tab[x]) > 1e-9 * Math.max(1, Math.abs(tab[x]))) {
          throw new Error(`the intent lesson's response model no longer matches the core (${s}: ${mine} vs ${tab[x]}); update RESPONSE in www/js/tasks/intent.js`);
        }
      }
    }
    ctx.tables = t;
  }
  return ctx.tables;
}

/**
 * Exact mean and variance per session of every signal for a candidate (its top five per user),
 * liked tracks in listening and in sampling sessions, and how often the classifier takes a session
 * for sampling, by true intent.
 */
function exactValues(ctx, top, method, declaredShare) {
  const t = tables(ctx);
  const ni = WORLD.nItems;
  const m1 = Object.fromEntries(SIGNALS.map((s) => [s, 0]));
  const m2 = Object.fromEntries(SIGNALS.map((s) => [s, 0]));
  const liked = [0, 0];
  const weight = [0, 0];
  const flagged = [0, 0];
  const rs = new Float64Array(LEN);
  const th = new Float64Array(LEN);
  for (let u = 0; u < t.arrival.length; u++) {
    const w = t.arrival[u];
    if (w === 0) continue;
    for (let k = 0; k < LEN; k++) {
      const x = u * ni + top[u * LEN + k];
      rs[k] = t.rel[x];
      th[k] = t.thumbs[x];
    }
    for (const intent of [0, 1]) {
      const pi = intent ? t.sampling[u] : 1 - t.sampling[u];
      if (pi === 0) continue;
      const wi = w * pi;
      const [L, D] = TRACK[intent];
      let click = 0;
      let clickV = 0;
      let stream = 0;
      let streamV = 0;
      let dwell = 0;
      let dwellV = 0;
      let save = 0;
      let saveV = 0;
      let thumbs = 0;
      let thumbsV = 0;
      for (let k = 0; k < LEN; k++) {
        const r = rs[k];
        const q = 1 - r;
        click += r;
        clickV += r * q;
        const st = r * L.stream + q * D.stream;
        stream += st;
        streamV += st * (1 - st);
        const dw = r * L.dwell + q * D.dwell;
        dwell += dw;
        dwellV += r * L.dwell2 + q * D.dwell2 - dw * dw;
        const sv = r * L.save + q * D.save;
        save += sv;
        saveV += sv * (1 - sv);
        thumbs += th[k];
        thumbsV += th[k] * (1 - th[k]);
      }
      const skip = LEN - stream;
      m1.click += wi * click;
      m2.click += wi * (clickV + click * click);
      m1.stream += wi * stream;
      m2.stream += wi * (streamV + stream * stream);
      m1.skip += wi * skip;
      m2.skip += wi * (streamV + skip * skip);
      m1.dwell += wi * dwell;
      m2.dwell += wi * (dwellV + dwell * dwell);
      m1.save += wi * save;
      m2.save += wi * (saveV + save * save);
      m1.thumbsUp += wi * thumbs;
      m2.thumbsUp += wi * (thumbsV + thumbs * thumbs);
      const a = awareSession(rs, intent, method, declaredShare);
      m1.intentAware += wi * a.m;
      m2.intentAware += wi * a.m2;
      liked[intent] += wi * click;
      weight[intent] += wi;
      flagged[intent] += wi * a.pSampling;
    }
  }
  return {
    mean: m1,
    variance: Object.fromEntries(SIGNALS.map((s) => [s, Math.max(0, m2[s] - m1[s] ** 2)])),
    listening: weight[0] > 0 ? liked[0] / weight[0] : NaN,
    sampling: weight[1] > 0 ? liked[1] / weight[1] : NaN,
    /** P(taken for sampling | listening), P(taken for sampling | sampling) in this candidate's sessions. */
    flagged: [weight[0] > 0 ? flagged[0] / weight[0] : NaN, weight[1] > 0 ? flagged[1] / weight[1] : NaN],
  };
}

// ----- one world (one share of sampling sessions): train, evaluate exactly -----

/** The personal taste score of a seed: true relevance plus noise, standardized per user. */
const personalScores = new Map();
function personal(world, seed) {
  let p = personalScores.get(seed);
  if (!p) {
    const ni = WORLD.nItems;
    const rel = standardizeRows(world.relevance(), ni);
    const noise = standardizeRows(normals(mulberry32(Math.imul(seed, 2654435761) + 12345), rel.length), ni);
    p = standardizeRows(rel.map((x, i) => x + PERSONAL_NOISE * noise[i]), ni);
    remember(personalScores, seed, p, 4);
  }
  return p;
}

/** Worlds with their training statistics and registered scores, by (seed, declared share, share):
 * the shares the learner looked at, and (separately, so they do not push those out) the sweep's. */
const contexts = new Map();
const sweepContexts = new Map();
/** Trained and exactly evaluated points, by (seed, declared share, method, share). */
const points = new Map();
/** Simulated A/B chunks of a point, by the same key. */
const abChunks = new Map();

const freeContext = (ctx) => ctx.world.free();

function context(rv, seed, share, declared, forSweep = false) {
  const key = `${seed}|${declared}|${share}`;
  const pool = forSweep ? sweepContexts : contexts;
  const hit = contexts.get(key) ?? sweepContexts.get(key);
  if (hit) {
    if (forSweep) return contexts.get(key) === hit ? hit : remember(sweepContexts, key, hit, 2, freeContext);
    sweepContexts.delete(key); // a share the learner now looks at moves to the main pool
    return remember(contexts, key, hit, 3, freeContext);
  }
  const world = new rv.World(worldConfig(seed, samplingBase(rv, seed, share), declared));
  world.addModel('personal', personal(world, seed));
  const ni = WORLD.nItems;
  const ctx = {
    key,
    seed,
    share,
    declared,
    world,
    chunks: 0,
    plays: new Float64Array(ni),
    stream: new Float64Array(ni),
    aware: Object.fromEntries(METHODS.map((m) => [m, new Float64Array(ni)])),
    classifier: Object.fromEntries(METHODS.map((m) => [m, emptyConfusion()])),
    sessions: { listening: 0, sampling: 0, declared: 0 },
    candidates: new Map(),
    tables: null,
  };
  return remember(pool, key, ctx, forSweep ? 2 : 3, freeContext);
}

/** Collect one more chunk of the production log and add it to the training statistics. */
function trainChunk(ctx) {
  const log = ctx.world.collect(production(), { nRounds: TRAIN_CHUNK, lenList: LEN, seed: ctx.seed * 1009 + 17 + ctx.chunks * 7 });
  try {
    const action = log.action;
    const skip = log.signal('skip');
    const dwell = log.signal('dwell');
    const stream = log.signal('stream');
    const save = log.signal('save');
    const declared = log.declared;
    const intent = log.intent;
    for (let r = 0; r < action.length; r++) {
      ctx.plays[action[r]]++;
      ctx.stream[action[r]] += stream[r];
    }
    for (const m of METHODS) {
      const cls = classify(m, skip, dwell, declared);
      addConfusion(ctx.classifier[m], cls, intent);
      const reward = intentAwareRewards(cls, stream, save);
      for (let r = 0; r < action.length; r++) ctx.aware[m][action[r]] += reward[r];
    }
    for (let s = 0; s < TRAIN_CHUNK; s++) {
      ctx.sessions[intent[s * LEN] ? 'sampling' : 'listening']++;
      if (declared[s * LEN] >= 0) ctx.sessions.declared++;
    }
  } finally {
    log.free();
  }
  ctx.chunks++;
}

const trainChunks = Math.ceil(TRAIN_SESSIONS / TRAIN_CHUNK);
const trainedContext = (ctx) => ctx.chunks >= trainChunks;

/**
 * A candidate: the quality score learned from the production log (per track, a ridge regression
 * on an intercept: Σ reward / (plays + λ), what `fitRecommender(…, { kind: 'ridge' })` fits when
 * users have no features), combined with the personal score and registered as `name`; returns
 * each user's top five tracks and the quality scores.
 */
function learnCandidate(ctx, name, sums) {
  const hit = ctx.candidates.get(name);
  if (hit) return hit;
  const ni = WORLD.nItems;
  const quality = new Float64Array(ni);
  for (let i = 0; i < ni; i++) quality[i] = sums[i] / (ctx.plays[i] + RIDGE_LAMBDA);
  const p = personal(ctx.world, ctx.seed);
  const nu = p.length / ni;
  const qz = standardizeRows(Float64Array.from(quality), ni);
  const combined = standardizeRows(p.map((x, k) => x + QUALITY_WEIGHT * qz[k % ni]), ni);
  ctx.world.addModel(name, combined);
  const top = new Int32Array(nu * LEN);
  for (let u = 0; u < nu; u++) {
    const o = u * ni;
    const t = u * LEN;
    let filled = 0;
    // insertion into a sorted list of the best LEN (ties: lower index first)
    for (let i = 0; i < ni; i++) {
      const v = combined[o + i];
      let k = filled;
      while (k > 0 && combined[o + top[t + k - 1]] < v) k--;
      if (k >= LEN) continue;
      for (let j = Math.min(filled, LEN - 1); j > k; j--) top[t + j] = top[t + j - 1];
      top[t + k] = i;
      if (filled < LEN) filled++;
    }
  }
  const out = { top, quality: Array.from(quality) };
  ctx.candidates.set(name, out);
  return out;
}

const nameA = 'cand-stream';
const nameB = (method) => `cand-aware-${method}`;
const learnBoth = (ctx, method) => ({ a: learnCandidate(ctx, nameA, ctx.stream), b: learnCandidate(ctx, nameB(method), ctx.aware[method]) });

const pointKey = (s, share) => `${s.seed}|${s.declared}|${s.method}|${share}`;

/** Both candidates at one share (from a fully trained context), evaluated exactly. */
function evaluatePoint(ctx, s, share) {
  const key = pointKey(s, share);
  const hit = points.get(key);
  if (hit) return hit;
  const { a, b } = learnBoth(ctx, s.method);
  let moved = 0;
  for (let u = 0; u < a.top.length / LEN; u++) {
    const setA = new Set(a.top.subarray(u * LEN, (u + 1) * LEN));
    for (let k = 0; k < LEN; k++) if (!setA.has(b.top[u * LEN + k])) moved++;
  }
  const point = {
    share,
    classifier: structuredClone(ctx.classifier),
    sessions: { ...ctx.sessions },
    exact: { A: exactValues(ctx, a.top, s.method, s.declared), B: exactValues(ctx, b.top, s.method, s.declared) },
    /** Share of the tracks B recommends that A does not. */
    differ: moved / a.top.length,
  };
  return remember(points, key, point, 400);
}

// ----- the simulated A/B test -----

function newArm() {
  const m = () => ({ n: 0, sum: 0, sq: 0 });
  return { ...Object.fromEntries(SIGNALS.map((k) => [k, m()])), likedListening: m(), likedSampling: m(), classified: emptyConfusion() };
}

const add = (acc, x) => {
  acc.n++;
  acc.sum += x;
  acc.sq += x * x;
};

/** One chunk of one arm: CHUNK sessions with the candidate, every per-session sum accumulated. */
function abChunk(ctx, method, name, seed) {
  const log = ctx.world.collect(candidate(name), { nRounds: CHUNK, lenList: LEN, seed });
  try {
    const col = Object.fromEntries(LOGGED.map((k) => [k, log.signal(k)]));
    const intent = log.intent;
    const cls = classify(method, col.skip, col.dwell, log.declared);
    const arm = newArm();
    addConfusion(arm.classified, cls, intent);
    const all = [...LOGGED.map((k) => [k, col[k]]), ['intentAware', intentAwareRewards(cls, col.stream, col.save)]];
    for (let q = 0; q < CHUNK; q++) {
      const r0 = q * LEN;
      for (const [k, x] of all) {
        let v = 0;
        for (let r = r0; r < r0 + LEN; r++) v += x[r];
        add(arm[k], v);
        if (k === 'click') add(intent[r0] ? arm.likedSampling : arm.likedListening, v);
      }
    }
    return arm;
  } finally {
    log.free();
  }
}

function mergeArms(list) {
  const out = newArm();
  for (const arm of list) {
    for (const k of Object.keys(out)) {
      if (k === 'classified') {
        for (const c of Object.keys(out.classified)) out.classified[c] += arm.classified[c];
        continue;
      }
      out[k].n += arm[k].n;
      out[k].sum += arm[k].sum;
      out[k].sq += arm[k].sq;
    }
  }
  return out;
}

/** Mean and standard error of the mean of an accumulator. */
function meanSe(acc) {
  if (!(acc.n > 0)) return { mean: NaN, se: NaN, n: 0 };
  const mean = acc.sum / acc.n;
  const v = acc.n > 1 ? Math.max(0, (acc.sq - acc.n * mean * mean) / (acc.n - 1)) : NaN;
  return { mean, se: Math.sqrt(v / acc.n), n: acc.n };
}

/** An A/B test: per signal, each arm's mean per session and its standard error. */
function summarizeAb(chunks) {
  const A = mergeArms(chunks.map((c) => c.A));
  const B = mergeArms(chunks.map((c) => c.B));
  const out = { sessions: A.click.n, A: {}, B: {}, classified: mergeArms([A, B]).classified };
  for (const k of [...SIGNALS, 'likedListening', 'likedSampling']) {
    out.A[k] = meanSe(A[k]);
    out.B[k] = meanSe(B[k]);
  }
  return out;
}

const chunkSeed = (seed, share, declared, arm, i) => (Math.imul(seed, 7919) + Math.round(share * 100) * 131 + Math.round(declared * 100) * 977 + arm * 65537 + i * 17 + 3) >>> 0;

/** Relative lift of B over A and its standard error (delta method); for skips, fewer is better. */
export function lift(a, b, fewerIsBetter = false) {
  const ratio = b.mean / a.mean;
  const se = Math.abs(ratio) * Math.sqrt((b.se / b.mean) ** 2 + (a.se / a.mean) ** 2);
  return { value: fewerIsBetter ? 1 - ratio : ratio - 1, se };
}

/** The exact lift of B over A and the standard error an A/B test with n sessions per arm would have. */
export function exactLift(exact, signal, n) {
  const a = { mean: exact.A.mean[signal], se: Math.sqrt(exact.A.variance[signal] / n) };
  const b = { mean: exact.B.mean[signal], se: Math.sqrt(exact.B.variance[signal] / n) };
  return lift(a, b, signal === 'skip');
}

export const chunksFor = (sessions) => Math.max(1, Math.round(sessions / CHUNK));

export async function* intent(rv, s, cancelled) {
  const nChunks = chunksFor(s.sessions);
  const share = s.share;
  const others = SHARES.filter((x) => x !== share);
  const total = trainChunks + 1 + nChunks + others.length * (trainChunks + 1);
  let done = 0;
  const sweep = new Map();
  let classifier = null;
  let sessions = null;
  let main = null;
  let ab = null;
  const result = () => ({
    share,
    classifier,
    sessions,
    main,
    ab,
    sweep: SHARES.filter((x) => sweep.has(x)).map((x) => sweep.get(x)),
    progress: { done, total, unit: 'steps' },
  });
  const abKey = pointKey(s, share);
  const chunks = abChunks.get(abKey) ?? remember(abChunks, abKey, [], 400);
  const quick = points.has(abKey) && chunks.length >= nChunks;

  // 1. The current share: the production log in chunks (its intent classifiers are drawn as soon
  // as the first chunk is in), the two candidates and their exact values, then the A/B test.
  let ctx = null;
  let last = performance.now();
  if (!points.has(abKey)) {
    ctx = context(rv, s.seed, share, s.declared);
    let yielded = false;
    while (!trainedContext(ctx)) {
      if (ctx.chunks > 0) {
        await nextTick();
        if (cancelled()) return;
        ctx = context(rv, s.seed, share, s.declared);
      }
      trainChunk(ctx);
      done++;
      classifier = ctx.classifier;
      sessions = ctx.sessions;
      if (ctx.chunks === 1 || performance.now() - last > 150) {
        yield result();
        yielded = true;
        last = performance.now();
      }
    }
    if (!yielded) {
      // trained before (another method): show its classifiers while the candidates are learned
      classifier = ctx.classifier;
      sessions = ctx.sessions;
      yield result();
    }
    await nextTick();
    if (cancelled()) return;
  }
  done = trainChunks;
  main = points.get(abKey) ?? evaluatePoint(context(rv, s.seed, share, s.declared), s, share);
  classifier = main.classifier;
  sessions = main.sessions;
  done++;
  if (!quick) yield result();
  while (chunks.length < nChunks) {
    await nextTick();
    if (cancelled()) return;
    ctx = context(rv, s.seed, share, s.declared);
    if (!trainedContext(ctx)) {
      // the context was evicted by a newer run: rebuild its training statistics, one chunk per step
      trainChunk(ctx);
      continue;
    }
    learnBoth(ctx, s.method); // registers the candidates' scores in this world
    const i = chunks.length;
    chunks.push({
      A: abChunk(ctx, s.method, nameA, chunkSeed(s.seed, share, s.declared, 0, i)),
      B: abChunk(ctx, s.method, nameB(s.method), chunkSeed(s.seed, share, s.declared, 1, i)),
    });
    done++;
    if (chunks.length < nChunks && performance.now() - last > 150) {
      ab = summarizeAb(chunks);
      yield result();
      last = performance.now();
    }
  }
  ab = summarizeAb(chunks.slice(0, nChunks));
  done = trainChunks + 1 + nChunks;
  sweep.set(share, { share, exact: main.exact, differ: main.differ });
  yield result();

  // 2. The sweep over shares of sampling sessions: train and evaluate exactly at each.
  last = performance.now();
  for (const x of others) {
    if (!points.has(pointKey(s, x))) {
      for (;;) {
        await nextTick();
        if (cancelled()) return;
        const c = context(rv, s.seed, x, s.declared, true);
        if (trainedContext(c)) break;
        trainChunk(c);
        done++;
      }
      await nextTick();
      if (cancelled()) return;
    }
    const point = points.get(pointKey(s, x)) ?? evaluatePoint(context(rv, s.seed, x, s.declared, true), s, x);
    done = trainChunks + 1 + nChunks + (others.indexOf(x) + 1) * (trainChunks + 1);
    sweep.set(x, { share: x, exact: point.exact, differ: point.differ });
    if (performance.now() - last > 200) {
      yield result();
      last = performance.now();
    }
  }
  done = total;
  yield result();
}
