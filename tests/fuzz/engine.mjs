// One fuzz case: build a valid call of a target from (seed, index), mutate exactly one argument,
// field, element or the receiver, run it, classify the outcome against the mutation's verdict,
// then check that the module is still healthy. Used by the worker (worker.mjs) and, for
// reproducing a single case in-process, by run.mjs --inline.
import { readFileSync } from 'node:fs';
import { caseRng, Rng } from './rng.mjs';
import { locations } from './schema.mjs';
import { opsFor, receiverOps, extraArgOps, show } from './ops.mjs';
import { SPECS } from './specs.mjs';

export const PKG = new URL('../../pkg/', import.meta.url);

export const FAILURE_KINDS = ['trap', 'lasting breakage', 'unnamed rejection', 'silent coercion', 'wrong equivalence', 'timeout', 'harness error'];
export const VERDICTS = ['invalid', 'equivalent', 'valid', 'either'];

/**
 * Load receval in this thread. The package exports the Wasm shadow-stack pointer
 * (`__receval_stack_pointer`, added by pkg-config/merge.mjs so the glue can restore it when a call
 * throws), so a case that leaks Wasm stack is caught the moment it happens instead of a thousand
 * cases later. Then the package's own entry point is imported: its initialization finds the
 * module already instantiated and keeps it.
 */
export async function loadReceval(module = null, pkg = PKG) {
  pkg = new URL(pkg);
  const glue = await import(new URL('receval_glue.js', pkg).href);
  const exports = glue.initSync({ module: module ?? compileReceval(pkg) });
  const rv = await import(new URL('receval.js', pkg).href);
  const g = exports.__receval_stack_pointer;
  const sp = g instanceof WebAssembly.Global ? g : null;
  return { rv, exports, sp, rest: sp ? sp.value : null };
}

/** The package's Wasm module, compiled once (a rebuild mid-run cannot mix two builds). */
export function compileReceval(pkg = PKG) {
  return new WebAssembly.Module(readFileSync(new URL('receval_bg.wasm', new URL(pkg))));
}

const HEALTH_INPUT = () => ({
  reward: [1, 0, 1, 1],
  action: [1, 0, 1, 0],
  pscore: [0.5, 0.5, 0.5, 0.5],
  actionDist: [0.2, 0.8, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8],
  nActions: 2,
});

/**
 * The module still computes: IPW on the reference input is 0.9 (from Arrays and from typed
 * arrays, the two ways arrays are copied in), and a tiny World values a policy and collects a
 * log exactly as it did when the worker started.
 */
export function health(h) {
  try {
    const v = h.rv.estimatePolicyValue('ipw', HEALTH_INPUT());
    if (v !== 0.9) return `estimatePolicyValue('ipw', …) gave ${v}, not 0.9`;
    const typed = HEALTH_INPUT();
    typed.reward = Float64Array.from(typed.reward);
    typed.action = Int32Array.from(typed.action);
    typed.actionDist = Float64Array.from(typed.actionDist);
    const vt = h.rv.estimatePolicyValue('ipw', typed);
    if (vt !== 0.9) return `estimatePolicyValue('ipw', typed arrays) gave ${vt}, not 0.9`;
    const w = new h.rv.World({ nUsers: 6, nItems: 3, seed: 11 });
    try {
      const u = w.policyValue({ kind: 'softmax', beta: 1 });
      const log = w.collect({ kind: 'uniform' }, { nRounds: 5, seed: 2 });
      const sum = log.reward.reduce((a, b) => a + b, 0) + log.action.reduce((a, b) => a + b, 0);
      log.free();
      const got = `${u} ${sum}`;
      if (h.worldValue === undefined) h.worldValue = got;
      if (got !== h.worldValue) return `a tiny World gave ${got}, not ${h.worldValue}`;
    } finally {
      w.free();
    }
  } catch (e) {
    return `the health check threw: ${errText(e)}`;
  }
  return null;
}

const TRAP = /unreachable|memory access out of bounds|null pointer passed to rust|recursive use of an object/i;

/** A trap: the module aborted (or a glue-level panic escaped), rather than a validation error. */
export function isTrap(e) {
  if (e instanceof WebAssembly.RuntimeError) return true;
  const m = message(e);
  // `` `x`: could not be read: reading it threw (…) `` wraps a script's exception: not a trap here
  // (a leak, if any, is caught by the stack-pointer check)
  return TRAP.test(m) && !/could not be read: reading it threw/.test(m);
}

function message(e) {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    return '(unprintable)';
  }
}

