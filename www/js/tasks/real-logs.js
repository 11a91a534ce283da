// Lesson 12, "Real logs: the Open Bandit Dataset". Estimate the production Bernoulli-TS policy's
// click rate from the uniform-random log of the same traffic, compare with what BTS really got,
// and see how estimators trade bias for variance on small real logs and large synthetic ones.
import { getWorld } from './common.js';

/** Relative errors reported in Open Bandit Pipeline's example for the same experiment. */
export const PUBLISHED = { dm: 0.157, ipw: 0.311, snipw: 0.312, dr: 0.292, sndr: 0.302, 'switch-dr': 0.258, 'dr-os': 0.16 };
export const ESTIMATORS = ['dm', 'ipw', 'snipw', 'dr', 'sndr', 'switch-dr', 'dr-os'];

const texts = new Map();
async function shipped(name) {
  if (!texts.has(name)) {
    const res = await fetch(new URL(`../../data/obd/${name}`, import.meta.url));
    if (!res.ok) throw new Error(`could not load ${name} (HTTP ${res.status})`);
    texts.set(name, await res.text());
  }
  return texts.get(name);
}

function seeded(seed) {
  // a small JS generator for subsampling rows (the estimates themselves come from the Wasm core)
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const meanOf = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

let logs = { key: null };
let cache = { key: null };

/** Parse the two logs once per source (parsing 20,000 rows takes a while). */
function parsed(rv, loggedText, targetText, key) {
  if (logs.key !== key) {
    // parse the new logs first; free the old ones only once the new ones are good
    const logged = new rv.ObdLog(loggedText);
    let target;
    try {
      target = new rv.ObdLog(targetText);
    } catch (e) {
      logged.free();
      throw e;
    }
    if (target.nActions > logged.nActions || target.lenList > logged.lenList) {
      const msg = `the evaluation policy's log has ${target.nActions} items × ${target.lenList} positions, the logged data only ${logged.nActions} × ${logged.lenList}`;
      logged.free();
      target.free();
      throw new Error(msg);
    }
    logs.logged?.free();
    logs.target?.free();
    cache = { key: null };
    // the evaluation policy: the target log's empirical action distribution per position, padded
    // to the logged data's shape
    const td = target.empiricalActionDist();
    const dist = new Float64Array(logged.nActions * logged.lenList);
    for (let a = 0; a < target.nActions; a++) for (let k = 0; k < target.lenList; k++) dist[a * logged.lenList + k] = td[a * target.lenList + k];
    // effective sample size of the importance weights w = π_e(a, k) / pscore
    const [action, position, pscore] = [logged.action, logged.position, logged.pscore];
    let s1 = 0;
    let s2 = 0;
    let max = 0;
    for (let i = 0; i < action.length; i++) {
      const w = dist[action[i] * logged.lenList + position[i]] / pscore[i];
      s1 += w;
      s2 += w * w;
      max = Math.max(max, w);
    }
    logs = { key, logged, target, dist, ess: (s1 * s1) / s2, maxWeight: max };
  }
  return logs;
}

export async function* realLogs(rv, s, cancelled, data = {}) {
  const loggedText = data.logged ?? (await shipped('random_all.csv'));
  const targetText = data.target ?? (await shipped('bts_all.csv'));
  const sourceKey = `${data.logged ? `u${loggedText.length}` : 's'}:${data.target ? `u${targetText.length}` : 's'}`;
  const { logged, target, dist, ess, maxWeight } = parsed(rv, loggedText, targetText, sourceKey);
  const key = `${sourceKey}:${s.smoothing}:${s.lambda}`;
  if (cache.key !== key) {
    const q = logged.tabularRewardModel(s.smoothing);
    const onPolicy = target.ctr;
    const onPolicySe = Math.sqrt((onPolicy * (1 - onPolicy)) / target.nRounds);
    const options = (name) => ({ rewardModel: q, lambda: ['switch-dr', 'dr-os'].includes(name) ? s.lambda : undefined });
    const results = Object.fromEntries(ESTIMATORS.map((name) => [name, logged.estimate(name, dist, options(name))]));
    const estimates = ESTIMATORS.map((name) => {
      const r = results[name];
      return { name, estimate: r.estimate, lower: r.lower, upper: r.upper, relativeError: Math.abs(r.estimate - onPolicy) / onPolicy };
    });
    cache = {
      key,
      base: {
        source: { logged: data.logged ? 'your CSV' : 'OBD random/all', target: data.target ? 'your CSV' : 'OBD bts/all' },
        nLogged: logged.nRounds,
        nTarget: target.nRounds,
        nActions: logged.nActions,
        lenList: logged.lenList,
        loggedCtr: logged.ctr,
        clicks: Math.round(logged.ctr * logged.nRounds),
        onPolicy,
        onPolicySe,
        estimates,
        ess,
        maxWeight,
      },
      roundRewards: { dm: results.dm.roundRewards, ipw: results.ipw.roundRewards, dr: results.dr.roundRewards },
    };
  }
  const { base, roundRewards } = cache;
  yield { ...base, real: [], synthetic: [], progress: { done: 1, total: 3, unit: 'steps' } };

  // Bias and variance on the real log: subsamples of each size, per-round values resampled.
  const n = roundRewards.dm.length;
  const sizes = [250, 500, 1000, 2000, 5000, 10000].filter((x) => x <= n);
  const rand = seeded(s.seed);
  const real = sizes.map((m) => {
    const out = { n: m };
    for (const name of ['dm', 'ipw', 'dr']) {
      const rr = roundRewards[name];
      const errs = [];
      for (let rep = 0; rep < 200; rep++) {
        let sum = 0;
        for (let j = 0; j < m; j++) sum += rr[Math.floor(rand() * n)];
        errs.push((sum / m - base.onPolicy) / base.onPolicy);
      }
      // RMSE over the resamples, with a 95% Monte-Carlo band (delta method: se(RMSE) = se(MSE) / 2·RMSE)
      const sq = errs.map((e) => e * e);
      const mse = meanOf(sq);
      const seMse = Math.sqrt(meanOf(sq.map((x) => (x - mse) ** 2)) / (sq.length - 1));
      out[name] = Math.sqrt(mse);
      out[`${name}Se`] = mse > 0 ? seMse / (2 * Math.sqrt(mse)) : 0;
    }
    return out;
  });
  if (cancelled()) return;
  yield { ...base, real, synthetic: [], progress: { done: 2, total: 3, unit: 'steps' } };

  // The same estimators on a synthetic world shaped like OBD (80 items, clicks about as rare),
  // where the truth is exact and logs can be as large as we like.
  const world = getWorld(rv, { seed: s.seed, nUsers: 1000, nItems: 80, baseClickRate: 0.005, popularityEffect: 0.5 });
  const synthTarget = { kind: 'softmax', beta: 2, score: { relevance: 1, popularity: 0.5 } };
  const synthetic = [];
  for (const m of [1000, 10000, 100000]) {
    const lab = new rv.Lab(world, {
      logger: { kind: 'uniform' },
      target: synthTarget,
      nRounds: m,
      replicates: m >= 100000 ? 12 : 40,
      seed: s.seed,
      estimators: ['dm', 'ipw', 'dr'],
      rewardModel: { kind: 'tabular', smoothing: s.smoothing },
    });
    try {
      while (lab.replicatesDone < lab.replicatesTotal) {
        if (cancelled()) return;
        lab.step(m >= 100000 ? 1 : 5);
        // yield between steps so that a newer run can cancel this one
        yield { ...base, real, synthetic: [...synthetic], progress: { done: 2 + (synthetic.length + lab.replicatesDone / lab.replicatesTotal) / 3, total: 3, unit: 'steps' } };
      }
      const sum = lab.summary();
      const row = { n: m };
      for (const x of sum) {
        row[x.estimatorName] = x.rmse / lab.truth;
        // se of the MSE under normal errors, Var(e²) = 2σ⁴ + 4b²σ², then the delta method for RMSE
        const seMse = Math.sqrt((2 * x.sd ** 4 + 4 * x.bias ** 2 * x.sd ** 2) / lab.replicatesDone);
        row[`${x.estimatorName}Se`] = x.rmse > 0 ? seMse / (2 * x.rmse) / lab.truth : 0;
      }
      synthetic.push(row);
    } finally {
      lab.free();
    }
    yield { ...base, real, synthetic: [...synthetic], progress: { done: 2 + synthetic.length / 3, total: 3, unit: 'steps' } };
  }
}
