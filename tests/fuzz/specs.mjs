// The targets: one spec per exported function, constructor, method and getter. A spec builds a
// small valid call from a seeded generator — `setup` makes the objects the call needs (its
// receiver in `ctx.self`), `args` returns the arguments as typed nodes (schema.mjs), so that any
// one of them can be mutated with a known verdict — and `call` makes the call.
//
//   { name, weight?, selfClass?, arity?, setup?(rv, r, ctx), args?(rv, r, ctx), call(rv, ctx, a, self),
//     state?(rv, ctx) (what a call that returns nothing changed), specials?(rv, ctx, values, env) }
import { T, MIN_NORMAL } from './schema.mjs';

const MAX_INT = 2 ** 31 - 1;
const STD = ['dm', 'ipw', 'snipw', 'dr', 'sndr', 'switch-dr', 'dr-os', 'sg-ipw', 'sg-dr', 'rm'];
// OBP 0.5.7's embedding and multiple-logger estimators (the weighted multi-logger ones need a
// within-stratum variance: not generated, only named in mutations)
const EMBED = ['mipw', 'snmipw'];
const MULTI = ['multi_ipw', 'multi_bal_ipw', 'multi_dr', 'multi_bal_dr'];
const ALL_EST = [...STD, ...EMBED, 'multi_ipw', 'multi_bal_ipw', 'multi_weighted_ipw', 'multi_dr', 'multi_bal_dr', 'multi_weighted_dr'];
const TUNABLE = ['ipw', 'dr', 'switch-dr', 'dr-os', 'sg-ipw', 'sg-dr'];
const NEW_KEYS = ['actionEmbed', 'pEA', 'nCatPerDim', 'stratumIdx', 'pscoreAvg'];
const NAN_PRONE = new Set(['dr-os', 'sg-ipw', 'sg-dr', 'snipw', 'sndr']);
const MODEL = new Set(['dm', 'dr', 'sndr', 'switch-dr', 'dr-os', 'sg-dr']);
const SLATE_KEYS = ['slateId', 'position', 'reward', 'lenList', 'pscore', 'evaluationPolicyPscore', 'pscoreItemPosition', 'evaluationPolicyPscoreItemPosition', 'pscoreCascade', 'evaluationPolicyPscoreCascade', 'action', 'nUniqueAction', 'qHat', 'evaluationPolicyActionDist', 'evaluationPolicyItemPositionDist', 'nRounds'];
const SLATE = ['sips', 'iips', 'rips', 'snsips', 'sniips', 'snrips', 'cascade-dr', 'pi'];
const SIGNALS = ['click', 'stream', 'skip', 'dwell', 'save', 'thumbsUp', 'thumbsDown', 'revenue'];
const KINDS = ['uniform', 'softmax', 'greedy', 'top-k', 'popularity', 'epsilon-greedy', 'mixture', 'thompson'];
const METHODS = ['bootstrap', 'obp-bootstrap', 'normal', 'bernstein'];

const arg = (name, n) => ({ ...n, name });
/** A method or getter called through the class's prototype, so that any receiver reaches the glue. */
const method = (cls, m) => (rv, ctx, a, self) => rv[cls].prototype[m].call(self, ...a);
const getter = (cls, g) => (rv, ctx, a, self) => Object.getOwnPropertyDescriptor(rv[cls].prototype, g).get.call(self);
/** Some of `fields` (each kept with probability p), the rest listed as absent optional keys. */
function some(r, fields, p = 0.5, keep = []) {
  const out = {};
  const absent = [];
  for (const [k, f] of Object.entries(fields)) {
    if (keep.includes(k) || r.chance(p)) out[k] = f();
    else absent.push(k);
  }
  return { fields: out, absent };
}
const dyadic = (r, lo = 0, hi = 1, den = 8) => r.int(Math.ceil(lo * den), Math.floor(hi * den)) / den;

// ---------------------------------------------------------------------------------------------
// Worlds, policies and other configs

/** A small world for a case (kept small so that cases are fast). */
function fixtureWorld(rv, r, ctx, o = {}) {
  const cfg = { seed: r.int(0, 1000), nUsers: r.int(6, 16), nItems: r.int(3, 5), nTopics: r.int(2, 4), ...o };
  if (r.chance(0.2)) cfg.positionBias = { model: 'cascade' };
  if (r.chance(0.2)) cfg.markets = [{ userShare: 0.5, itemShare: 0.5 }, { userShare: 0.5, itemShare: 0.5 }];
  return ctx.own(new rv.World(cfg));
}

const signal = (r, o = {}) => T.str(r.pick(SIGNALS), { enum: SIGNALS, ...o });

function genScore(r) {
  const form = r.int(0, 2);
  if (form === 0) return undefined;
  if (form === 1) return T.str(r.pick(['relevance', 'popularity', 'noise']), { enum: ['relevance', 'popularity', 'noise'], optional: true, def: 'relevance' });
  // two non-zero weights, so that removing one keeps a valid score
  const w = (v) => T.num(v, { lo: -100, hi: 100, optional: true, def: 0 });
  const { fields, absent } = some(r, {
    relevance: () => w(r.pick([1, 2, 0.5])),
    popularity: () => w(r.pick([1, -1, 0.5])),
    noise: () => w(r.pick([0, 0.25])),
    noiseSeed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
  }, 0.5, ['relevance', 'popularity']);
  // `model` is a documented optional key; `modelWeight` too (read only with `model`)
  return T.obj(fields, { optional: true, absent: [...absent, 'model', 'modelWeight'] });
}

/**
 * A policy config. `o.thompson`: may be the online logger (collect only); `o.simple`: no nested
 * policies.
 */
export function genPolicy(r, nItems, o = {}) {
  const minK = o.minK ?? 1; // a ranking of lenList items needs top-k's k ≥ lenList
  const kinds = o.simple ? ['uniform', 'softmax', 'greedy', 'top-k', 'popularity'] : KINDS.filter((k) => k !== 'thompson' || o.thompson);
  const kind = r.pick(kinds);
  const K = T.str(kind, { enum: KINDS });
  const score = () => genScore(r);
  let fields;
  let absent = [];
  switch (kind) {
    case 'uniform':
      fields = {};
      break;
    case 'softmax': {
      const s = score();
      fields = { beta: T.num(r.pick([0, 0.5, 1, 2, -1, 4]), { lo: -1000, hi: 1000 }), score: s };
      if (!s) absent = ['score'];
      break;
    }
    case 'greedy': {
      const s = score();
      fields = { score: s };
      if (!s) absent = ['score'];
      break;
    }
    case 'top-k': {
      const s = score();
      // k defaults to 10, or every item of a smaller catalog
      const def = Math.min(10, nItems);
      fields = { k: T.int(r.int(minK, nItems), { lo: 1, hi: 1e6, effLo: minK, effHi: nItems, optional: def >= minK, def }), score: s };
      if (!s) absent = ['score'];
      break;
    }
    case 'popularity':
      if (r.chance(0.6)) fields = { power: T.num(r.pick([0, 0.5, 1, 2]), { lo: 0, hi: 10, optional: true, def: 1 }) };
      else (fields = {}), (absent = ['power']);
      break;
    case 'epsilon-greedy':
      fields = { epsilon: T.num(r.pick([0, 0.125, 0.25, 1]), { lo: 0, hi: 1 }), base: genPolicy(r, nItems, { simple: true, minK }) };
      break;
    case 'mixture': {
      const ws = r.pick([[1], [0.5, 0.5], [0.25, 0.75], [0.125, 0.375, 0.5]]);
      // a weight's changed value breaks the sum of 1: reported on the weight or on `components`
      const comps = ws.map((w) =>
        T.obj({ weight: T.num(w, { lo: 0, loOpen: true, hi: 1, sub: 'invalid', change: 'invalid', up: 2 }), policy: genPolicy(r, nItems, { simple: true, minK }) }),
      );
      fields = { components: T.list(comps, { emptyVerdict: 'invalid', dropVerdict: 'invalid' }) };
      break;
    }
    case 'thompson': {
      const f = some(r, {
        batchSize: () => T.int(r.pick([1, 5, 50]), { lo: 1, hi: 1e7, size: true, optional: true, def: 1000 }),
        nSamples: () => T.int(r.pick([10, 50, 100]), { lo: 10, hi: 1e6, size: true, optional: true, def: 1000 }),
        priorAlpha: () => T.num(r.pick([1, 0.5, 2]), { lo: 1e-3, hi: 1e6, optional: true, def: 1 }),
        priorBeta: () => T.num(r.pick([1, 0.5, 2]), { lo: 1e-3, hi: 1e6, optional: true, def: 1 }),
      });
      fields = f.fields;
      absent = f.absent;
      break;
    }
  }
  return T.obj({ kind: K, ...fields }, { absent });
}

/** A policy's plain config (for loggers of fixtures). */
const plainPolicy = (r, nItems, o) => genPolicy(r, nItems, o).v;

/** Cross-fitting of a fitted reward model (OBP's fit_predict(n_folds)): few folds, the logs are small. */
const crossFit = (r) => ({
  nFolds: () => T.int(r.int(1, 3), { lo: 1, hi: 100, optional: true, def: 1 }),
  foldSeed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
});

function genRewardModel(r, o = {}) {
  const kind = r.pick(['true', 'tabular', 'ridge']);
  let f;
  if (kind === 'true') {
    f = some(r, {
      kind: () => T.str('true', { enum: ['true', 'tabular', 'ridge'], optional: true, def: 'true' }),
      misspecification: () => T.num(r.pick([0, 0.25, 0.5]), { lo: 0, hi: 1, optional: true, def: 0 }),
      bias: () => T.num(r.pick([0, 0.125, -0.125]), { lo: -1e6, hi: 1e6, optional: true, def: 0 }),
      noise: () => T.num(r.pick([0, 0.5]), { lo: 0, hi: 100, optional: true, def: 0 }),
      seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
    });
  } else if (kind === 'tabular') {
    f = some(r, {
      kind: () => T.str('tabular', { enum: ['true', 'tabular', 'ridge'] }),
      smoothing: () => T.num(r.pick([0, 1, 10]), { lo: 0, hi: 1e9, optional: true, def: 10 }),
      ...crossFit(r),
    }, 0.5, ['kind']);
  } else {
    f = some(r, {
      kind: () => T.str('ridge', { enum: ['true', 'tabular', 'ridge'] }),
      lambda: () => T.num(r.pick([1, 0.5, 10]), { lo: 1e-9, hi: 1e9, optional: true, def: 1 }),
      ...crossFit(r),
    }, 0.5, ['kind']);
  }
  // without `kind`, the config is the default ("true") model: fine alone, not with another kind's keys
  if (kind !== 'true') {
    f.fields.kind.t.optional = Object.keys(f.fields).every((k) => k === 'kind' || k === 'foldSeed' || (k === 'nFolds' && f.fields.nFolds.v === 1));
    f.fields.kind.t.siblings = true;
  }
  return T.obj(f.fields, { absent: f.absent, ...o });
}

