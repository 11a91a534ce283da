// Lesson "Ask the new user": cold-start onboarding questions. Simulated new users (the world's own
// users, treated as unknown) answer 0…nQuestions questions chosen at random, popular topics first,
// or adaptively (largest expected information gain about the user's favourite topic); the quality
// of the top-10 recommendations after each answer is averaged over users, with standard errors and
// paired differences (the same users, the same starting belief, under each strategy). The same task,
// called with `state.play`, replays one onboarding session for the "be the new user" panel.
import { getWorld } from './common.js';
import { mulberry32, normals } from '../numeric.js';

/** Human names of the world's 8 topics. */
export const TOPICS = ['Pop', 'Rock', 'Hip-hop', 'Jazz', 'Classical', 'Electronic', 'Folk', 'Latin'];
export const STRATEGIES = ['adaptive', 'popular', 'random'];
export const TOP_N = 10;
/** Particles of the belief: fewer for the many simulated users, more for the one played session. */
export const CURVE_PARTICLES = 300;
export const PLAY_PARTICLES = 1000;
/** Independent draws used only to show the spread of the played session's belief. */
const SPREAD_DRAWS = 20000;

export const worldConfig = (s) => ({ seed: s.seed, nUsers: 400, nItems: 120, tasteStrength: 2 });
/** Seed of simulated user j: each one is a world user drawn at random, with its own answers. */
export const userSeed = (s, j) => s.seed * 1000 + j + 1;

// ---------- small deterministic helpers ----------
/** Multinomial-logit choice probabilities of the topics in `question` for a taste vector. */
export function choiceProbabilities(taste, question, tau) {
  const l = question.map((j) => tau * taste[j]);
  const m = Math.max(...l);
  const e = l.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Indices of the n largest scores, best first (ties: lower index first), by insertion. */
function topK(score, n) {
  const top = [];
  for (let i = 0; i < score.length; i++) {
    const x = score[i];
    if (top.length === n && x <= score[top[n - 1]]) continue;
    let p = top.length === n ? n - 1 : top.length;
    while (p > 0 && score[top[p - 1]] < x) {
      top[p] = top[p - 1];
      p--;
    }
    top[p] = i;
  }
  return top;
}

// ---------- facts about a world: item topic mix, the recommender, the known-taste reference ----------
const factsCache = new Map();

/**
 * What the lesson needs to know about a world: each item's topic mix (from the OBP export of a
 * one-visit log: topics then log-popularity per item), the recommender's score for any taste
 * (taste strength · ⟨taste, topics_i⟩ + popularity effect · z_pop(i), as the core ranks), and the
 * quality every world user gets when their true taste is known (the reference line).
 */
export function worldFacts(rv, world, cfg) {
  const key = JSON.stringify(cfg);
  let f = factsCache.get(key);
  if (f) return f;
  const nItems = world.nItems;
  const nUsers = world.nUsers;
  const nTopics = TOPICS.length;
  const log = world.collect({ kind: 'uniform' }, { nRounds: 1, seed: 0 });
  const obp = log.toObp();
  log.free();
  const dim = obp.action_context_dim;
  if (dim !== nTopics + 1) throw new Error(`expected ${nTopics} topics, the world has ${dim - 1}`);
  const mix = new Float64Array(nItems * nTopics);
  const logPop = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    for (let k = 0; k < nTopics; k++) mix[i * nTopics + k] = obp.action_context[i * dim + k];
    logPop[i] = obp.action_context[i * dim + nTopics];
  }
  // standardized log-popularity (sample standard deviation, as the core), times the skew (1)
  const mean = logPop.reduce((a, b) => a + b, 0) / nItems;
  const sd = Math.sqrt(logPop.reduce((a, b) => a + (b - mean) ** 2, 0) / (nItems - 1));
  const popZ = logPop.map((x) => (sd > 0 ? (x - mean) / sd : 0));
  const tasteStrength = cfg.tasteStrength;
  const popularityEffect = 0.4; // the world's default
  const recommendFor = (taste, n = TOP_N) => {
    const score = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) {
      let a = 0;
      for (let k = 0; k < nTopics; k++) a += taste[k] * mix[i * nTopics + k];
      score[i] = tasteStrength * a + popularityEffect * popZ[i];
    }
    return topK(score, n);
  };
  const relevance = world.relevance();
  const quality = (u, items) => items.reduce((a, i) => a + relevance[u * nItems + i], 0) / items.length;
  const tastes = [];
  const oracle = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) {
    const t = world.userTaste(u);
    tastes.push(t);
    oracle[u] = quality(u, recommendFor(t));
  }
  const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const itemTopic = Array.from(world.itemTopic());
  // rank of each item by popularity (1 = most popular), for the recommendation list
  const popRank = new Int32Array(nItems);
  Array.from({ length: nItems }, (_, i) => i).sort((a, b) => logPop[b] - logPop[a] || a - b).forEach((i, r) => { popRank[i] = r + 1; });
  // the items of each topic, numbered by popularity within the topic ("Jazz #3")
  const numberInTopic = new Int32Array(nItems);
  const seen = new Array(nTopics).fill(0);
  Array.from({ length: nItems }, (_, i) => i).sort((a, b) => popRank[a] - popRank[b]).forEach((i) => { numberInTopic[i] = ++seen[itemTopic[i]]; });
  f = {
    nItems, nUsers, nTopics, mix, popZ, recommendFor, quality, tastes, oracle, itemTopic, popRank, numberInTopic,
    oracleMean: avg(oracle),
    coldStartMean: avg(Array.from({ length: nUsers }, (_, u) => quality(u, recommendFor(new Float64Array(nTopics))))),
  };
  factsCache.set(key, f);
  if (factsCache.size > 4) factsCache.delete(factsCache.keys().next().value);
  return f;
}

