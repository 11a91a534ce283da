// The simulated world through the JS API of the built package, in node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as rv from '../../pkg/receval.js';
import { determinismScenario } from './determinism-scenario.mjs';

const root = new URL('../..', import.meta.url).pathname;

test('same seed, same numbers: the Wasm package in node equals native Rust', () => {
  // the test profile, as `cargo test` builds it (which also builds the examples): with the dev
  // profile, cargo would rebuild the crate, whose unhashed lib file both profiles write
  const native = JSON.parse(execFileSync('cargo', ['run', '--quiet', '--profile', 'test', '--example', 'determinism'], { cwd: root, encoding: 'utf8' }));
  const wasm = determinismScenario(rv);
  assert.deepEqual(wasm, native);
  assert.deepEqual(determinismScenario(rv), wasm, 'and again in the same process');
});

const tailTarget = { kind: 'softmax', beta: 2, score: { relevance: 1, popularity: -1 } };
const production = { kind: 'softmax', beta: 3, score: { relevance: 1, popularity: 1 } };

test('IPW on uniform, softmax and 1%-bucket logs recovers a new policy; the naive mean does not', () => {
  const world = new rv.World({ seed: 3, nUsers: 500, nItems: 50, popularityEffect: 0.8 });
  const truth = world.policyValue(tailTarget);
  const loggers = {
    uniform: { kind: 'uniform' },
    softmax: production,
    '1% bucket': { kind: 'mixture', components: [{ weight: 0.99, policy: production }, { weight: 0.01, policy: { kind: 'uniform' } }] },
  };
  for (const [name, logger] of Object.entries(loggers)) {
    const log = world.collect(logger, { nRounds: 50000, seed: 11 });
    // the contract: collect() output plus actionDist(target) is an estimator input
    const input = { reward: log.reward, action: log.action, pscore: log.pscore, position: log.position, actionDist: log.actionDist(tailTarget), nActions: log.nActions, lenList: log.lenList };
    const ipw = rv.estimatePolicyValue('ipw', input);
    const se = Math.sqrt(variance(rv.estimateRoundRewards('ipw', input)) / log.nRounds);
    assert.ok(Math.abs(ipw - truth) < 4 * se, `${name}: IPW ${ipw} vs truth ${truth} (se ${se})`);
    if (name !== 'uniform') {
      const naive = log.naiveValue();
      const naiveSe = Math.sqrt(variance(log.reward) / log.nRounds);
      assert.ok(Math.abs(naive - truth) > 10 * naiveSe, `${name}: naive ${naive} should miss ${truth} by far more than ${naiveSe}`);
    }
  }
});

function variance(xs) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
}

test('logs have OBP shapes and export to OBP bandit_feedback', () => {
  const world = new rv.World({ seed: 1, nUsers: 50, nItems: 8 });
  const log = world.collect({ kind: 'epsilon-greedy', epsilon: 0.2, base: { kind: 'greedy' } }, { nRounds: 300, seed: 1 });
  assert.equal(log.nRounds, 300);
  assert.equal(log.nActions, 8);
  assert.equal(log.lenList, 1);
  assert.ok(log.action instanceof Int32Array && log.reward instanceof Float64Array && log.pscore instanceof Float64Array);
  assert.equal(log.actionDist({ kind: 'uniform' }).length, 300 * 8);
  assert.equal(log.expectedReward().length, 300 * 8);
  const obp = log.toObp();
  for (const k of ['n_rounds', 'n_actions', 'action', 'position', 'reward', 'pscore', 'context', 'action_context', 'pi_b']) assert.ok(k in obp, k);
  assert.equal(obp.pi_b.length, 300 * 8);
  const parsed = JSON.parse(log.toObpJson());
  assert.equal(parsed.pi_b.length, 300);
  assert.equal(parsed.pi_b[0].length, 8);
  assert.equal(parsed.pi_b[0][0].length, 1);
  assert.equal(parsed.context.length, 300);
  const csv = log.toCsv().trim().split('\n');
  assert.equal(csv.length, 301);
  assert.match(csv[0], /^slate_id,position,item_id/);
  // ε-greedy records its component: ~20% exploration
  const explored = log.component.filter((c) => c === 1).length / 300;
  assert.ok(Math.abs(explored - 0.2) < 4 * Math.sqrt(0.16 / 300));
});

test('ranking logs feed the slate estimators', () => {
  const world = new rv.World({ seed: 2, nUsers: 100, nItems: 8, positionBias: { model: 'pbm', eta: 1 } });
  const logger = { kind: 'uniform' };
  const target = { kind: 'softmax', beta: 2 };
  const log = world.collect(logger, { nRounds: 20000, seed: 4, lenList: 3 });
  assert.equal(log.nRounds, 60000);
  assert.equal(log.nSlates, 20000);
  const truth = world.rankingValue(target, { lenList: 3 });
  assert.ok(truth.exact);
  const input = log.slateInput(target);
  for (const name of ['sips', 'iips', 'rips', 'cascade-dr', 'pi']) {
    const iv = rv.estimateSlateInterval(name, input, undefined, { method: 'normal', alpha: 1e-4 });
    assert.ok(iv.lower <= truth.value && truth.value <= iv.upper, `${name}: [${iv.lower}, ${iv.upper}] vs ${truth.value}`);
  }
});