function genRecommender(r) {
  const kind = r.pick(['mf', 'item-knn', 'ridge']);
  const common = {
    weighting: () => T.str(r.pick(['none', 'ipw']), { enum: ['none', 'ipw'], optional: true, def: 'none' }),
    clip: () => T.num(r.pick([1, 10, 100]), { lo: 1, hi: 1e9, optional: true, def: 100 }),
  };
  const byKind = {
    mf: {
      kind: () => T.str('mf', { enum: ['mf', 'item-knn', 'ridge'], optional: true, def: 'mf' }),
      factors: () => T.int(r.pick([1, 2, 4]), { lo: 1, hi: 256, optional: true, def: 8 }),
      epochs: () => T.int(r.pick([1, 2, 3]), { lo: 1, hi: 1000, optional: true, def: 15 }),
      learningRate: () => T.num(r.pick([0.05, 0.1]), { lo: 1e-6, hi: 10, optional: true, def: 0.05 }),
      regularization: () => T.num(r.pick([0, 0.02]), { lo: 0, hi: 100, optional: true, def: 0.02 }),
      seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
    },
    'item-knn': {
      kind: () => T.str('item-knn', { enum: ['mf', 'item-knn', 'ridge'] }),
      neighbors: () => T.int(r.pick([1, 2, 20]), { lo: 1, hi: 10000, optional: true, def: 20 }),
    },
    ridge: {
      kind: () => T.str('ridge', { enum: ['mf', 'item-knn', 'ridge'] }),
      lambda: () => T.num(r.pick([1, 0.5]), { lo: 1e-9, hi: 1e9, optional: true, def: 1 }),
    },
  }[kind];
  const f = some(r, { ...byKind, ...common }, 0.5, kind === 'mf' ? [] : ['kind']);
  if (kind !== 'mf') {
    // without `kind` the config is matrix factorization: fine unless this kind's own keys are there
    f.fields.kind.t.optional = !Object.keys(f.fields).some((k) => k in byKind && k !== 'kind');
    f.fields.kind.t.siblings = true;
  }
  return T.obj(f.fields, { absent: f.absent, optional: true });
}

function genWorldConfig(r) {
  const nItems = r.int(3, 6);
  const f = some(r, {
    seed: () => T.seed(r.pick([0, 1, 42, 2 ** 40]), { optional: true, def: 0 }),
    nUsers: () => T.int(r.int(4, 20), { lo: 1, hi: 1e5, size: true, optional: true }),
    nItems: () => T.int(nItems, { lo: 2, hi: 5000, size: true, optional: true, cross: ['nCreators'] }),
    nTopics: () => T.int(r.int(1, 4), { lo: 1, hi: 64, optional: true }),
    nCreators: () => T.int(r.int(1, nItems), { lo: 1, hi: nItems, optional: true }),
    nFeatures: () => T.int(r.int(0, 4), { lo: 0, hi: 64, optional: true }),
    popularitySkew: () => T.num(r.pick([0, 0.5, 1]), { lo: 0, hi: 3, optional: true, def: 1 }),
    popularityEffect: () => T.num(r.pick([0, 0.4, -1]), { lo: -3, hi: 3, optional: true, def: 0.4 }),
    tasteStrength: () => T.num(r.pick([0, 1.5, 3]), { lo: 0, hi: 10, optional: true, def: 1.5 }),
    noise: () => T.num(r.pick([0, 0.5]), { lo: 0, hi: 5, optional: true, def: 0.5 }),
    baseClickRate: () => T.num(r.pick([0.1, 0.5]), { lo: 0.001, hi: 0.999, optional: true, def: 0.1 }),
    userActivitySkew: () => T.num(r.pick([0, 1]), { lo: 0, hi: 3, optional: true, def: 0 }),
    featureNoise: () => T.num(r.pick([0, 0.5]), { lo: 0, hi: 5, optional: true, def: 0.5 }),
    markets: () => {
      const k = r.int(1, 3);
      const us = r.simplex(k, false);
      const is = r.simplex(k, false);
      const share = (v, key) => T.num(v, { lo: 0, hi: 1, sub: 'invalid', change: 'invalid', cross: [`markets[].${key}`], up: 3 });
      return T.list(
        us.map((u, i) => {
          const g = some(r, { name: () => T.str(`m${i}`, { optional: true }) });
          return T.obj({ ...g.fields, userShare: share(u, 'userShare'), itemShare: share(is[i], 'itemShare') }, { absent: g.absent });
        }),
        { optional: true, emptyVerdict: 'invalid', dropVerdict: 'invalid' },
      );
    },
    languagePenalty: () => T.num(r.pick([0, 2]), { lo: 0, hi: 10, optional: true, def: 2 }),
    positionBias: () => {
      const g = some(r, {
        model: () => T.str(r.pick(['pbm', 'cascade']), { enum: ['pbm', 'cascade'], optional: true, def: 'pbm' }),
        eta: () => T.num(r.pick([0, 1, 2]), { lo: 0, hi: 5, optional: true, def: 1 }),
      });
      return T.obj(g.fields, { absent: g.absent, optional: true });
    },
    intent: () => {
      const g = some(r, {
        samplingShare: () => T.num(r.pick([0, 0.25]), { lo: 0, hi: 1, optional: true }),
        tasteLink: () => T.num(r.pick([0, 1, -1]), { lo: -5, hi: 5, optional: true }),
        declaredShare: () => T.num(r.pick([0, 0.5]), { lo: 0, hi: 1, optional: true }),
      });
      return T.obj(g.fields, { absent: g.absent, optional: true });
    },
    ratings: () => {
      const g = some(r, {
        rate: () => T.num(r.pick([0, 0.25, 1]), { lo: 0, hi: 1, optional: true }),
        mnar: () => T.num(r.pick([0, 2]), { lo: 0, hi: 20, optional: true }),
      });
      return T.obj(g.fields, { absent: g.absent, optional: true });
    },
    reward: () => signal(r, { optional: true, def: 'click' }),
  }, 0.4, ['nUsers', 'nItems']);
  return T.obj(f.fields, { absent: f.absent, optional: true });
}

// ---------------------------------------------------------------------------------------------
// Estimator inputs

/**
 * A bandit input (OBP's names in camelCase). `need`: the estimator needs the reward model;
 * `read`: which optional arrays the call reads (`model`, `piB`) — an array that is never read may
 * hold anything (its mutations are 'either'); `keep`: removing an optional array changes nothing.
 */
function genBanditInput(r, o = {}) {
  const n = o.n ?? r.int(2, 7);
  const A = o.A ?? r.int(2, 4);
  const L = o.L ?? (r.chance(0.3) ? r.int(2, 3) : 1);
  const group = 'rounds';
  const groupNames = ['nRounds', 'nActions', 'lenList', 'reward', 'actionDist'];
  const dist = () => {
    const out = new Array(n * A * L).fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < L; k++) {
        const p = r.simplex(A);
        for (let a = 0; a < A; a++) out[(i * A + a) * L + k] = p[a];
      }
    }
    return out;
  };
  const reward = Array.from({ length: n }, () => r.pick([0, 1, 1, 0.5, 0, 2]));
  const action = Array.from({ length: n }, () => r.int(0, A - 1));
  const pscore = Array.from({ length: n }, () => r.pick([0.25, 0.5, 0.125, 1, 0.75]));
  const position = Array.from({ length: n }, () => r.int(0, L - 1));
  const fields = {
    reward: T.floats(reward, { group, groupNames }),
    action: T.ints(action, { max: A, group, groupNames }),
    pscore: T.floats(pscore, { group, groupNames, elem: { lo: MIN_NORMAL, hi: 1, sub: 'invalid' } }),
  };
  const absent = [];
  if (L > 1 || r.chance(0.3)) {
    // with lenList 1, positions are all 0: the same as no positions
    fields.position = T.ints(position, { max: L, group, groupNames, optional: L === 1, def: position });
  } else absent.push('position');
  fields.actionDist = T.floats(dist(), { group, groupNames, elem: { lo: 0, hi: 1, dist: true } });
  const read = o.read ?? { model: true, piB: true };
  // an array the call does not read is there less often (its mutations can only be 'either')
  if (o.need || r.chance(read.model ? 0.5 : 0.2)) {
    const q = Array.from({ length: n * A * L }, () => dyadic(r, 0, 1, 8));
    // diagnostics read the reward model of the DM family but do not need it
    const required = o.need && !o.modelOptional;
    fields.estimatedRewardsByRegModel = T.floats(q, { group, groupNames, optional: !required, def: o.need ? undefined : q, unread: !read.model });
  } else absent.push('estimatedRewardsByRegModel');
  if (r.chance(read.piB ? 0.4 : 0.15)) {
    const pb = dist();
    fields.piB = T.floats(pb, { group, groupNames, optional: true, def: o.piBMatters ? undefined : pb, elem: { lo: 0, hi: 1, dist: true }, unread: !read.piB });
  } else absent.push('piB');
  fields.nActions = T.int(A, { lo: 0, hi: MAX_INT, change: 'invalid', cross: ['actionDist', 'action', 'estimatedRewardsByRegModel', 'piB'] });
  if (L > 1 || r.chance(0.3)) fields.lenList = T.int(L, { lo: 0, hi: MAX_INT, optional: true, def: 1, change: 'invalid', cross: ['actionDist', 'position', 'estimatedRewardsByRegModel', 'piB'] });
  else absent.push('lenList');
  if (r.chance(0.3)) fields.nRounds = T.int(n, { lo: 0, hi: MAX_INT, optional: true, def: n, change: 'invalid', cross: ['reward'] });
  else absent.push('nRounds');
  if (o.family === 'embed') {
    // mipw, snmipw: embeddings of the logged actions, p(e_d = c | a) > 0, and the logger's piB
    const dim = r.int(1, 2);
    const nc = r.int(2, 3);
    const pea = new Array(A * nc * dim).fill(0);
    for (let a = 0; a < A; a++) {
      for (let d = 0; d < dim; d++) {
        const p = r.simplex(nc, false);
        for (let c = 0; c < nc; c++) pea[(a * nc + c) * dim + d] = p[c];
      }
    }
    fields.actionEmbed = T.ints(Array.from({ length: n * dim }, () => r.int(0, nc - 1)), { max: nc, lenNames: ['reward', 'pEA'] });
    fields.pEA = T.floats(pea, { elem: { lo: 0, hi: 1, dist: true }, lenNames: ['actionEmbed', 'nCatPerDim'] });
    fields.nCatPerDim = T.int(nc, { lo: 0, hi: MAX_INT, change: 'invalid', cross: ['actionEmbed', 'pEA'] });
    if (!('piB' in fields)) {
      fields.piB = T.floats(dist(), { group, groupNames, elem: { lo: 0, hi: 1, dist: true } });
      absent.splice(absent.indexOf('piB'), 1);
    }
    fields.piB.t.optional = false;
    fields.piB.t.unread = false;
  } else if (o.family === 'multi') {
    // the logger of each round (every stratum present), and for the balanced ones the mixture's
    // propensity (read for every multi-logger estimator, checked only by the balanced ones)
    const strata = Array.from({ length: n }, (_, i) => i % 2);
    fields.stratumIdx = T.ints(strata, { group, groupNames, elem: { cross: true } });
    const bal = o.est.includes('_bal_');
    if (bal || r.chance(0.3)) fields.pscoreAvg = T.floats(Array.from({ length: n }, () => r.pick([0.25, 0.5, 1])), { group, groupNames, optional: !bal, unread: !bal, elem: { lo: MIN_NORMAL, hi: 1, sub: 'invalid' } });
  }
  for (const k of NEW_KEYS) if (!(k in fields)) absent.push(k);
  if (r.chance(0.2)) {
    const c = Array.from({ length: n * 2 }, () => dyadic(r));
    fields.context = T.any(c, { optional: true, def: c });
  }
  else absent.push('context');
  if (r.chance(0.1)) fields.actionContext = T.any([[0, 1], [1, 0]], { optional: true, def: [[0, 1], [1, 0]] });
  else absent.push('actionContext');
  return T.obj(fields, { mode: 'field', absent });
}