// ---------- the played session ----------
/** The hidden listener of a session: a world user picked from the seed (and "another listener" clicks). */
export const listenerOf = (s, offset, nUsers) => (((s.seed * 2654435761) >>> 0) % nUsers + 157 * offset) % nUsers;

const sessionKey = (s, listener) => JSON.stringify([s.seed, s.strategy, s.options, s.tau, listener]);
let session = null; // the last replayed session in this worker (a click continues it)

/**
 * Replay (or continue) one onboarding session: `moves` lists the answers so far, each a topic index
 * (the learner's pick) or 'L' (the hidden listener picks from their true taste). Returns what the
 * panel shows.
 */
function playSession(rv, world, facts, s, moves, listenerOffset) {
  const u = listenerOf(s, listenerOffset, facts.nUsers);
  const key = sessionKey(s, u);
  const resumable = session && session.key === key && session.moves.length <= moves.length && session.moves.every((m, i) => m === moves[i]);
  if (!resumable) {
    session?.el.free();
    const el = new rv.Elicitation(world, { options: s.options, choiceSharpness: s.tau, particles: PLAY_PARTICLES, seed: s.seed + 7 });
    const recs = Array.from(el.recommend(TOP_N));
    session = { key, el, moves: [], steps: [{ question: null, choice: null, who: null, recs, quality: facts.quality(u, recs) }], pending: null };
  }
  const taste = facts.tastes[u];
  for (let i = session.moves.length; i < Math.min(moves.length, s.questions); i++) {
    const q = session.pending ?? Array.from(session.el.nextQuestion(s.strategy));
    session.pending = null;
    let choice = moves[i];
    const who = choice === 'L' ? 'listener' : 'you';
    if (choice === 'L') {
      const p = choiceProbabilities(taste, q, s.tau);
      const r = mulberry32(s.seed * 7919 + 104729 * listenerOffset + i)();
      let acc = 0;
      choice = q[q.length - 1];
      for (let k = 0; k < q.length; k++) {
        acc += p[k];
        if (r < acc) {
          choice = q[k];
          break;
        }
      }
    }
    if (!q.includes(choice)) throw new Error(`answer ${i + 1}: topic ${choice} was not among the topics shown`);
    session.el.answer(q, choice);
    session.moves.push(moves[i]);
    const recs = Array.from(session.el.recommend(TOP_N));
    session.steps.push({ question: q, choice, who, recs, quality: facts.quality(u, recs) });
  }
  const done = session.steps.length - 1 >= s.questions;
  if (!done && !session.pending) session.pending = Array.from(session.el.nextQuestion(s.strategy));
  const question = done ? null : session.pending;
  const mean = Array.from(session.el.meanTaste());
  const spread = posteriorSpread(session.steps.slice(1), s.tau, facts.nTopics);
  const last = session.steps[session.steps.length - 1];
  const prev = session.steps.length > 1 ? session.steps[session.steps.length - 2].recs : last.recs;
  return {
    key,
    listener: u,
    listenerOffset,
    moves: [...session.moves],
    asked: session.steps.length - 1,
    questions: s.questions,
    question,
    questionGain: question ? session.el.informationGain(question) : NaN,
    predictive: question ? spread.predictive(question) : null,
    steps: session.steps.map((st) => ({ question: st.question, choice: st.choice, who: st.who, quality: st.quality })),
    recs: last.recs.map((i) => ({ item: i, topic: facts.itemTopic[i], number: facts.numberInTopic[i], popRank: facts.popRank[i], like: facts.quality(u, [i]), isNew: !prev.includes(i) })),
    beliefMean: mean,
    beliefSd: spread.sd,
    favourite: spread.favourite,
    ess: spread.ess,
    trueTaste: Array.from(taste),
    oracle: facts.oracle[u],
  };
}