export function errText(e) {
  const m = message(e).replace(/\s+/g, ' ');
  let name = 'thrown';
  try {
    name = e instanceof Error ? e.constructor.name : typeof e;
  } catch { /* ignore */ }
  return `${name}: ${m.length > 240 ? `${m.slice(0, 240)}…` : m}`;
}

/** Whether an error names one of `names` in backticks (or a place inside one), or matches a pattern. */
export function namesOne(e, names, patterns = []) {
  if (!(e instanceof Error)) return false;
  const m = message(e);
  if (patterns.some((p) => p.test(m))) return true;
  for (const [, tok] of m.matchAll(/`([^`]+)`/g)) {
    if (names.has(tok)) return true;
    for (const n of names) if (tok.startsWith(`${n}.`) || tok.startsWith(`${n}[`)) return true;
  }
  return false;
}

/** A comparable form of a result (NaN-safe, typed arrays tagged, receval objects digested). */
export function plain(x, rv, depth = 0) {
  if (depth > 20) return '…';
  if (typeof x === 'number') return Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Inf' : x === -Infinity ? '-Inf' : x === 0 ? 0 : x;
  if (x === null || x === undefined || typeof x === 'string' || typeof x === 'boolean') return x ?? null;
  if (typeof x === 'bigint') return `${x}n`;
  if (ArrayBuffer.isView(x)) return { [x.constructor.name]: Array.from(x, (v) => plain(v, rv)) };
  if (Array.isArray(x)) return x.map((v) => plain(v, rv, depth + 1));
  for (const [cls, digest] of Object.entries(DIGESTS)) {
    if (typeof rv[cls] === 'function' && x instanceof rv[cls]) {
      try {
        return { [cls]: plain(digest(x), rv, depth + 1) };
      } catch (e) {
        return { [cls]: `unreadable: ${message(e)}` };
      }
    }
  }
  if (typeof x === 'object') {
    const out = {};
    for (const k of Object.keys(x).sort()) out[k] = plain(x[k], rv, depth + 1);
    return out;
  }
  return String(x);
}

/** What identifies an object of each class. */
export const DIGESTS = {
  World: (w) => [w.nUsers, w.nItems, w.nTopics, w.seed, w.clickModel, w.relevance(), w.policyValue({ kind: 'uniform' })],
  Log: (l) => [l.nRounds, l.nSlates, l.nActions, l.lenList, l.rewardSignal, l.reward, l.action, l.pscore, l.position, l.user],
  BanditData: (d) => [d.nRounds, d.estimatePolicyValue('ipw'), d.estimateRoundRewards('snipw')],
  StreamingEstimator: (s) => [s.nRounds, s.value, s.standardError, s.state()],
  Lab: (l) => [l.truth, l.replicatesDone, l.replicatesTotal, l.labels],
  ObdLog: (o) => [o.nRounds, o.nActions, o.lenList, o.ctr, o.action, o.reward, o.pscore, o.position],
  Elicitation: (e) => [e.asked, e.meanTaste()],
  LessonRun: (l) => [l.step()],
};

const isReceval = (x, rv) => x && typeof x === 'object' && Object.keys(DIGESTS).some((c) => typeof rv[c] === 'function' && x instanceof rv[c]);

/** Free a result and the receval objects inside it (once). */
function freeResult(x, rv) {
  try {
    if (isReceval(x, rv) && typeof x.__wbg_ptr === 'number' && x.__wbg_ptr !== 0) x.free();
  } catch { /* a forged object is never ours to free */ }
}

/** A case's context: the objects it made (all freed at the end) and the receiver. */
function makeCtx() {
  const owned = [];
  const ctx = {
    owned,
    own(o) {
      owned.push(o);
      return o;
    },
    self: undefined,
    origSelf: undefined,
  };
  return ctx;
}

function freeCtx(ctx) {
  for (let i = ctx.owned.length - 1; i >= 0; i--) {
    try {
      ctx.owned[i].free();
    } catch { /* already unusable */ }
  }
  ctx.owned.length = 0;
}

const TOUCH = {
  World: (o) => o.nUsers,
  Log: (o) => o.nRounds,
  BanditData: (o) => o.nRounds,
  StreamingEstimator: (o) => o.nRounds,
  Lab: (o) => o.replicatesDone,
  ObdLog: (o) => o.nRounds,
  Elicitation: (o) => o.asked,
};

function makeEnv(rv, ctx, spec, locs) {
  return {
    rv,
    ctx,
    hasSelf: !!spec.selfClass,
    selfClass: spec.selfClass,
    self: () => ctx.self,
    setSelf: (x) => {
      ctx.self = x;
    },
    touchSelf: () => TOUCH[spec.selfClass]?.(ctx.origSelf),
    clsArgs: () => locs.filter((l) => l.t.k === 'cls').map((l) => ({ name: l.path.join('.'), get: () => l.parent[l.key] })),
    receval: (cls) => (cls === 'StreamingEstimator' ? ctx.own(new rv.BanditData(HEALTH_INPUT())) : ctx.own(new rv.StreamingEstimator('ipw'))),
    foreignPointer: (cls) => {
      const o = cls === 'StreamingEstimator' ? ctx.own(new rv.BanditData(HEALTH_INPUT())) : ctx.own(new rv.StreamingEstimator('ipw'));
      return o.__wbg_ptr;
    },
  };
}

/** Build a call of `spec` from seeds: its context and its argument nodes. */
function build(rv, spec, fixSeed, argSeed) {
  const ctx = makeCtx();
  spec.setup?.(rv, new Rng(fixSeed), ctx);
  const nodes = spec.args ? spec.args(rv, new Rng(argSeed), ctx) : [];
  ctx.origSelf = ctx.self;
  return { ctx, nodes, values: nodes.map((n) => n.v) };
}

function invoke(rv, spec, ctx, values) {
  const res = spec.call(rv, ctx, values, ctx.self);
  let state;
  if (spec.state) {
    try {
      state = plain(spec.state(rv, ctx), rv);
    } catch (e) {
      state = { unreadable: message(e) };
    }
  }
  return { res, digest: plain(res, rv), state };
}

/** Pick the target of case `index` (weighted). */
function pickSpec(r) {
  return r.weighted(SPECS.map((s) => [s.weight ?? 1, s]));
}

/** The mutation of a case, without running it (for describing and for the run). */
function chooseMutation(rv, spec, built, r) {
  const { ctx, nodes, values } = built;
  const locs = locations(nodes, values);
  const env = makeEnv(rv, ctx, spec, locs);
  // every argument, field and element place is equally likely; the receiver too; an extra
  // trailing argument (always ignored) less so
  const places = locs.map((loc) => [1, () => opsFor(loc, env, locs)]);
  if (spec.selfClass) places.push([1, () => receiverOps(env)]);
  if (spec.arity !== undefined) places.push([0.3, () => extraArgOps(spec.arity)]);
  if (spec.specials) places.push([0.5, () => spec.specials(rv, ctx, values, env)]);
  for (let attempt = 0; attempt < 50; attempt++) {
    const families = r.weighted(places)();
    if (!families.length) continue;
    const m = r.pick(families)(r);
    if (m && m.verdict) {
      // an array or field the call never reads may hold anything; reading it and refusing the
      // value (named) is fine too
      if (m.unread && m.verdict !== 'equivalent') {
        m.verdict = 'either';
        m.sameIfOk = true;
      }
      // a target whose valid inputs may still fail on the data (a small sample) says so
      if (spec.loose && m.verdict === 'valid') {
        m.verdict = 'either';
        m.names = new Set([...m.names, ...spec.loose]);
      }
      return m;
    }
  }
  throw new Error(`no mutation found for ${spec.name}`);
}

/**
 * Run case `index` of a run with `seed`. Returns `{ index, target, op, verdict, desc, outcome,
 * failure, message, ms }`; `failure` is one of FAILURE_KINDS or null. `h` is the loaded module
 * (`loadReceval`), `h.broken` is set when the module no longer computes.
 */
export function runCase(h, seed, index, only = null) {
  const { rv } = h;
  const t0 = performance.now();
  const r = caseRng(seed, index);
  const spec = pickSpec(r);
  if (only && !only.test(spec.name)) return { index, target: spec.name, skipped: true };
  const fixSeed = r.seed();
  const argSeed = r.seed();
  const mutRng = r.fork(1);
  const rec = { index, target: spec.name, op: null, verdict: null, desc: null, outcome: null, failure: null, message: null, ms: 0 };
  let A = null;
  let B = null;
  const results = [];
  try {
    B = build(rv, spec, fixSeed, argSeed);
    const m = chooseMutation(rv, spec, B, mutRng);
    rec.op = m.op;
    rec.verdict = m.verdict;
    rec.desc = m.desc;
    rec.poisons = !!m.poisons;
    const compare = m.verdict === 'equivalent' || (m.verdict === 'either' && m.sameIfOk);
    let base = null;
    if (compare) {
      A = build(rv, spec, fixSeed, argSeed);
      try {
        base = invoke(rv, spec, A.ctx, A.values);
        results.push(base.res);
      } catch (e) {
        rec.failure = 'harness error';
        rec.message = `the unmutated call failed: ${errText(e)}`;
        return rec;
      }
    }
    m.apply(B.values, B.ctx);
    let out;
    try {
      out = invoke(rv, spec, B.ctx, B.values);
      results.push(out.res);
    } catch (e) {
      rec.outcome = 'threw';
      rec.message = errText(e);
      if (isTrap(e)) rec.failure = 'trap';
      else if (m.verdict === 'equivalent' || m.verdict === 'valid') rec.failure = 'wrong equivalence';
      else if (!namesOne(e, m.names, m.patterns)) {
        rec.failure = 'unnamed rejection';
        rec.message += `  [accepted: ${[...m.names].slice(0, 6).map((n) => `\`${n}\``).join(', ') || m.patterns?.join(' ')}]`;
      }
      return rec;
    }
    rec.outcome = 'ok';
    if (m.verdict === 'invalid') {
      rec.failure = 'silent coercion';
      rec.message = `accepted; returned ${show(out.res)}`;
    } else if (compare) {
      const a = JSON.stringify(base.digest);
      const b = JSON.stringify(out.digest);
      // the state after the call is compared unless the mutation freed the object holding it
      const sa = JSON.stringify(base.state);
      const sb = JSON.stringify(out.state);
      const stateDiffers = !m.freesSelf && base.state !== undefined && sa !== sb;
      if (a !== b || stateDiffers) {
        // a different result from a value that was a string when it was used is a coercion
        rec.failure = m.mismatch ?? 'wrong equivalence';
        rec.message = a !== b ? `result ${clip(b)} instead of ${clip(a)}` : `state ${clip(sb)} instead of ${clip(sa)}`;
      }
    }
    return rec;
  } catch (e) {
    rec.failure = 'harness error';
    rec.message = `${errText(e)} ${e?.stack?.split('\n')[1]?.trim() ?? ''}`;
    return rec;
  } finally {
    for (const x of results) freeResult(x, rv);
    if (A) freeCtx(A.ctx);
    if (B) freeCtx(B.ctx);
    rec.ms = performance.now() - t0;
    afterCase(h, rec);
  }
}

function clip(s) {
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

/** The stack-pointer and health checks after every case. */
function afterCase(h, rec) {
  if (h.sp) {
    const now = h.sp.value;
    if (now !== h.rest) {
      const leaked = h.rest - now;
      h.sp.value = h.rest; // nothing runs in Wasm between cases: the unwound frames are garbage
      if (!rec.failure || rec.failure === 'unnamed rejection' || rec.failure === 'wrong equivalence' || rec.failure === 'silent coercion') {
        rec.failure = 'lasting breakage';
        rec.message = `leaked ${leaked} bytes of Wasm stack (every call traps after ~${Math.floor(h.rest / Math.max(leaked, 1))} such calls); ${rec.message ?? rec.outcome}`;
      } else {
        rec.message = `${rec.message} (and leaked ${leaked} bytes of Wasm stack)`;
      }
    }
  }
  const sick = health(h);
  if (sick) {
    h.broken = true;
    if (rec.failure === 'trap' || rec.failure === 'timeout') {
      rec.also = 'lasting breakage';
      rec.message = `${rec.message}; then ${sick}`;
    } else if (rec.failure !== 'lasting breakage') {
      rec.message = `${sick}; after: ${rec.failure ?? 'ok'} ${rec.message ?? ''}`;
      rec.failure = 'lasting breakage';
    }
  }
  // A trap aborts Rust code half-way (a lock, a borrow flag, the allocator or the externref
  // table may be left inconsistent) even when the checks above still pass: the module is not
  // trusted after one, and the worker is replaced.
  // The same after a forged pointer reached Wasm, trap or not: it may have written anywhere.
  if (rec.failure === 'trap' || rec.poisons) h.broken = true;
}

/** A readable description of case `index` (target, mutation and the mutated arguments). */
export function describeCase(h, seed, index) {
  const { rv } = h;
  const r = caseRng(seed, index);
  const spec = pickSpec(r);
  const fixSeed = r.seed();
  const argSeed = r.seed();
  const B = build(rv, spec, fixSeed, argSeed);
  const before = B.values.map((v) => show(v));
  const m = chooseMutation(rv, spec, B, r.fork(1));
  freeCtx(B.ctx);
  return { target: spec.name, op: m.op, verdict: m.verdict, desc: m.desc, names: [...m.names], args: before };
}

export { SPECS };