/** `params` of a standard estimator: `{ lambda }` in its domain, `{}` or nothing. */
function genParams(r, est, o = {}) {
  const form = r.int(0, 2);
  const keys = o.tuning === false ? ['lambda'] : ['lambda', 'lambdas', 'tuningMethod', 'useBiasUpperBound', 'delta'];
  if (form === 0 || EMBED.includes(est)) return T.none({ mode: 'field', absent: keys });
  if (o.tuning !== false && TUNABLE.includes(est) && r.chance(0.25)) return genTuning(r, est);
  if (est === 'dm' || est === 'rm' || form === 1) return T.obj({}, { mode: 'field', absent: keys, optional: true });
  const sg = est.startsWith('sg-');
  const lambda = sg ? r.pick([0, 0.25, 0.5, 1]) : r.pick([0, 1, 5, 10, Infinity]);
  return T.obj({ lambda: T.num(lambda, { lo: 0, hi: sg ? 1 : Infinity, inf: !sg, optional: true }) }, { mode: 'field', optional: true });
}

const usesModel = (list) => list.some((e) => MODEL.has(typeof e === 'string' ? e : e.estimatorName));
/** `params` that tune λ on the data (OBP's *Tuning estimators). */
function genTuning(r, est, o = {}) {
  const sg = est.startsWith('sg-');
  const lambdas = Array.from({ length: r.int(1, 4) }, () => (sg ? r.pick([0, 0.25, 0.5, 1]) : r.pick([0, 1, 2, 5, Infinity])));
  const f = some(r, {
    tuningMethod: () => T.str(r.pick(['slope', 'mse']), { enum: ['slope', 'mse'], optional: true, def: 'slope' }),
    useBiasUpperBound: () => T.bool(r.chance(0.5), { optional: true, def: true }),
    // [0, 1] as the reader checks it (0 and 1 give infinite confidence widths: accepted)
    delta: () => T.num(r.pick([0.05, 0.1, 0.5]), { lo: 0, hi: 1, optional: true, def: 0.1 }),
  }, 0.4);
  // without `lambdas` the other tuning keys are refused; alone, its absence is the default λ
  // (tuneLambda requires it)
  const alone = Object.keys(f.fields).length === 0 && o.optional !== false;
  const fields = { lambdas: T.floats(lambdas, { len: 'free', nonEmpty: true, optional: alone, elem: { lo: 0, hi: sg ? 1 : Infinity, inf: !sg } }), ...f.fields };
  return T.obj(fields, { mode: 'field', absent: [...f.absent, 'lambda'], optional: o.optional ?? true });
}

const lambdaType = (est) => (est === 'dm' || est === 'rm' ? { lo: 1, hi: 0 } : est.startsWith('sg-') ? { lo: 0, hi: 1 } : { lo: 0, inf: true });

/** Interval options; bootstrap ones always carry a seed (so that two runs agree). */
function genIntervalOptions(r, o = {}) {
  // the Bernstein bound refuses NaN per-round values (dr-os at λ = 0, sg-* at λ = 1 on rounds
  // with zero weight), and slate estimators do not have it
  const method = r.pick(o.slate || o.nanProne ? METHODS.slice(0, 3) : METHODS);
  const boot = method.includes('bootstrap');
  const f = some(r, {
    alpha: () => T.num(r.pick([0.05, 0.1, 0.25, 0.5]), { lo: 0, hi: 1, loOpen: true, hiOpen: true, optional: true, def: 0.05 }),
    nBootstrapSamples: () => T.int(r.int(2, 30), { lo: boot ? 1 : 0, hi: 1e7, size: true, optional: true, def: 10000 }),
    randomState: () => T.seed(r.int(0, 1e6), { optional: true }),
    method: () => T.str(method, { enum: METHODS, optional: true, def: 'bootstrap' }),
    // a range wide enough to contain any per-round value of these inputs
    valueRange: () => T.floats([-1e6, 1e6], { optional: true, elem: { cross: true } }),
  }, 0.6, boot ? ['nBootstrapSamples', 'randomState', 'method'] : ['method']);
  for (const [k, v] of Object.entries(o.extra ?? {})) {
    if (v) f.fields[k] = v;
    else f.absent.push(k);
  }
  return T.obj(f.fields, { mode: 'field', absent: f.absent, optional: true });
}

function genEstimators(r, hasModel) {
  const pool = STD.filter((e) => hasModel || !MODEL.has(e));
  const k = r.int(1, 3);
  const items = [];
  for (let i = 0; i < k; i++) {
    const est = r.pick(pool);
    if (r.chance(0.5)) items.push(T.str(est, { enum: STD }));
    else {
      const lam = est === 'dm' || est === 'rm' || r.chance(0.4) ? undefined : est.startsWith('sg-') ? r.pick([0, 0.5, 1]) : r.pick([0, 2, Infinity]);
      const fields = { estimatorName: T.str(est, { enum: STD }) };
      if (lam !== undefined) fields.lambda = T.num(lam, { ...lambdaType(est), optional: true });
      items.push(T.obj(fields, { mode: 'field', absent: lam === undefined ? ['lambda'] : [] }));
    }
  }
  return T.list(items, { optional: true, emptyVerdict: 'valid', dropVerdict: 'valid' });
}

/** A slate input for estimator `est`, from a small world's ranking log. */
function genSlateInput(rv, r, ctx, est) {
  const w = fixtureWorld(rv, r, ctx, { nItems: r.int(3, 5) });
  const L = r.int(2, Math.min(3, w.nItems));
  const logger = est === 'pi' ? { kind: 'uniform' } : plainPolicy(r, w.nItems, { simple: true, minK: L });
  const log = ctx.own(w.collect(logger, { nRounds: r.int(2, 4), lenList: L, seed: r.int(0, 999) }));
  // any target: on prefixes a deterministic one never shows, slateInput's π_e(· | prefix) is the
  // uniform distribution over the items left (those rows carry weight 0)
  const evaluated = plainPolicy(r, w.nItems, { simple: true, minK: L });
  const s = log.slateInput(evaluated);
  const n = s.reward.length;
  const m = s.nUniqueAction;
  const group = 'slots';
  const groupNames = ['reward', 'slateId', 'position', 'lenList'];
  // slateInput can return a conditional probability of 1 + 7e-16, which the estimator refuses
  // (reported); the harness clamps it so that its valid calls are valid
  const arr = (ta) => Array.from(ta, (x) => (x > 1 && x < 1 + 1e-12 ? 1 : x));
  const sameInSlate = est === 'sips' || est === 'snsips' || est === 'pi';
  const fields = {
    slateId: T.ints(arr(s.slateId), { group, groupNames }),
    position: T.ints(arr(s.position), { max: L, group, groupNames }),
    reward: T.floats(arr(s.reward), { group, groupNames }),
    lenList: T.int(L, { lo: 0, hi: MAX_INT, effHi: n, change: 'invalid', cross: ['position', 'slateId'] }),
  };
  // the logging policy's propensities are in (0, 1] (no subnormals); the target's in [0, 1];
  // whole-slate ones are equal within a slate and cascade ones do not increase down it, so a
  // changed entry is refused (sips) or may be (cascade)
  const behaviour = (k) => T.floats(arr(s[k]), { group, groupNames, elem: { lo: MIN_NORMAL, hi: 1, sub: 'invalid', change: sameInSlate ? 'invalid' : undefined, cross: !sameInSlate && k.includes('Cascade') } });
  const target = (k) => T.floats(arr(s[k]), { group, groupNames, elem: { lo: 0, hi: 1, change: sameInSlate ? 'invalid' : undefined, cross: !sameInSlate && k.includes('Cascade') } });
  const cube = (k, elem) => T.floats(arr(s[k]), { group: 'cube', groupNames: ['nUniqueAction', 'lenList', 'slateId'], elem });
  const byEst = {
    sips: ['pscore', 'evaluationPolicyPscore'],
    snsips: ['pscore', 'evaluationPolicyPscore'],
    iips: ['pscoreItemPosition', 'evaluationPolicyPscoreItemPosition'],
    sniips: ['pscoreItemPosition', 'evaluationPolicyPscoreItemPosition'],
    rips: ['pscoreCascade', 'evaluationPolicyPscoreCascade'],
    snrips: ['pscoreCascade', 'evaluationPolicyPscoreCascade'],
    'cascade-dr': ['pscoreCascade', 'evaluationPolicyPscoreCascade'],
    pi: ['pscore'],
  }[est];
  fields[byEst[0]] = behaviour(byEst[0]);
  if (byEst[1]) fields[byEst[1]] = target(byEst[1]);
  if (est === 'cascade-dr' || est === 'pi') {
    fields.action = T.ints(arr(s.action), { max: m, group, groupNames });
    fields.nUniqueAction = T.int(m, { lo: 0, hi: MAX_INT, change: 'invalid', cross: ['action', 'qHat', 'evaluationPolicyActionDist', 'evaluationPolicyItemPositionDist'] });
  }
  if (est === 'cascade-dr') {
    fields.qHat = cube('qHat', { cross: true });
    fields.evaluationPolicyActionDist = cube('evaluationPolicyActionDist', { lo: 0, hi: 1, cross: true });
  }
  if (est === 'pi') fields.evaluationPolicyItemPositionDist = cube('evaluationPolicyItemPositionDist', { lo: 0, hi: 1, cross: true });
  // nRounds is a documented optional key (SlateInput.nRounds: the number of slates)
  if (r.chance(0.2)) fields.nRounds = T.int(n / L, { lo: 0, hi: MAX_INT, optional: true, def: n / L, change: 'invalid', cross: ['reward'] });
  // every other key of SlateInput: absent, so `undefined` for it changes nothing
  const absent = SLATE_KEYS.filter((k) => !(k in fields));
  return T.obj(fields, { mode: 'field', absent });
}