let draws = null;
/**
 * The spread of the session's belief, from independent prior draws weighted by the same
 * likelihood (Bayes' rule): posterior sd per topic, probability that each topic is the favourite,
 * and the predictive probability of each answer to the next question.
 */
function posteriorSpread(steps, tau, nTopics) {
  draws ??= normals(mulberry32(20240611), SPREAD_DRAWS * nTopics);
  const M = SPREAD_DRAWS;
  const logW = new Float64Array(M);
  for (const st of steps) {
    for (let d = 0; d < M; d++) {
      const row = d * nTopics;
      let mx = -Infinity;
      for (const j of st.question) mx = Math.max(mx, tau * draws[row + j]);
      let z = 0;
      for (const j of st.question) z += Math.exp(tau * draws[row + j] - mx);
      logW[d] += tau * draws[row + st.choice] - mx - Math.log(z);
    }
  }
  let mx = -Infinity;
  for (const l of logW) mx = Math.max(mx, l);
  const w = logW.map((l) => Math.exp(l - mx));
  const total = w.reduce((a, b) => a + b, 0);
  for (let d = 0; d < M; d++) w[d] /= total;
  const mean = new Float64Array(nTopics);
  const sq = new Float64Array(nTopics);
  const favourite = new Array(nTopics).fill(0);
  for (let d = 0; d < M; d++) {
    let best = 0;
    for (let k = 0; k < nTopics; k++) {
      const x = draws[d * nTopics + k];
      mean[k] += w[d] * x;
      sq[k] += w[d] * x * x;
      if (x > draws[d * nTopics + best]) best = k;
    }
    favourite[best] += w[d];
  }
  const ess = 1 / w.reduce((a, b) => a + b * b, 0);
  return {
    sd: Array.from(mean, (m, k) => Math.sqrt(Math.max(0, sq[k] - m * m))),
    favourite,
    ess,
    predictive: (q) => {
      const p = new Array(q.length).fill(0);
      const e = new Float64Array(q.length);
      for (let d = 0; d < M; d++) {
        if (w[d] === 0) continue;
        const row = d * nTopics;
        let mx = -Infinity;
        for (const j of q) mx = Math.max(mx, tau * draws[row + j]);
        let z = 0;
        for (let k = 0; k < q.length; k++) z += e[k] = Math.exp(tau * draws[row + q[k]] - mx);
        for (let k = 0; k < q.length; k++) p[k] += (w[d] * e[k]) / z;
      }
      return p;
    },
  };
}

