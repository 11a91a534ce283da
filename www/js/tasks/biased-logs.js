// Lesson 1, "Your logs are biased": a production policy decides what gets shown; a candidate that
// surfaces tail content is evaluated on those logs, naively and with IPS, against the truth.
import { getWorld, naiveWeighted, exposure, byPopularityBin } from './common.js';

export const production = (s) => ({ kind: 'softmax', beta: s.beta, score: { relevance: 1, popularity: s.popBias } });
export const candidate = (s) => ({ kind: 'softmax', beta: 2, score: { relevance: 1, popularity: -s.tail } });

function estimates(world, logger, target, s, seed) {
  const log = world.collect(logger, { nRounds: s.rounds, seed });
  const [ipw, snipw] = log.summarize(target, ['ipw', 'snipw'], { method: 'normal' });
  const out = { logged: log.naiveValue(), naive: naiveWeighted(log.reward, log.targetPscore(target)), ipw, snipw, ess: ipw.effectiveSampleSize };
  log.free();
  return out;
}

export async function* biasedLogs(rv, s, cancelled) {
  const world = getWorld(rv, { seed: s.seed, nUsers: 500, nItems: 100, popularitySkew: s.skew, popularityEffect: 0.5 });
  const logger = production(s);
  const target = candidate(s);
  const truth = world.policyValue(target);
  const productionValue = world.policyValue(logger);
  const arrival = world.arrival();
  const popularity = world.popularity();
  const n = world.nItems;
  const exp = {
    production: byPopularityBin(exposure(world.actionProbabilities(logger), arrival, n), popularity),
    candidate: byPopularityBin(exposure(world.actionProbabilities(target), arrival, n), popularity),
  };
  const main = estimates(world, logger, target, s, s.seed + 1);
  const betas = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
  const sweep = [];
  const total = 1 + betas.length;
  yield { truth, productionValue, exposure: exp, main, sweep: [...sweep], progress: { done: 1, total, unit: 'steps' } };
  for (const [i, beta] of betas.entries()) {
    if (cancelled()) return;
    const e = estimates(world, production({ ...s, beta }), target, s, s.seed + 100 + i);
    sweep.push({ beta, naive: e.naive, ipw: e.ipw.estimate, lower: e.ipw.lower, upper: e.ipw.upper });
    if (i % 3 === 2 || i === betas.length - 1) {
      yield { truth, productionValue, exposure: exp, main, sweep: [...sweep], progress: { done: 2 + i, total, unit: 'steps' } };
    }
  }
}