// ---------------------------------------------------------------------------------------------
// Fixtures shared by the method specs

function worldSetup(rv, r, ctx) {
  ctx.world = fixtureWorld(rv, r, ctx);
  ctx.self = ctx.world;
}

function logSetup(rv, r, ctx) {
  const w = fixtureWorld(rv, r, ctx);
  const L = r.chance(0.35) ? r.int(2, Math.min(3, w.nItems)) : 1;
  const logger = plainPolicy(r, w.nItems, { thompson: L === 1, minK: L });
  ctx.world = w;
  ctx.log = ctx.own(w.collect(logger, { nRounds: r.int(6, 20), lenList: L, seed: r.int(0, 999) }));
  ctx.self = ctx.log;
}

function banditDataSetup(rv, r, ctx) {
  ctx.self = ctx.own(new rv.BanditData(genBanditInput(r, { need: true }).v));
}

function streamingSetup(rv, r, ctx) {
  const est = r.pick(STD);
  const params = genParams(r, est, { tuning: false }).v;
  ctx.est = est;
  const s = ctx.own(new rv.StreamingEstimator(est, params));
  const k = r.int(0, 4);
  // no zero-weight rounds: dr-os at λ = 0 and sg-* at λ = 1 make them NaN, and fromState refuses
  // a NaN state (reported)
  for (let i = 0; i < k; i++) s.addRound(r.pick([0, 1]), r.pick([0.25, 0.5, 1]), r.pick([0.25, 0.5, 1]), dyadic(r), dyadic(r));
  ctx.params = params;
  ctx.self = s;
}

function obdCsv(r) {
  const A = r.int(2, 4);
  const L = r.int(1, 3);
  const n = r.int(3, 8);
  const rows = ['timestamp,item_id,position,click,propensity_score'];
  for (let i = 0; i < n; i++) rows.push(`${i + 1},${i < A ? i : r.int(0, A - 1)},${r.int(1, L)},${r.int(0, 1)},${r.pick([0.5, 0.25, 0.125, 1])}`);
  return `${rows.join('\n')}\n`;
}

function obdSetup(rv, r, ctx) {
  ctx.self = ctx.own(new rv.ObdLog(obdCsv(r)));
}

/** A per-slot distribution over the OBD log's actions (nActions × lenList). */
function obdDist(r, obd) {
  const A = obd.nActions;
  const L = obd.lenList;
  const out = new Array(A * L).fill(0);
  for (let k = 0; k < L; k++) {
    const p = r.simplex(A);
    for (let a = 0; a < A; a++) out[a * L + k] = p[a];
  }
  return out;
}

function labSetup(rv, r, ctx) {
  const w = fixtureWorld(rv, r, ctx);
  ctx.world = w;
  ctx.self = ctx.own(new rv.Lab(w, {
    logger: plainPolicy(r, w.nItems),
    target: plainPolicy(r, w.nItems),
    nRounds: r.int(10, 30),
    replicates: r.int(1, 3),
    seed: r.int(0, 99),
    estimators: r.pick([['naive', 'ipw'], ['ipw', 'snipw', 'dr'], ['dm', 'sndr']]),
    nBootstrapSamples: r.pick([0, 0, 5]),
  }));
}

function elicitationSetup(rv, r, ctx) {
  const w = fixtureWorld(rv, r, ctx);
  ctx.world = w;
  ctx.self = ctx.own(new rv.Elicitation(w, { particles: r.int(10, 40), seed: r.int(0, 99), options: r.int(2, w.nTopics) }));
}

/** Two distinct topics of a world, and one of them chosen. */
function question(r, nTopics) {
  const a = r.int(0, nTopics - 1);
  let b = r.int(0, nTopics - 2);
  if (b >= a) b++;
  return [a, b];
}

const stateOf = (cls) => (rv, ctx) => {
  const o = ctx.origSelf;
  return { StreamingEstimator: () => [o.nRounds, o.value, o.standardError], Elicitation: () => [o.asked, o.meanTaste()], World: () => [o.nUsers], Lab: () => [o.replicatesDone] }[cls]();
};

// ---------------------------------------------------------------------------------------------
// The specs

const specs = [];
const add = (s) => specs.push(s);

// Utilities
add({ name: 'version', weight: 0.2, arity: 0, call: (rv) => rv.version() });
add({ name: 'estimatorNames', weight: 0.2, arity: 0, call: (rv) => rv.estimatorNames() });
add({
  name: 'seededDraws',
  arity: 2,
  args: (rv, r) => [arg('seed', T.seed(r.pick([0, 1, 7, 2 ** 33, 2 ** 53 - 1]))), arg('n', T.int(r.int(0, 4), { lo: 0, hi: 1e6, size: true }))],
  call: (rv, ctx, a) => rv.seededDraws(...a),
});
add({
  name: 'kendallTau',
  arity: 2,
  args: (rv, r) => {
    const n = r.int(2, 7);
    const xs = () => Array.from({ length: n }, () => dyadic(r, -2, 2, 4));
    return [arg('x', T.floats(xs(), { group: 'xy' })), arg('y', T.floats(xs(), { group: 'xy' }))];
  },
  call: (rv, ctx, a) => rv.kendallTau(...a),
});

// The evaluation workbench's helpers
add({
  name: 'fitTabularRewardModel',
  arity: 1,
  args: (rv, r) => {
    const n = r.int(5, 9);
    const k = r.int(1, 4);
    const strata = r.int(1, 3);
    const withStrata = r.chance(0.5);
    const fields = {
      action: T.ints(Array.from({ length: n }, () => r.int(0, k - 1)), { max: k, group: 'rounds' }),
      reward: T.floats(Array.from({ length: n }, () => dyadic(r)), { group: 'rounds' }),
      nActions: T.int(k, { lo: 1, hi: MAX_INT, size: true, cross: ['action'] }),
    };
    const absent = [];
    if (withStrata) {
      fields.stratum = T.ints(Array.from({ length: n }, () => r.int(0, strata - 1)), { max: strata, group: 'rounds', cross: ['nStrata'], optional: true });
      // without nStrata (1) the call is valid exactly when every stratum is 0
      fields.nStrata = T.int(strata, { lo: 1, hi: MAX_INT, size: true, cross: ['stratum'], optional: true, absentEither: true });
    } else absent.push('stratum', 'nStrata');
    const opt = some(r, {
      nFolds: () => T.int(r.int(1, 5), { lo: 1, hi: 100, effHi: n, optional: true, def: 5 }),
      foldSeed: () => T.seed(r.int(0, 100), { optional: true, def: 0 }),
      smoothing: () => T.num(r.pick([0, 1, 10]), { lo: 0, optional: true, def: 10 }),
    });
    return [arg('input', T.obj({ ...fields, ...opt.fields }, { mode: 'field', absent: [...absent, ...opt.absent] }))];
  },
  call: (rv, ctx, a) => rv.fitTabularRewardModel(...a),
});
add({
  name: 'weightHistogram',
  arity: 3,
  args: (rv, r) => {
    const n = r.int(1, 7);
    const out = [
      arg('piE', T.floats(Array.from({ length: n }, () => dyadic(r)), { elem: { lo: 0, hi: 1 }, group: 'w' })),
      arg('pscore', T.floats(Array.from({ length: n }, () => dyadic(r, 0.125)), { elem: { lo: MIN_NORMAL, hi: 1, sub: 'invalid' }, group: 'w' })),
    ];
    if (r.chance(0.5)) out.push(arg('bins', T.int(r.int(1, 40), { lo: 1, hi: 1000, optional: true, def: 30 })));
    return out;
  },
  call: (rv, ctx, a) => rv.weightHistogram(...a),
});