// ---------- streaming the curves ----------
class Accumulator {
  constructor(n) {
    this.count = 0;
    this.sum = new Float64Array(n);
    this.sq = new Float64Array(n);
  }
  add(xs) {
    this.count++;
    for (let k = 0; k < xs.length; k++) {
      this.sum[k] += xs[k];
      this.sq[k] += xs[k] * xs[k];
    }
  }
  summary() {
    const n = this.count;
    const mean = Array.from(this.sum, (s) => s / n);
    const se = Array.from(this.sq, (q, k) => (n > 1 ? Math.sqrt(Math.max(0, (q - n * mean[k] ** 2) / (n - 1)) / n) : NaN));
    return { mean, se, n };
  }
}

function curveResult(acc, diff, facts, play, s, done) {
  return {
    users: acc.adaptive.count,
    curves: Object.fromEntries(STRATEGIES.map((k) => [k, acc[k].summary()])),
    gain: { adaptive: diff.adaptive.summary(), popular: diff.popular.summary() },
    oracle: facts.oracleMean,
    coldStart: facts.coldStartMean,
    play,
    progress: { done, total: s.users, unit: 'simulated listeners' },
  };
}

export async function* coldStart(rv, s, cancelled) {
  const cfg = worldConfig(s);
  const world = getWorld(rv, cfg);
  const facts = worldFacts(rv, world, cfg);
  if (s.play) {
    // one step of the played session (the page's second worker)
    yield { play: playSession(rv, world, facts, s, s.play.moves ?? [], s.play.listener ?? 0) };
    return;
  }
  let play = null; // computed after the first redraw, so that the first one comes quickly
  const nq = s.questions;
  const acc = Object.fromEntries(STRATEGIES.map((k) => [k, new Accumulator(nq + 1)]));
  const diff = { adaptive: new Accumulator(nq + 1), popular: new Accumulator(nq + 1) };
  const run = (strategy, j) =>
    world.simulateElicitation({ strategy, options: s.options, choiceSharpness: s.tau, particles: CURVE_PARTICLES, nUsers: 1, nQuestions: nq, topN: TOP_N, seed: userSeed(s, j) }).mean;
  // Full results (redrawn on the page) at the first user and then a few times a second; in between,
  // progress-only heartbeats every ~40 ms, so that a newer run can cancel this one quickly.
  let beat = performance.now();
  let drawn = beat;
  for (let j = 0; j < s.users; j++) {
    if (cancelled()) return;
    // the same simulated user (same world user, same prior particles, same answer stream) under each strategy
    const q = Object.fromEntries(STRATEGIES.map((k) => [k, run(k, j)]));
    for (const k of STRATEGIES) acc[k].add(q[k]);
    diff.adaptive.add(q.adaptive.map((x, k) => x - q.random[k]));
    diff.popular.add(q.popular.map((x, k) => x - q.random[k]));
    const now = performance.now();
    if (j === 0 || j === s.users - 1 || now - drawn > 300 || (play && !drawn)) {
      yield curveResult(acc, diff, facts, play ?? undefined, s, j + 1);
      drawn = play ? performance.now() : 0;
      if (!play) {
        play = playSession(rv, world, facts, s, [], 0);
        yield { progress: { done: j + 1, total: s.users, unit: 'simulated listeners' } };
      }
      beat = performance.now();
    } else if (now - beat > 40) {
      yield { progress: { done: j + 1, total: s.users, unit: 'simulated listeners' } };
      beat = performance.now();
    }
  }
  if (!drawn && !cancelled()) yield curveResult(acc, diff, facts, play, s, s.users);
}