test('per-user values weighted by arrival give the policy value and each market\'s value', () => {
  const world = new rv.World({ seed: 4, nUsers: 200, nItems: 50, markets: [{ name: 'a', userShare: 0.7, itemShare: 0.6 }, { name: 'b', userShare: 0.3, itemShare: 0.4 }], languagePenalty: 2 });
  const policy = { kind: 'softmax', beta: 2 };
  const byUser = world.policyValueByUser(policy);
  const arrival = world.arrival();
  const market = world.userMarket();
  assert.ok(byUser instanceof Float64Array && byUser.length === 200);
  let total = 0;
  for (let u = 0; u < 200; u++) total += arrival[u] * byUser[u];
  assert.equal(total, world.policyValue(policy));
  // the same per market by hand from the probability and relevance tables
  const P = world.actionProbabilities(policy);
  const R = world.relevance();
  for (let u = 0; u < 200; u += 37) {
    let v = 0;
    for (let i = 0; i < 50; i++) v += P[u * 50 + i] * R[u * 50 + i];
    assert.ok(Math.abs(v - byUser[u]) < 1e-12, `user ${u}`);
  }
  assert.ok(new Set(market).size === 2);
  assert.throws(() => world.policyValueByUser({ kind: 'softmax' }), /beta/);
  assert.throws(() => world.policyValueByUser(policy, { reward: 'nope' }), /reward/);
  world.free();
});

test('bad world and policy configs are errors that name the key', () => {
  const cases = [
    [() => new rv.World({ nUsers: 0 }), /`nUsers`/],
    [() => new rv.World({ nUser: 10 }), /`nUser`: unknown key/],
    [() => new rv.World({ positionBias: { model: 'dbn' } }), /`positionBias.model`/],
    [() => new rv.World({ popularitySkew: NaN }), /`popularitySkew`/],
    [() => new rv.World(42), /expected an object/],
  ];
  const world = new rv.World({ nUsers: 10, nItems: 5 });
  cases.push(
    [() => world.policyValue({ kind: 'softmax' }), /`policy.beta`: is required/],
    [() => world.policyValue({ kind: 'softmax', beta: 1, temperature: 2 }), /`policy.temperature`/],
    [() => world.policyValue({ kind: 'mixture', components: [{ weight: 0.7, policy: { kind: 'uniform' } }] }), /positive and sum to 1/],
    [() => world.policyValue({ kind: 'mixture', components: [{ weight: -0.5, policy: { kind: 'uniform' } }, { weight: 1.5, policy: { kind: 'uniform' } }] }), /positive and sum to 1/],
    [() => world.policyValue({ kind: 'epsilon-greedy', epsilon: 2, base: { kind: 'uniform' } }), /`policy.epsilon`/],
    [() => world.policyValue({ kind: 'thompson' }), /online bandit/],
    [() => world.policyValue(undefined), /`policy`: is required/],
    [() => world.collect({ kind: 'uniform' }, {}), /`options.nRounds`: is required/],
    [() => world.collect({ kind: 'uniform' }, { nRounds: 10, lenList: 9 }), /`lenList`/],
    [() => new rv.Lab(world, { target: { kind: 'uniform' } }), /`scenario.logger`/],
  );
  for (const [f, pattern] of cases) assert.throws(f, (e) => e instanceof Error && pattern.test(e.message), String(f));
  assert.equal(typeof world.policyValue({ kind: 'uniform' }), 'number', 'still alive');
});

test('the shipped Open Bandit Dataset sample loads with its documented counts and rates', async () => {
  const { readFileSync } = await import('node:fs');
  const read = (f) => readFileSync(new URL(`../../www/data/obd/${f}`, import.meta.url), 'utf8');
  const random = new rv.ObdLog(read('random_all.csv'));
  const bts = new rv.ObdLog(read('bts_all.csv'));
  assert.equal(random.nRounds, 10000);
  assert.equal(bts.nRounds, 10000);
  assert.equal(random.nActions, 80);
  assert.equal(random.lenList, 3);
  assert.ok(Math.abs(random.ctr - 0.0038) < 1e-12);
  assert.ok(Math.abs(bts.ctr - 0.0042) < 1e-12);
  assert.ok(random.pscore.every((p) => p === 1 / 80));
  const p = bts.pscore;
  assert.ok(Math.min(...p) > 0 && Math.max(...p) <= 1);
  // estimating the BTS policy from the random log agrees with BTS's on-policy rate within 4
  // standard errors of the difference (IPS's, from its per-round terms, bounds DM's and DR's here)
  const input = random.banditInput(bts.empiricalActionDist(), random.tabularRewardModel(10));
  const terms = rv.estimateRoundRewards('ipw', input);
  const n = terms.length;
  const mean = terms.reduce((a, b) => a + b, 0) / n;
  const seIps = Math.sqrt(terms.reduce((a, t) => a + (t - mean) ** 2, 0) / (n - 1) / n);
  const seOn = Math.sqrt((bts.ctr * (1 - bts.ctr)) / n);
  const tol = 4 * Math.sqrt(seIps ** 2 + seOn ** 2);
  // (10,000 rounds with 38 clicks: the tolerance is wide, about ±0.0057, but it is the honest one)
  for (const name of ['dm', 'ipw', 'snipw', 'dr']) {
    const v = rv.estimatePolicyValue(name, input);
    assert.ok(Math.abs(v - bts.ctr) < tol, `${name} = ${v} vs on-policy ${bts.ctr} ± ${tol}`);
  }
  assert.throws(() => new rv.ObdLog('a,b\n1,2\n'), /`csv`: expected a column "timestamp"/);
});