// One-shot estimators
for (const [fn, weight, withOptions, piB] of [
  ['estimatePolicyValue', 3, false, false],
  ['estimateRoundRewards', 2, false, false],
  ['estimateInterval', 3, true, false],
  ['estimateDiagnostics', 2, false, true],
]) {
  add({
    name: fn,
    weight,
    arity: withOptions ? 4 : 3,
    args: (rv, r) => {
      const family = r.weighted([[8, 'standard'], [1, 'embed'], [1, 'multi']]);
      const est = r.pick(family === 'embed' ? EMBED : family === 'multi' ? MULTI : STD);
      const need = MODEL.has(est) || est.endsWith('_dr');
      const params = genParams(r, est);
      // the diagnostics read the reward model only to tune λ (a model estimator's estimates)
      const tuning = params.v != null && typeof params.v === 'object' && 'lambdas' in params.v;
      const input = genBanditInput(r, { need, read: { model: need, piB: piB || family === 'embed' }, piBMatters: piB, modelOptional: piB && !tuning, family, est });
      const out = [arg('estimatorName', T.str(est, { enum: ALL_EST })), arg('input', input), arg('params', params)];
      if (withOptions) out.push(arg('options', genIntervalOptions(r, { nanProne: NAN_PRONE.has(est) || family !== 'standard' })));
      return out;
    },
    call: (rv, ctx, a) => rv[fn](...a),
  });
}

add({
  name: 'summarizeOffPolicyEstimates',
  weight: 3,
  arity: 3,
  args: (rv, r) => {
    const input = genBanditInput(r, { piBMatters: true });
    const hasModel = 'estimatedRewardsByRegModel' in input.v;
    const ests = r.chance(0.8) ? genEstimators(r, hasModel) : T.none({ k: 'list' });
    if (hasModel) {
      // the default list depends on the reward model; an explicit list needs it for the DM family
      const q = input.t.fields.estimatedRewardsByRegModel;
      if (ests.v === undefined) q.def = undefined;
      else if (usesModel(ests.v)) q.optional = false;
    }
    const gt = r.chance(0.4) ? T.num(r.pick([0.5, 0.25, 1]), { optional: true }) : undefined;
    const nanProne = ests.v === undefined || ests.v.some((e) => NAN_PRONE.has(typeof e === 'string' ? e : e.estimatorName));
    return [arg('input', input), arg('estimators', ests), arg('options', genIntervalOptions(r, { extra: { groundTruth: gt }, nanProne }))];
  },
  call: (rv, ctx, a) => rv.summarizeOffPolicyEstimates(...a),
});

// BanditData
add({ name: 'new BanditData', weight: 2, arity: 1, args: (rv, r) => [arg('input', genBanditInput(r, { piBMatters: true }))], call: (rv, ctx, a) => new rv.BanditData(...a) });
for (const [m, withOptions] of [['estimatePolicyValue', false], ['estimateRoundRewards', false], ['estimateInterval', true], ['estimateDiagnostics', false]]) {
  add({
    name: `BanditData.${m}`,
    selfClass: 'BanditData',
    arity: withOptions ? 3 : 2,
    setup: banditDataSetup,
    args: (rv, r) => {
      const est = r.pick(STD);
      const out = [arg('estimatorName', T.str(est, { enum: STD })), arg('params', genParams(r, est))];
      if (withOptions) out.push(arg('options', genIntervalOptions(r, { nanProne: NAN_PRONE.has(est) })));
      return out;
    },
    call: method('BanditData', m),
  });
}

// StreamingEstimator
add({
  name: 'new StreamingEstimator',
  arity: 2,
  args: (rv, r) => {
    const est = r.pick(STD);
    // a streaming estimator takes a fixed λ (tuning needs the whole log)
    return [arg('estimatorName', T.str(est, { enum: STD })), arg('params', genParams(r, est, { tuning: false }))];
  },
  call: (rv, ctx, a) => new rv.StreamingEstimator(...a),
});
add({
  name: 'StreamingEstimator.add',
  weight: 2,
  selfClass: 'StreamingEstimator',
  arity: 1,
  setup: streamingSetup,
  args: (rv, r, ctx) => [arg('input', genBanditInput(r, { need: MODEL.has(ctx.est) }))],
  call: method('StreamingEstimator', 'add'),
  state: stateOf('StreamingEstimator'),
});
add({
  name: 'StreamingEstimator.addRound',
  weight: 2,
  selfClass: 'StreamingEstimator',
  arity: 5,
  setup: streamingSetup,
  args: (rv, r, ctx) => {
    const need = MODEL.has(ctx.est);
    const q = need || r.chance(0.5) ? dyadic(r) : undefined;
    const d = q === undefined ? undefined : dyadic(r);
    // without a reward model, qLogged and dm are checked (finite numbers) but not used
    const opt = (v, cross) => T.num(v, { optional: !need, def: need ? undefined : v, cross });
    return [
      arg('reward', T.num(r.pick([0, 1, 0.5, 2]))),
      arg('pscore', T.num(r.pick([0.25, 0.5, 1]), { lo: MIN_NORMAL, hi: 1, sub: 'invalid' })),
      arg('piE', T.num(r.pick([0, 0.5, 1]), { lo: 0, hi: 1 })),
      arg('qLogged', opt(q)),
      arg('dm', opt(d, ['qLogged'])),
    ];
  },
  call: method('StreamingEstimator', 'addRound'),
  state: stateOf('StreamingEstimator'),
});
add({
  name: 'StreamingEstimator.merge',
  selfClass: 'StreamingEstimator',
  arity: 1,
  setup: streamingSetup,
  args: (rv, r, ctx) => {
    const o = ctx.own(new rv.StreamingEstimator(ctx.est, ctx.params));
    for (let i = r.int(0, 3); i > 0; i--) o.addRound(r.pick([0, 1]), 0.5, r.pick([0, 1]), 0.5, 0.5);
    return [arg('other', T.cls(o, 'StreamingEstimator'))];
  },
  call: method('StreamingEstimator', 'merge'),
  state: stateOf('StreamingEstimator'),
  specials: (rv, ctx, values) => [
    // merging an accumulator into itself: a named refusal or a doubling are both defensible
    () => ({ op: 'special.merge-self', desc: 'other: the receiver itself', verdict: 'either', names: new Set(['other']), apply: (args) => { args[0] = ctx.self; } }),
    () => {
      const other = ctx.own(new rv.StreamingEstimator(ctx.est === 'ipw' ? 'snipw' : 'ipw'));
      return { op: 'special.merge-other-kind', desc: 'other: an accumulator of another estimator', verdict: 'invalid', names: new Set(['other']), apply: (args) => { args[0] = other; } };
    },
  ],
});
add({
  name: 'StreamingEstimator.interval',
  selfClass: 'StreamingEstimator',
  arity: 1,
  setup: streamingSetup,
  args: (rv, r) => [arg('alpha', T.num(r.pick([0.05, 0.1, 0.5, undefined]), { lo: 0, hi: 1, loOpen: true, hiOpen: true, optional: true, def: 0.05 }))],
  call: method('StreamingEstimator', 'interval'),
});
add({ name: 'StreamingEstimator.state', selfClass: 'StreamingEstimator', arity: 0, setup: streamingSetup, call: method('StreamingEstimator', 'state') });
add({
  name: 'StreamingEstimator.fromState',
  weight: 2,
  arity: 1,
  setup: streamingSetup,
  args: (rv, r, ctx) => {
    const s = ctx.self.state();
    ctx.self = undefined; // a static method: no receiver
    const fields = { estimatorName: T.str(s.estimatorName, { enum: STD }) };
    const absent = [];
    if (s.lambda !== undefined && s.lambda !== null) fields.lambda = T.num(s.lambda, { ...lambdaType(s.estimatorName), optional: true });
    else absent.push('lambda');
    const m = s.moments;
    // a state keeps NaN and ±∞ on purpose (an estimator undefined on some round has a NaN state,
    // and restoring it gives the same NaN estimate): either verdict
    const row = (xs) => T.floats([...xs], { up: 2, elem: { nonFinite: 'either' } });
    fields.moments = T.obj({
      // StreamingState declares n required; the reader defaults it to 0: either (reported)
      n: T.int(m.n, { lo: 0, hi: 2 ** 53 - 1, absentEither: true }),
      mean: T.floats([...m.mean], { up: 1, elem: { nonFinite: 'either' } }),
      comoment: T.list(m.comoment.map(row), { emptyVerdict: 'invalid', dropVerdict: 'invalid' }),
    });
    return [arg('state', T.obj(fields, { absent }))];
  },
  call: (rv, ctx, a) => rv.StreamingEstimator.fromState(...a),
});

// Slate estimators
for (const [fn, weight, withOptions] of [['estimateSlatePolicyValue', 2, false], ['estimateSlateRoundRewards', 1, false], ['estimateSlateInterval', 2, true]]) {
  add({
    name: fn,
    weight,
    arity: withOptions ? 4 : 3,
    args: (rv, r, ctx) => {
      const est = r.pick(SLATE);
      const out = [
        arg('estimatorName', T.str(est, { enum: SLATE })),
        arg('slateInput', genSlateInput(rv, r, ctx, est)),
        arg('params', r.chance(0.5) ? T.none({ mode: 'field' }) : T.obj({}, { mode: 'field', optional: true })),
      ];
      if (withOptions) out.push(arg('options', genIntervalOptions(r, { slate: true })));
      return out;
    },
    call: (rv, ctx, a) => rv[fn](...a),
  });
}

// World
add({ name: 'new World', weight: 3, arity: 1, args: (rv, r) => [arg('config', genWorldConfig(r))], call: (rv, ctx, a) => new rv.World(...a),
  specials: () => [() => ({ op: 'special.world-too-big', desc: 'config: { nUsers: 1e5, nItems: 5000 } (each in range, together past the limits)', verdict: 'invalid', names: new Set(['nUsers', 'nItems', 'config']), apply: (args) => { args[0] = { nUsers: 1e5, nItems: 5000 }; } })],
});
const reward = (r) => (r.chance(0.5) ? T.obj({ reward: signal(r, { optional: true }) }, { optional: true }) : r.chance(0.5) ? T.obj({}, { optional: true, absent: ['reward'] }) : T.none({ absent: ['reward'] }));
for (const m of ['policyValue', 'policyValueByUser']) {
  add({ name: `World.${m}`, weight: 2, selfClass: 'World', arity: 2, setup: worldSetup, args: (rv, r, ctx) => [arg('policy', genPolicy(r, ctx.world.nItems)), arg('options', reward(r))], call: method('World', m) });
}
add({
  name: 'World.rankingValue',
  weight: 2,
  selfClass: 'World',
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const ni = ctx.world.nItems;
    const f = some(r, {
      reward: () => signal(r, { optional: true }),
      mcRounds: () => T.int(r.pick([100, 1000]), { lo: 1, hi: 1e8, size: true, optional: true }),
      seed: () => T.seed(r.int(0, 99), { optional: true }),
    });
    const L = r.int(1, Math.min(3, ni));
    // `lenList` is required by the TypeScript type ({ lenList: number; … }) but the implementation
    // defaults it to 1: either is within the contract (reported as a discrepancy)
    return [arg('policy', genPolicy(r, ni, { minK: L })), arg('options', T.obj({ lenList: T.int(L, { lo: 1, hi: ni, cross: ['k'], optional: true, absentEither: true }), ...f.fields }, { absent: f.absent, absentEither: true }))];
  },
  call: method('World', 'rankingValue'),
  specials: (rv, ctx) => [() => ({ op: 'special.mc-too-big', desc: 'options: { lenList: 3, mcRounds: 1e8 } (past the memory limit)', verdict: 'invalid', names: new Set(['mcRounds', 'options.mcRounds']), apply: (args) => { args[1] = { lenList: Math.min(3, ctx.world.nItems), mcRounds: 1e8 }; } })],
});
add({
  name: 'World.collect',
  weight: 3,
  selfClass: 'World',
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const ni = ctx.world.nItems;
    const L = r.chance(0.3) ? r.int(2, Math.min(3, ni)) : 1;
    const policy = genPolicy(r, ni, { thompson: L === 1, minK: L });
    const thompson = policy.v.kind === 'thompson';
    const f = some(r, {
      seed: () => T.seed(r.int(0, 999), { optional: true, def: 0 }),
      lenList: () => T.int(L, { lo: 1, hi: 100, effHi: thompson ? 1 : ni, optional: true, def: 1, cross: ['k'] }),
      reward: () => signal(r, { optional: true }),
    }, 0.6, L > 1 ? ['lenList'] : []);
    return [arg('policy', policy), arg('options', T.obj({ nRounds: T.int(r.int(1, 30), { lo: 1, hi: 1e7, size: true }), ...f.fields }, { absent: f.absent }))];
  },
  call: method('World', 'collect'),
  specials: (rv, ctx) => [() => ({ op: 'special.collect-too-big', desc: 'options: { nRounds: 1e7, lenList: nItems } (past the memory limit)', verdict: 'invalid', names: new Set(['nRounds', 'options.nRounds', 'lenList', 'options.lenList']), apply: (args) => { args[0] = { kind: 'uniform' }; args[1] = { nRounds: 1e7, lenList: ctx.world.nItems }; } })],
});
add({ name: 'World.examination', selfClass: 'World', arity: 1, setup: worldSetup, args: (rv, r) => [arg('k', T.int(r.int(0, 4), { lo: 0, hi: 1e9 }))], call: method('World', 'examination') });
add({ name: 'World.actionProbabilities', selfClass: 'World', arity: 1, setup: worldSetup, args: (rv, r, ctx) => [arg('policy', genPolicy(r, ctx.world.nItems))], call: method('World', 'actionProbabilities') });
add({
  name: 'World.positionProbabilities',
  selfClass: 'World',
  arity: 3,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    const L = r.int(1, Math.min(3, w.nItems));
    return [arg('policy', genPolicy(r, w.nItems, { minK: L })), arg('user', T.int(r.int(0, w.nUsers - 1), { lo: 0, hi: w.nUsers - 1 })), arg('lenList', T.int(L, { lo: 1, hi: w.nItems, cross: ['k'] }))];
  },
  call: method('World', 'positionProbabilities'),
});
add({ name: 'World.expectedSignal', selfClass: 'World', arity: 1, setup: worldSetup, args: (rv, r) => [arg('signal', signal(r))], call: method('World', 'expectedSignal') });
add({
  name: 'World.addModel',
  selfClass: 'World',
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    ctx.modelName = `m${r.int(0, 9)}`;
    const scores = Array.from({ length: w.nUsers * w.nItems }, (_, i) => ((i * 7) % 11) / 4 - 1);
    return [arg('name', T.str(ctx.modelName)), arg('scores', T.floats(scores))];
  },
  call: method('World', 'addModel'),
  state: (rv, ctx) => ctx.origSelf.policyValue({ kind: 'softmax', beta: 1, score: `model:${ctx.modelName}` }),
});
add({
  name: 'World.fitRecommender',
  weight: 2,
  selfClass: 'World',
  arity: 3,
  setup: (rv, r, ctx) => {
    worldSetup(rv, r, ctx);
    ctx.log = ctx.own(ctx.world.collect(plainPolicy(r, ctx.world.nItems), { nRounds: r.int(5, 20), seed: r.int(0, 99) }));
  },
  args: (rv, r, ctx) => [arg('name', T.str(`rec${r.int(0, 9)}`)), arg('log', T.cls(ctx.log, 'Log')), arg('spec', r.chance(0.85) ? genRecommender(r) : T.none())],
  call: method('World', 'fitRecommender'),
  specials: (rv, ctx) => [() => {
    const w2 = ctx.own(new rv.World({ nUsers: 3, nItems: 2 }));
    const other = ctx.own(w2.collect({ kind: 'uniform' }, { nRounds: 5 }));
    return { op: 'special.log-of-another-world', desc: 'log: a Log collected from another (smaller) world', verdict: 'invalid', names: new Set(['log']), apply: (args) => { args[1] = other; } };
  }],
});
add({
  name: 'World.ratings',
  selfClass: 'World',
  arity: 1,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    const mode = r.pick(['random', 'self-selected']);
    // the random survey's default is 5 ratings per user, or every item of a smaller world
    const f = mode === 'random'
      ? some(r, { perUser: () => T.int(r.int(1, w.nItems), { lo: 1, hi: w.nItems, optional: true }), seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }) }, 0.5)
      : some(r, {
        mode: () => T.str('self-selected', { enum: ['self-selected', 'random'], optional: true, def: 'self-selected' }),
        perUser: () => T.num(r.pick([0.5, 1, 2]), { lo: 0.01, hi: w.nItems, optional: true }),
        chooser: () => { const p = genPolicy(r, w.nItems); p.t.optional = true; return p; },
        seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
      });
    if (mode === 'random') f.fields = { mode: T.str('random', { enum: ['self-selected', 'random'], optional: true }), ...f.fields };
    return [arg('options', T.obj(f.fields, { absent: f.absent, optional: true }))];
  },
  call: method('World', 'ratings'),
});
add({ name: 'World.stakeholderMetrics', selfClass: 'World', arity: 1, setup: worldSetup, args: (rv, r, ctx) => [arg('policy', genPolicy(r, ctx.world.nItems))], call: method('World', 'stakeholderMetrics') });
add({
  name: 'World.creatorDynamics',
  selfClass: 'World',
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const f = some(r, {
      rounds: () => T.int(r.int(0, 4), { lo: 0, hi: 1000, optional: true, def: 10 }),
      threshold: () => T.num(r.pick([0, 0.2, 0.5]), { lo: 0, hi: 1, optional: true, def: 0.2 }),
    });
    return [arg('policy', genPolicy(r, ctx.world.nItems)), arg('options', r.chance(0.85) ? T.obj(f.fields, { absent: f.absent, optional: true }) : T.none({ absent: ['rounds', 'threshold'] }))];
  },
  call: method('World', 'creatorDynamics'),
});
add({
  name: 'World.simulateElicitation',
  selfClass: 'World',
  arity: 1,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    const f = some(r, {
      strategy: () => T.str(r.pick(['random', 'popular', 'adaptive']), { enum: ['random', 'popular', 'adaptive'], optional: true, def: 'adaptive' }),
      options: () => T.int(r.int(2, w.nTopics), { lo: 2, hi: 64, effHi: w.nTopics, optional: true }),
      choiceSharpness: () => T.num(r.pick([0.5, 2, 5]), { lo: 0.01, hi: 20, optional: true, def: 2 }),
      // optional (1000 particles, 100 users, 6 questions) but always given, to keep cases fast
      particles: () => T.int(r.int(10, 30), { lo: 10, hi: 1e5, size: true, optional: true }),
      nUsers: () => T.int(r.int(1, Math.min(4, w.nUsers)), { lo: 1, hi: w.nUsers, optional: true }),
      nQuestions: () => T.int(r.int(0, 2), { lo: 0, hi: 50, optional: true }),
      topN: () => T.int(r.int(1, w.nItems), { lo: 1, hi: w.nItems, optional: true }),
      seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
    }, 0.5, ['particles', 'nUsers', 'nQuestions']);
    // options defaults to 3, or every topic of a world with fewer (2 at least)
    return [arg('options', T.obj(f.fields, { absent: f.absent, optional: true }))];
  },
  call: method('World', 'simulateElicitation'),
});
add({
  name: 'World.recommendationQuality',
  selfClass: 'World',
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    const items = Array.from({ length: r.int(1, 3) }, () => r.int(0, w.nItems - 1));
    return [arg('user', T.int(r.int(0, w.nUsers - 1), { lo: 0, hi: w.nUsers - 1 })), arg('items', T.ints(items, { max: w.nItems, len: 'free' }))];
  },
  call: method('World', 'recommendationQuality'),
});
add({
  name: 'World.recommendForTaste',
  selfClass: 'World',
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    return [arg('taste', T.floats(Array.from({ length: w.nTopics }, () => dyadic(r, -2, 2, 4)))), arg('n', T.int(r.int(1, w.nItems), { lo: 1, hi: w.nItems }))];
  },
  call: method('World', 'recommendForTaste'),
});
add({ name: 'World.userTaste', selfClass: 'World', arity: 1, setup: worldSetup, args: (rv, r, ctx) => [arg('user', T.int(r.int(0, ctx.world.nUsers - 1), { lo: 0, hi: ctx.world.nUsers - 1 }))], call: method('World', 'userTaste') });
for (const m of ['relevance', 'popularity', 'itemCreator', 'itemMarket', 'itemTopic', 'itemTopics', 'itemPrice', 'userMarket', 'arrival', 'userSampling', 'trueRatings']) {
  add({ name: `World.${m}`, weight: 0.25, selfClass: 'World', arity: 0, setup: worldSetup, call: method('World', m) });
}
for (const g of ['nUsers', 'nItems', 'nTopics', 'seed', 'clickModel']) {
  add({ name: `World.${g}`, weight: 0.15, selfClass: 'World', setup: worldSetup, call: getter('World', g) });
}

// Log
const logTarget = (name) => (rv, r, ctx) => [arg(name, genPolicy(r, ctx.world.nItems, { minK: ctx.log.lenList }))];
add({ name: 'Log.actionDist', weight: 2, selfClass: 'Log', arity: 1, setup: logSetup, args: logTarget('policy'), call: method('Log', 'actionDist') });
add({ name: 'Log.piB', weight: 0.5, selfClass: 'Log', arity: 0, setup: logSetup, call: method('Log', 'piB') });
add({ name: 'Log.expectedReward', selfClass: 'Log', arity: 1, setup: logSetup, args: (rv, r) => [arg('options', reward(r))], call: method('Log', 'expectedReward') });
add({ name: 'Log.rewardModel', weight: 2, selfClass: 'Log', arity: 1, setup: logSetup, args: (rv, r) => [arg('spec', r.chance(0.85) ? genRewardModel(r, { optional: true }) : T.none({ absent: ['kind'] }))], call: method('Log', 'rewardModel') });
add({
  name: 'Log.banditInput',
  weight: 2,
  selfClass: 'Log',
  arity: 2,
  setup: logSetup,
  args: (rv, r, ctx) => [arg('target', genPolicy(r, ctx.world.nItems, { minK: ctx.log.lenList })), arg('options', r.chance(0.6) ? T.obj({ rewardModel: genRewardModel(r, { optional: true }) }, { optional: true }) : T.none({ absent: ['rewardModel'] }))],
  call: method('Log', 'banditInput'),
});
add({
  name: 'Log.slateInput',
  selfClass: 'Log',
  arity: 2,
  setup: logSetup,
  args: (rv, r, ctx) => {
    const model = ['cumulative', 'fitted', 'immediate'];
    const options = r.chance(0.5) ? T.obj({ rewardModel: T.str(r.pick(model), { enum: model, optional: true, def: 'cumulative' }) }, { optional: true }) : T.none({ absent: ['rewardModel'] });
    return [arg('target', genPolicy(r, ctx.world.nItems, { minK: ctx.log.lenList })), arg('options', options)];
  },
  call: method('Log', 'slateInput'),
});
add({ name: 'Log.targetPscore', selfClass: 'Log', arity: 1, setup: logSetup, args: logTarget('target'), call: method('Log', 'targetPscore') });
add({
  name: 'Log.summarize',
  weight: 3,
  selfClass: 'Log',
  arity: 3,
  setup: logSetup,
  args: (rv, r, ctx) => {
    const hasModel = r.chance(0.5);
    const gt = r.chance(0.3) ? T.num(r.pick([0.5, 0.25]), { optional: true }) : undefined;
    const rm = hasModel ? genRewardModel(r, { optional: true }) : undefined;
    const ests = r.chance(0.8) ? genEstimators(r, hasModel) : T.none({ k: 'list' });
    // a logged target often gives every round zero weight: self-normalized estimates are then NaN,
    // which the Bernstein bound refuses; no Bernstein here
    const options = genIntervalOptions(r, { extra: { groundTruth: gt, rewardModel: rm }, nanProne: true });
    if (rm && ests.v !== undefined && usesModel(ests.v)) {
      options.t.fields.rewardModel.optional = false;
      options.t.optional = false;
    }
    return [arg('target', genPolicy(r, ctx.world.nItems, { minK: ctx.log.lenList })), arg('estimators', ests), arg('options', options)];
  },
  call: method('Log', 'summarize'),
});
add({
  name: 'Log.rankingMetrics',
  selfClass: 'Log',
  arity: 2,
  setup: logSetup,
  args: (rv, r, ctx) => {
    const na = ctx.log.nActions;
    const f = some(r, {
      k: () => T.int(r.int(1, na), { lo: 1, hi: na, optional: true }),
      weighting: () => T.str(r.pick(['none', 'ipw']), { enum: ['none', 'ipw'], optional: true, def: 'none' }),
    });
    return [arg('candidate', genPolicy(r, ctx.world.nItems)), arg('options', r.chance(0.8) ? T.obj(f.fields, { absent: f.absent, optional: true }) : T.none({ absent: ['k', 'weighting'] }))];
  },
  call: method('Log', 'rankingMetrics'),
});
add({
  name: 'Log.subset',
  selfClass: 'Log',
  arity: 1,
  setup: logSetup,
  args: (rv, r) => {
    const f = some(r, { market: () => T.int(r.int(0, 2), { lo: 0, hi: 64, optional: true }), component: () => T.int(r.int(0, 2), { lo: 0, hi: 64, optional: true }) });
    return [arg('filter', T.obj(f.fields, { absent: f.absent, optional: true }))];
  },
  call: method('Log', 'subset'),
});
add({ name: 'Log.withReward', selfClass: 'Log', arity: 1, setup: logSetup, args: (rv, r) => [arg('name', signal(r))], call: method('Log', 'withReward') });
add({ name: 'Log.signal', selfClass: 'Log', arity: 1, setup: logSetup, args: (rv, r) => [arg('name', signal(r))], call: method('Log', 'signal') });
add({
  name: 'Log.withRewardValues',
  selfClass: 'Log',
  arity: 1,
  setup: logSetup,
  args: (rv, r, ctx) => [arg('values', T.floats(Array.from({ length: ctx.log.nRounds }, () => dyadic(r, -1, 3, 4))))],
  call: method('Log', 'withRewardValues'),
});
for (const m of ['examinationPropensity', 'naiveValue', 'toObp', 'toObpJson', 'toCsv']) {
  add({ name: `Log.${m}`, weight: 0.25, selfClass: 'Log', arity: 0, setup: logSetup, call: method('Log', m) });
}
for (const g of ['action', 'position', 'reward', 'pscore', 'pscoreSlate', 'pscoreCascade', 'slateId', 'user', 'intent', 'component', 'examined', 'rating', 'declared', 'nRounds', 'nSlates', 'nActions', 'lenList', 'rewardSignal']) {
  add({ name: `Log.${g}`, weight: 0.1, selfClass: 'Log', setup: logSetup, call: getter('Log', g) });
}

// Lab
add({
  name: 'new Lab',
  weight: 3,
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    ctx.self = undefined; // a constructor: no receiver
    const ests = [];
    for (let i = r.int(1, 3); i > 0; i--) {
      const est = r.pick(['naive', ...STD]);
      if (r.chance(0.5) || est === 'naive') ests.push(T.str(est, { enum: ['naive', ...STD] }));
      else {
        const g = some(r, {
          lambda: () => T.num(est.startsWith('sg-') ? 0.5 : 2, { ...lambdaType(est), optional: true }),
          label: () => T.str(`e${i}`, { optional: true }),
        }, est === 'dm' || est === 'rm' ? 0 : 0.5);
        ests.push(T.obj({ estimatorName: T.str(est, { enum: ['naive', ...STD] }), ...g.fields }, { absent: [...g.absent, 'component'] }));
      }
    }
    const f = some(r, {
      nRounds: () => T.int(r.int(5, 40), { lo: 1, hi: 1e7, size: true, optional: true }),
      replicates: () => T.int(r.int(1, 4), { lo: 1, hi: 1e5, size: true, optional: true, def: 100 }),
      seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
      estimators: () => T.list(ests, { optional: true, emptyVerdict: 'invalid', dropVerdict: 'valid' }),
      rewardModel: () => genRewardModel(r, { optional: true }),
      alpha: () => T.num(r.pick([0.05, 0.1, 0.5]), { lo: 1e-9, hi: 0.5, optional: true, def: 0.05 }),
      nBootstrapSamples: () => T.int(r.pick([0, 5]), { lo: 0, hi: 1e5, size: true, optional: true, def: 0 }),
      reward: () => signal(r, { optional: true }),
    }, 0.5);
    return [arg('world', T.cls(w, 'World')), arg('scenario', T.obj({ logger: genPolicy(r, w.nItems), target: genPolicy(r, w.nItems), ...f.fields }, { absent: f.absent }))];
  },
  call: (rv, ctx, a) => new rv.Lab(...a),
});
add({
  name: 'Lab.step',
  weight: 2,
  selfClass: 'Lab',
  arity: 1,
  setup: labSetup,
  args: (rv, r) => [arg('n', T.int(r.int(0, 3), { lo: 0, hi: 1e9 }))],
  call: method('Lab', 'step'),
  state: stateOf('Lab'),
});
add({ name: 'Lab.summary', selfClass: 'Lab', arity: 0, setup: labSetup, call: method('Lab', 'summary') });
add({ name: 'Lab.run', selfClass: 'Lab', arity: 0, setup: labSetup, call: method('Lab', 'run') });
for (const g of ['truth', 'replicatesDone', 'replicatesTotal', 'labels']) {
  add({ name: `Lab.${g}`, weight: 0.15, selfClass: 'Lab', setup: labSetup, call: getter('Lab', g) });
}

// ObdLog
add({ name: 'new ObdLog', weight: 2, arity: 1, args: (rv, r) => [arg('csv', T.csv(obdCsv(r)))], call: (rv, ctx, a) => new rv.ObdLog(...a) });
add({
  name: 'ObdLog.estimate',
  weight: 2,
  selfClass: 'ObdLog',
  arity: 3,
  setup: obdSetup,
  args: (rv, r, ctx) => {
    const obd = ctx.self;
    const est = r.pick(STD);
    const need = MODEL.has(est);
    const shape = obd.nActions * obd.lenList;
    const f = some(r, {
      rewardModel: () => T.floats(Array.from({ length: shape }, () => dyadic(r)), { optional: !need, lenNames: ['dist'] }),
      lambda: () => (est === 'dm' || est === 'rm' ? undefined : T.num(est.startsWith('sg-') ? 0.5 : 2, { ...lambdaType(est), optional: true })),
      alpha: () => T.num(r.pick([0.05, 0.1]), { lo: 0, hi: 1, loOpen: true, hiOpen: true, optional: true, def: 0.05 }),
    }, 0.5, need ? ['rewardModel'] : []);
    for (const [k, v] of Object.entries(f.fields)) if (v === undefined) delete f.fields[k];
    const options = Object.keys(f.fields).length || r.chance(0.5) ? T.obj(f.fields, { mode: 'field', absent: f.absent, optional: !need }) : T.none({ mode: 'field', absent: f.absent });
    return [arg('estimatorName', T.str(est, { enum: STD })), arg('dist', T.floats(obdDist(r, obd), { elem: { lo: 0, hi: 1, dist: true }, lenNames: ['rewardModel'] })), arg('options', options)];
  },
  call: method('ObdLog', 'estimate'),
});
add({
  name: 'ObdLog.banditInput',
  selfClass: 'ObdLog',
  arity: 2,
  setup: obdSetup,
  args: (rv, r, ctx) => {
    const obd = ctx.self;
    const shape = obd.nActions * obd.lenList;
    const out = [arg('dist', T.floats(obdDist(r, obd), { elem: { lo: 0, hi: 1, dist: true }, lenNames: ['rewardModel'] }))];
    if (r.chance(0.5)) out.push(arg('rewardModel', T.floats(Array.from({ length: shape }, () => dyadic(r)), { optional: true, lenNames: ['dist'] })));
    return out;
  },
  call: method('ObdLog', 'banditInput'),
});
add({
  name: 'ObdLog.tabularRewardModel',
  selfClass: 'ObdLog',
  arity: 1,
  setup: obdSetup,
  args: (rv, r) => [arg('smoothing', T.num(r.pick([0, 1, 10, undefined]), { lo: 0, optional: true, def: 10 }))],
  call: method('ObdLog', 'tabularRewardModel'),
});
add({ name: 'ObdLog.empiricalActionDist', weight: 0.3, selfClass: 'ObdLog', arity: 0, setup: obdSetup, call: method('ObdLog', 'empiricalActionDist') });
for (const g of ['nRounds', 'nActions', 'lenList', 'ctr', 'action', 'position', 'reward', 'pscore']) {
  add({ name: `ObdLog.${g}`, weight: 0.1, selfClass: 'ObdLog', setup: obdSetup, call: getter('ObdLog', g) });
}

// Elicitation
add({
  name: 'new Elicitation',
  weight: 2,
  arity: 2,
  setup: worldSetup,
  args: (rv, r, ctx) => {
    const w = ctx.world;
    ctx.self = undefined;
    const f = some(r, {
      options: () => T.int(r.int(2, w.nTopics), { lo: 2, hi: 64, effHi: w.nTopics, optional: true }),
      choiceSharpness: () => T.num(r.pick([0.5, 2, 5]), { lo: 0.01, hi: 20, optional: true, def: 2 }),
      particles: () => T.int(r.int(10, 50), { lo: 10, hi: 1e5, size: true, optional: true }),
      seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
    }, 0.5, ['particles']);
    // options defaults to 3, or every topic of a world with fewer (2 at least)
    return [arg('world', T.cls(w, 'World')), arg('options', T.obj(f.fields, { absent: f.absent, optional: true }))];
  },
  call: (rv, ctx, a) => new rv.Elicitation(...a),
});
add({
  name: 'Elicitation.nextQuestion',
  selfClass: 'Elicitation',
  arity: 1,
  setup: elicitationSetup,
  args: (rv, r) => [arg('strategy', T.str(r.pick(['random', 'popular', 'adaptive']), { enum: ['random', 'popular', 'adaptive'] }))],
  call: method('Elicitation', 'nextQuestion'),
  state: stateOf('Elicitation'),
});
add({
  name: 'Elicitation.answer',
  weight: 2,
  selfClass: 'Elicitation',
  arity: 2,
  setup: elicitationSetup,
  args: (rv, r, ctx) => {
    const q = question(r, ctx.world.nTopics);
    // a longer question (a repeated topic) may be accepted; a shorter one cannot be
    return [arg('question', T.ints(q, { max: ctx.world.nTopics, len: 'min', minLen: 2, lenNames: ['choice'] })), arg('choice', T.int(r.pick(q), { lo: 0, hi: 2 ** 32 - 1, change: 'invalid' }))];
  },
  call: method('Elicitation', 'answer'),
  state: stateOf('Elicitation'),
});
add({
  name: 'Elicitation.informationGain',
  selfClass: 'Elicitation',
  arity: 1,
  setup: elicitationSetup,
  args: (rv, r, ctx) => [arg('question', T.ints(question(r, ctx.world.nTopics), { max: ctx.world.nTopics, len: 'min', minLen: 2 }))],
  call: method('Elicitation', 'informationGain'),
});
add({ name: 'Elicitation.recommend', selfClass: 'Elicitation', arity: 1, setup: elicitationSetup, args: (rv, r, ctx) => [arg('n', T.int(r.int(1, ctx.world.nItems), { lo: 1, hi: ctx.world.nItems }))], call: method('Elicitation', 'recommend') });
add({ name: 'Elicitation.meanTaste', weight: 0.3, selfClass: 'Elicitation', arity: 0, setup: elicitationSetup, call: method('Elicitation', 'meanTaste') });
add({ name: 'Elicitation.asked', weight: 0.15, selfClass: 'Elicitation', setup: elicitationSetup, call: getter('Elicitation', 'asked') });

// λ tuning (OBP's *Tuning estimators)
add({
  name: 'tuneLambda',
  weight: 2,
  arity: 3,
  args: (rv, r) => {
    const est = r.pick(TUNABLE);
    const need = MODEL.has(est);
    const input = genBanditInput(r, { need, read: { model: need, piB: false } });
    return [arg('estimatorName', T.str(est, { enum: ALL_EST })), arg('input', input), arg('params', genTuning(r, est, { optional: false }))];
  },
  call: (rv, ctx, a) => rv.tuneLambda(...a),
});

// Lessons (the pages' computations). Only lessons whose state this spec knows are generated.
function genLessonState(r) {
  const n = (v, lo, hi) => T.num(v, { lo, hi });
  const f = some(r, { seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }) });
  return T.obj({
    beta: n(r.pick([0, 1, 2, 3.5]), 0, 10),
    popBias: n(r.pick([0, 0.5, 1]), 0, 5),
    tail: n(r.pick([0, 1, 2]), 0, 5),
    skew: n(r.pick([0, 0.5, 1]), 0, 3),
    // visits: an integer (a fraction must not be truncated silently)
    rounds: T.int(r.int(10, 30), { lo: 10, hi: 1e6, size: true }),
    ...f.fields,
  }, { absent: f.absent });
}
const LESSONS = ['biased-logs'];
add({ name: 'lessonSlugs', weight: 0.2, arity: 0, call: (rv) => rv.lessonSlugs() });
add({
  name: 'lessonDigest',
  weight: 0.4,
  arity: 3, // (lesson, state, data?): the files, for the lessons that read some
  args: (rv, r) => [arg('lesson', T.str(r.pick(LESSONS), { enum: LESSONS })), arg('state', genLessonState(r))],
  call: (rv, ctx, a) => rv.lessonDigest(...a),
});
add({
  name: 'new LessonRun',
  arity: 3, // (lesson, state, data?): the files, for the lessons that read some
  args: (rv, r) => [arg('lesson', T.str(r.pick(LESSONS), { enum: LESSONS })), arg('state', genLessonState(r))],
  call: (rv, ctx, a) => new rv.LessonRun(...a),
});
add({
  name: 'LessonRun.step',
  weight: 0.5,
  selfClass: 'LessonRun',
  arity: 0,
  setup: (rv, r, ctx) => {
    ctx.self = ctx.own(new rv.LessonRun(r.pick(LESSONS), genLessonState(r).v));
  },
  call: method('LessonRun', 'step'),
});

// Causal model
function genCausalModel(r, sampled = false) {
  // estimates from a sample need every (taste, popularity) stratum to hold exposed and
  // unexposed units: moderate probabilities and effects for causalEstimate
  const p = () => T.num(r.pick(sampled ? [0.25, 0.5, 0.75] : [0, 0.25, 0.5, 1]), { lo: 0, hi: 1, optional: true });
  const c = () => T.num(r.pick(sampled ? [0, 0.5, -0.5] : [0, 1, -2, 0.5]), { lo: -10, hi: 10, optional: true });
  const f = some(r, {
    pTaste: p, pPopular: p, e0: c, eU: c, eC: c, y0: c, yE: c, yU: c, yC: c,
    confounding: () => T.num(r.pick(sampled ? [0, 0.5, 1] : [0, 1, 2]), { lo: 0, hi: 5, optional: true, def: 1 }),
    edges: () => {
      const b = () => T.bool(r.chance(0.5), { optional: true });
      const g = some(r, { tasteToExposure: b, popularityToExposure: b, tasteToClick: b, popularityToClick: b, exposureToClick: b });
      return T.obj(g.fields, { absent: g.absent, optional: true });
    },
  }, 0.3);
  return r.chance(0.85) ? T.obj(f.fields, { absent: f.absent, optional: true }) : T.none({ absent: f.absent });
}
add({ name: 'causalTruth', arity: 1, args: (rv, r) => [arg('model', genCausalModel(r))], call: (rv, ctx, a) => rv.causalTruth(...a) });
add({
  name: 'causalEstimate',
  weight: 2,
  arity: 2,
  // on a finite sample, adjustment can lack units in a stratum (positivity): a named error
  loose: ['adjust', 'options.adjust'],
  args: (rv, r) => {
    const f = some(r, {
      seed: () => T.seed(r.int(0, 99), { optional: true, def: 0 }),
      exposure: () => T.int(r.int(0, 1), { lo: 0, hi: 1, optional: true, def: 1 }),
      adjust: () => {
        const b = () => T.bool(r.chance(0.5), { optional: true, def: true });
        const g = some(r, { taste: b, popularity: b });
        return T.obj(g.fields, { absent: g.absent, optional: true });
      },
    });
    // n and bootstrap are optional (1000, 200) but always given, to keep cases fast
    const fields = { n: T.int(r.int(800, 2000), { lo: 1, hi: 1e7, size: true, optional: true }), bootstrap: T.int(r.int(0, 10), { lo: 0, hi: 1e4, size: true, optional: true }), ...f.fields };
    return [arg('model', genCausalModel(r, true)), arg('options', T.obj(fields, { absent: f.absent, optional: true }))];
  },
  call: (rv, ctx, a) => rv.causalEstimate(...a),
});

export const SPECS = specs;
