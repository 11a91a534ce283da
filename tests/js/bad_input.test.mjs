// Bad input through the JS API: every case throws an Error (never a panic, which would kill the
// module) whose message names the argument, and the module keeps working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rv from '../../pkg/receval.js';

const good = () => ({
  reward: [1, 0, 1, 1],
  action: [1, 0, 1, 0],
  pscore: [0.5, 0.5, 0.5, 0.5],
  actionDist: [0.2, 0.8, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8],
  estimatedRewardsByRegModel: [0.5, 0.7, 0.5, 0.7, 0.5, 0.7, 0.5, 0.7],
  nActions: 2,
});
const withInput = (patch) => ({ ...good(), ...patch });
const without = (key) => { const g = good(); delete g[key]; return g; };

// [case, estimator, input, params, argument the message must name, extra pattern]
const cases = [
  ['lengths that disagree', 'ipw', withInput({ pscore: [0.5, 0.5] }), undefined, 'pscore', /length 4/],
  ['actionDist shape vs nActions', 'ipw', withInput({ nActions: 3 }), undefined, 'actionDist', /length 12/],
  ['actionDist shape vs lenList', 'ipw', withInput({ lenList: 2, position: [0, 1, 0, 1] }), undefined, 'actionDist', /lenList 2/],
  ['action out of range', 'ipw', withInput({ action: [1, 0, 2, 0] }), undefined, 'action', /0\.\.2.*index 2/],
  ['negative action', 'ipw', withInput({ action: [1, -1, 1, 0] }), undefined, 'action', /non-negative integers/],
  ['fractional action', 'ipw', withInput({ action: [1, 0.5, 1, 0] }), undefined, 'action', /non-negative integers/],
  ['position without lenList', 'ipw', withInput({ position: [0, 1, 0, 0] }), undefined, 'position', /lenList/],
  ['NaN reward', 'ipw', withInput({ reward: [1, NaN, 1, 1] }), undefined, 'reward', /finite.*index 1/],
  ['infinite reward', 'ipw', withInput({ reward: new Float64Array([1, 0, Infinity, 1]) }), undefined, 'reward', /index 2/],
  ['string in rewards', 'ipw', withInput({ reward: [1, 'x', 1, 1] }), undefined, 'reward', /string.*index 1/],
  ['reward not an array', 'ipw', withInput({ reward: 3 }), undefined, 'reward', /array/],
  ['zero propensity', 'ipw', withInput({ pscore: [0.5, 0, 0.5, 0.5] }), undefined, 'pscore', /\(0, 1\].*index 1/],
  ['negative propensity', 'ipw', withInput({ pscore: [0.5, -0.1, 0.5, 0.5] }), undefined, 'pscore', /index 1/],
  ['propensity above one', 'ipw', withInput({ pscore: [0.5, 1.5, 0.5, 0.5] }), undefined, 'pscore', /index 1/],
  ['NaN propensity', 'ipw', withInput({ pscore: [0.5, 0.5, NaN, 0.5] }), undefined, 'pscore', /index 2/],
  ['actionDist not summing to 1', 'ipw', withInput({ actionDist: [0.2, 0.7, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8] }), undefined, 'actionDist', /sum to 1.*round 0/],
  ['negative probability', 'ipw', withInput({ actionDist: [-0.2, 1.2, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8] }), undefined, 'actionDist', /\[0, 1\]/],
  ['missing reward model for DM', 'dm', without('estimatedRewardsByRegModel'), undefined, 'estimatedRewardsByRegModel', /`dm`/],
  ['missing reward model for DR', 'dr', without('estimatedRewardsByRegModel'), undefined, 'estimatedRewardsByRegModel', /`dr`/],
  ['reward model of the wrong size', 'dr', withInput({ estimatedRewardsByRegModel: [0.5] }), undefined, 'estimatedRewardsByRegModel', /length 8/],
  ['NaN in reward model', 'dr', withInput({ estimatedRewardsByRegModel: [0.5, NaN, 0.5, 0.7, 0.5, 0.7, 0.5, 0.7] }), undefined, 'estimatedRewardsByRegModel', /finite/],
  ['negative lambda', 'ipw', good(), { lambda: -1 }, 'lambda', /≥ 0/],
  ['NaN lambda', 'dr-os', good(), { lambda: NaN }, 'lambda', /≥ 0/],
  ['sg lambda above 1', 'sg-ipw', good(), { lambda: 1.5 }, 'lambda', /\[0, 1\]/],
  ['lambda not a number', 'ipw', good(), { lambda: '10' }, 'lambda', /number/],
  ['unknown params key', 'ipw', good(), { lamda: 1 }, 'params', /lamda/],
  ['empty input', 'ipw', withInput({ reward: [], action: [], pscore: [], actionDist: [], estimatedRewardsByRegModel: [] }), undefined, 'reward', /at least one round/],
  ['missing nActions', 'ipw', without('nActions'), undefined, 'nActions', /required/],
  ['missing pscore', 'ipw', without('pscore'), undefined, 'pscore', /required/],
  ['OBP snake_case key', 'ipw', { ...without('actionDist'), action_dist: good().actionDist }, undefined, 'input', /did you mean `actionDist`/],
  ['input not an object', 'ipw', 'hello', undefined, 'input', /object/],
  ['unknown estimator', 'ips', good(), undefined, 'estimatorName', /dm, ipw, snipw, dr, sndr, switch-dr, dr-os, sg-ipw, sg-dr, rm/],
];

for (const [what, name, input, params, arg, pattern] of cases) {
  test(`estimatePolicyValue rejects ${what}`, () => {
    assert.throws(() => rv.estimatePolicyValue(name, input, params), (e) => {
      assert.ok(e instanceof Error, 'an Error');
      assert.ok(e.message.includes(`\`${arg}\``), `message should name \`${arg}\`: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });
  });
}

test('the other entry points validate the same way', () => {
  const bad = withInput({ pscore: [0.5, 0, 0.5, 0.5] });
  for (const f of [() => rv.estimateRoundRewards('ipw', bad), () => rv.estimateInterval('ipw', bad), () => rv.estimateDiagnostics('ipw', bad), () => new rv.BanditData(bad), () => rv.summarizeOffPolicyEstimates(bad)]) {
    assert.throws(f, /`pscore`/);
  }
  assert.throws(() => rv.estimateInterval('ipw', good(), undefined, { alpha: 2 }), /`alpha`/);
  assert.throws(() => rv.estimateInterval('ipw', good(), undefined, { nBootstrapSamples: 0 }), /`nBootstrapSamples`/);
  assert.throws(() => rv.estimateInterval('ipw', good(), undefined, { randomState: -1 }), /`randomState`/);
  assert.throws(() => rv.estimateInterval('ipw', good(), undefined, { method: 'jackknife' }), /`method`/);
  assert.throws(() => new rv.StreamingEstimator('snips'), /`estimatorName`/);
  const s = new rv.StreamingEstimator('ipw');
  assert.throws(() => s.addRound(1, 0, 0.5), /`pscore`/);
  assert.throws(() => new rv.StreamingEstimator('dr').addRound(1, 0.5, 0.5), /`qLogged`/);
  assert.throws(() => s.merge(new rv.StreamingEstimator('snipw')), /cannot merge/);
});

test('slate estimators reject bad input with named arguments', () => {
  const slate = {
    slateId: [0, 0, 1, 1], position: [0, 1, 0, 1], reward: [1, 0, 0, 1], lenList: 2,
    pscore: [0.1, 0.1, 0.2, 0.2], evaluationPolicyPscore: [0.3, 0.3, 0.1, 0.1],
  };
  assert.ok(Number.isFinite(rv.estimateSlatePolicyValue('sips', slate)));
  assert.throws(() => rv.estimateSlatePolicyValue('iips', slate), /`pscoreItemPosition`/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, position: [0, 0, 0, 1] }), /`position`.*twice/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, pscore: [0.1, 0.2, 0.2, 0.2] }), /`pscore`.*same whole-slate/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, pscore: [0, 0, 0.2, 0.2] }), /`pscore`/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, position: [0, 1, 0, 2] }), /`position`.*0\.\.2/);
  assert.throws(() => rv.estimateSlatePolicyValue('slate-ips', slate), /`estimatorName`.*cascade-dr, pi/);
  // the caller's own words are quoted as typed (infinities in values are spelled as in JS)
  assert.throws(() => rv.estimateSlatePolicyValue('inf', slate), /unknown slate estimator "inf"/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, reward: [1, 0, Infinity, 1] }), /got Infinity at index 2/);
  assert.throws(() => rv.kendallTau([1, -Infinity], [1, 2]), /got -Infinity at position 1/);
  assert.throws(() => rv.estimateSlatePolicyValue('cascade-dr', { ...slate, pscoreCascade: slate.pscore, evaluationPolicyPscoreCascade: slate.evaluationPolicyPscore }), /`nUniqueAction`/);
  assert.throws(() => rv.estimateSlatePolicyValue('rips', { ...slate, pscoreCascade: [0.1, 0.2, 0.2, 0.2], evaluationPolicyPscoreCascade: slate.evaluationPolicyPscore }), /`pscoreCascade`.*increase/);
});

test('a slate estimator copies only the arrays it reads; the others are still checked for what they are', () => {
  const slate = {
    slateId: [0, 0, 1, 1], position: [0, 1, 0, 1], reward: [1, 0, 0, 1], lenList: 2,
    pscore: new Float64Array([0.1, 0.1, 0.2, 0.2]), evaluationPolicyPscore: [0.3, 0.3, 0.1, 0.1],
  };
  const sips = rv.estimateSlatePolicyValue('sips', slate);
  assert.ok(Math.abs(sips - ((1 * 0.3 / 0.1 + 0) + (0 + 1 * 0.1 / 0.2)) / 2) < 1e-12, `SIPS ${sips}`);
  // arrays SIPS does not read: their values do not matter (as in OBP), even NaN in a typed array...
  const extra = { pscoreCascade: new Float64Array([NaN, 2, -1, 0]), qHat: new Float64Array(1e6), evaluationPolicyItemPositionDist: [0.5] };
  assert.ok(Object.is(rv.estimateSlatePolicyValue('sips', { ...slate, ...extra }), sips));
  // ...but what they are still does: an Array with a string, a BigInt array, a non-array
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, pscoreItemPosition: [0.5, '0.5', 0.5, 0.5] }), /`pscoreItemPosition`.*index 1/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, qHat: new BigInt64Array(4) }), /`qHat`.*BigInt/);
  assert.throws(() => rv.estimateSlatePolicyValue('sips', { ...slate, evaluationPolicyPscoreCascade: 0.5 }), /`evaluationPolicyPscoreCascade`.*array/);
  // and an estimator that reads one of them checks its values
  assert.throws(() => rv.estimateSlatePolicyValue('rips', { ...slate, pscoreCascade: new Float64Array([NaN, 0.1, 0.2, 0.2]), evaluationPolicyPscoreCascade: [0.3, 0.3, 0.1, 0.1] }), /`pscoreCascade`/);
});

test('the module still works after every error above', () => {
  assert.equal(rv.estimatePolicyValue('ipw', good()), (1.6 + 1.6 + 0.4) / 4);
});

test('the tuning, embedding and multi-logger estimators reject bad input with named arguments', () => {
  const g = good();
  // λ tuning
  assert.throws(() => rv.tuneLambda('snipw', g, { lambdas: [1, 2] }), /`estimatorName`.*ipw, dr, switch-dr, dr-os, sg-ipw, sg-dr/);
  assert.throws(() => rv.tuneLambda('ipw', g, { lambdas: [] }), /`lambdas`/);
  assert.throws(() => rv.tuneLambda('ipw', g, { lambdas: [1, NaN] }), /`lambdas`.*index 1/);
  assert.throws(() => rv.tuneLambda('sg-ipw', g, { lambdas: [0.5, Infinity] }), /`lambdas`.*\[0, 1\]/);
  assert.throws(() => rv.tuneLambda('ipw', g, { lambdas: [1], tuningMethod: 'cv' }), /`tuningMethod`/);
  assert.throws(() => rv.tuneLambda('ipw', g, { lambdas: [1], delta: 2 }), /`delta`/);
  assert.throws(() => rv.tuneLambda('ipw', g, { lambdas: [1], useBiasUpperBound: 'yes' }), /`useBiasUpperBound`/);
  assert.throws(() => rv.estimatePolicyValue('ipw', g, { lambda: 2, lambdas: [1, 2] }), /`lambda`.*not both/);
  assert.throws(() => rv.estimatePolicyValue('ipw', g, { delta: 0.2 }), /`delta`.*only when tuning/);
  assert.throws(() => new rv.StreamingEstimator('ipw', { lambdas: [1, 2] }), /`lambdas`.*streaming/);
  const tuned = rv.tuneLambda('ipw', g, { lambdas: [1, Infinity] });
  assert.equal(rv.estimatePolicyValue('ipw', g, { lambdas: [1, Infinity] }), rv.estimatePolicyValue('ipw', g, { lambda: tuned.bestLambda }));
  // MIPW
  const embed = { ...g, actionEmbed: [0, 1, 0, 1], pEA: [0.5, 0.5, 0.9, 0.1], nCatPerDim: 2, piB: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] };
  assert.ok(Number.isFinite(rv.estimatePolicyValue('mipw', embed)));
  const { actionEmbed, ...noEmbed } = embed;
  assert.throws(() => rv.estimatePolicyValue('mipw', noEmbed), /`actionEmbed`.*required/);
  assert.throws(() => rv.estimatePolicyValue('mipw', { ...embed, pEA: [0.5, 0.4, 0.9, 0.1] }), /`pEA`.*sum to 1.*action 0/);
  assert.throws(() => rv.estimatePolicyValue('mipw', { ...embed, actionEmbed: [0, 2, 0, 1] }), /`actionEmbed`.*index 1/);
  assert.throws(() => rv.estimatePolicyValue('mipw', { ...embed, pEA: [0.5, 0.5] }), /`pEA`.*length 4/);
  assert.throws(() => rv.estimatePolicyValue('mipw', { ...embed, piB: undefined }), /`piB`/);
  assert.throws(() => rv.estimatePolicyValue('mipw', embed, { lambda: 1 }), /`lambda`.*takes no lambda/);
  // several loggers
  const multi = { ...g, stratumIdx: [0, 1, 0, 1], pscoreAvg: [0.5, 0.5, 0.5, 0.5] };
  assert.ok(Number.isFinite(rv.estimatePolicyValue('multi_bal_ipw', multi)));
  assert.throws(() => rv.estimatePolicyValue('multi_ipw', g), /`stratumIdx`.*required/);
  assert.throws(() => rv.estimatePolicyValue('multi_weighted_ipw', { ...multi, stratumIdx: [0, 2, 0, 2] }), /`stratumIdx`.*stratum 1 has no round/);
  assert.throws(() => rv.estimatePolicyValue('multi_bal_ipw', { ...multi, pscoreAvg: [0.5, 0, 0.5, 0.5] }), /`pscoreAvg`.*index 1/);
  assert.throws(() => rv.estimatePolicyValue('multi_weighted_ipw', { ...multi, reward: [1, 1, 1, 1], actionDist: [0, 1, 0, 1, 0, 1, 0, 1] }), /`stratumIdx`.*zero variance/);
  const { estimatedRewardsByRegModel, ...noModel } = multi;
  assert.throws(() => rv.estimatePolicyValue('multi_dr', noModel), /`estimatedRewardsByRegModel`.*multi_dr/);
  assert.throws(() => rv.estimatePolicyValue('multi_ipw', multi, { lambda: -1 }), /`lambda`/);
  assert.throws(() => rv.estimatePolicyValue('mips', g), /`estimatorName`.*mipw, snmipw.*multi_weighted_dr/);
});

test('the one-shot call checks every block of rounds: edges of the distribution check (Wasm SIMD path) and the first error', () => {
  // 5,000 rounds × 7 actions (an odd row: the SIMD pairs and the last value), 3 blocks of checks
  const n = 5000, k = 7;
  const base = () => {
    const actionDist = new Float64Array(n * k).fill(1 / k);
    return { reward: new Float64Array(n).fill(1), action: new Int32Array(n).fill(3), pscore: new Float64Array(n).fill(1 / k), actionDist, nActions: k };
  };
  const ok = base();
  for (const est of ['ipw', 'snipw']) assert.ok(Math.abs(rv.estimatePolicyValue(est, ok) - 1) < 1e-12, est);
  const round = 4321; // in the last block
  const at = (j) => round * k + j;
  const cases = [
    // within the tolerance (1e-5) on the sum: accepted; beyond it: refused, naming the round
    [(d) => { d[at(6)] += 0.9e-5; }, null],
    [(d) => { d[at(6)] += 1.1e-5; }, new RegExp(`sum to 1.*round ${round}`)],
    [(d) => { d[at(0)] -= 1.1e-5; }, new RegExp(`sum to 1.*round ${round}`)],
    // a value out of [0, 1], in an even lane, an odd lane and the last value of the row
    [(d) => { d[at(2)] = -1e-300; d[at(3)] += 1e-300; }, new RegExp(`\\[0, 1\\].*round ${round}, action 2`)],
    [(d) => { d[at(1)] = NaN; }, new RegExp(`\\[0, 1\\].*round ${round}, action 1`)],
    [(d) => { d[at(6)] = Infinity; }, new RegExp(`\\[0, 1\\].*round ${round}, action 6`)],
    [(d) => { d[at(0)] = -0; d[at(1)] += 1 / k; }, null],
    [(d) => { d.fill(0, at(0), at(7)); d[at(5)] = 1.0000000001; }, new RegExp(`\\[0, 1\\].*round ${round}, action 5`)],
  ];
  for (const [edit, want] of cases) {
    const input = base();
    edit(input.actionDist);
    for (const est of ['ipw', 'snipw']) {
      if (want === null) assert.ok(Number.isFinite(rv.estimatePolicyValue(est, input)), `${edit} accepted`);
      else {
        assert.throws(() => rv.estimatePolicyValue(est, input), (e) => e instanceof Error && /`actionDist`/.test(e.message) && want.test(e.message), `${edit}`);
        // the same error through the handle, which validates the whole input at once
        assert.throws(() => new rv.BanditData(input), (e) => want.test(e.message), `${edit} (BanditData)`);
      }
    }
  }
  // two defects: the first a separate validation meets (rewards before probabilities), not the first block's
  const two = base();
  two.actionDist[10 * k] = 2;
  two.reward[4999] = NaN;
  assert.throws(() => rv.estimatePolicyValue('ipw', two), /`reward`.*index 4999/);
});

test('typed arrays are copied and checked block by block: the same bits and the same errors as the whole-log path', () => {
  // A log whose numbers differ round to round (a fixed LCG: test data, not a model).
  let s = 7;
  const u = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const log = (n, k, lenList, Index = Int32Array) => {
    const row = k * lenList;
    const actionDist = new Float64Array(n * row), q = new Float64Array(n * row);
    for (let i = 0; i < n; i++) {
      for (let pos = 0; pos < lenList; pos++) {
        const w = Array.from({ length: k }, () => u() + 0.01);
        const z = w.reduce((a, b) => a + b, 0);
        for (let a = 0; a < k; a++) { actionDist[(i * k + a) * lenList + pos] = w[a] / z; q[(i * k + a) * lenList + pos] = u(); }
      }
    }
    const input = {
      reward: Float64Array.from({ length: n }, () => (u() < 0.3 ? 1 : 0)),
      action: Index.from({ length: n }, () => Math.floor(u() * k)),
      pscore: Float64Array.from({ length: n }, () => 0.05 + 0.95 * u()),
      actionDist, estimatedRewardsByRegModel: q, nActions: k,
    };
    if (lenList > 1) Object.assign(input, { lenList, position: Index.from({ length: n }, () => Math.floor(u() * lenList)) });
    return input;
  };
  // rows of 10, 30 and 5,000 values: blocks of 3,276, 1,092 and 6 rounds, the last one partial
  const logs = [log(7001, 10, 1), log(7001, 10, 3, Uint32Array), log(50, 5000, 1, Uint32Array)];
  const names = ['dm', 'ipw', 'snipw', 'dr', 'sndr', 'switch-dr', 'dr-os', 'sg-ipw', 'sg-dr'];
  for (const [j, input] of logs.entries()) {
    const handle = new rv.BanditData(input);
    for (const name of names) {
      for (const params of [undefined, ...(name === 'dm' || name === 'snipw' || name === 'sndr' ? [] : [{ lambda: name.startsWith('sg') ? 0.3 : 2 }])]) {
        const streamed = rv.estimatePolicyValue(name, input, params);
        // the handle validates the whole log once and estimates in memory
        assert.ok(Object.is(streamed, handle.estimatePolicyValue(name, params)), `log ${j}, ${name} ${JSON.stringify(params)}`);
        assert.ok(Number.isFinite(streamed));
      }
    }
    handle.free();
  }
  // Defects in the last, partial block: the error the whole-log check gives (BanditData's)
  const message = (f) => { try { f(); } catch (e) { return e.message; } assert.fail('expected an error'); };
  const defects = [
    ['a negative action in an Int32Array', (d) => { d.action[6999] = -1; }],
    ['an action out of range', (d) => { d.action[7000] = 10; }],
    ['a NaN reward', (d) => { d.reward[6800] = NaN; }],
    ['a zero propensity', (d) => { d.pscore[6700] = 0; }],
    ['a row that sums to 0.9', (d) => { d.actionDist[6600 * 10 + 3] -= 0.1; }],
    ['an infinite q̂', (d) => { d.estimatedRewardsByRegModel[6900 * 10 + 9] = Infinity; }],
    ['a short pscore', (d) => { d.pscore = d.pscore.subarray(0, 7000); }],
    ['a wrong nRounds', (d) => { d.nRounds = 7000; }],
  ];
  for (const [what, edit] of defects) {
    const input = log(7001, 10, 1);
    edit(input);
    const want = message(() => new rv.BanditData(input));
    assert.equal(message(() => rv.estimatePolicyValue('dr', input)), want, what);
  }
  // a non-finite q̂ in every lane of the Wasm SIMD check (eight values a step) and in the tail
  const clean = log(7001, 10, 1);
  for (const j of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 70000, 70005, 70008, 70009]) {
    for (const x of [NaN, Infinity, -Infinity]) {
      const q = clean.estimatedRewardsByRegModel.slice();
      q[j] = x;
      const input = { ...clean, estimatedRewardsByRegModel: q };
      const got = `got ${x} at index ${j}`; // JS's spelling (the core's messages say inf; js_error rewrites it)
      assert.match(message(() => rv.estimatePolicyValue('dr', input)), /^`estimatedRewardsByRegModel`/, `${x} at ${j}`);
      assert.ok(message(() => rv.estimatePolicyValue('dr', input)).endsWith(got), `${x} at ${j}`);
      assert.ok(message(() => new rv.BanditData(input)).endsWith(got), `${x} at ${j} (BanditData)`);
    }
  }
  assert.ok(Number.isFinite(rv.estimatePolicyValue('dr', { ...clean, estimatedRewardsByRegModel: clean.estimatedRewardsByRegModel.map((v, j) => (j % 2 ? -1e300 : 1e300)) })));
  const positions = log(7001, 10, 3);
  positions.position[7000] = 3;
  assert.match(message(() => rv.estimatePolicyValue('ipw', positions)), /`position`.*index 7000/);
  assert.equal(message(() => rv.estimatePolicyValue('ipw', positions)), message(() => new rv.BanditData(positions)));
});

test('slate estimates on typed arrays are streamed block by block: the bits and the errors of the whole-input path', () => {
  let s = 11;
  const u = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  // 2,000 rankings of up to 10 slots (every 9th has 4): 19,000-odd slots, blocks of 8,192 that
  // cut rankings in two; rewards in {−1, 0, 1, 2.5}
  const slates = (Index = Int32Array) => {
    const cols = { slateId: [], position: [], reward: [], pscore: [], evaluationPolicyPscore: [], pscoreItemPosition: [],
      evaluationPolicyPscoreItemPosition: [], pscoreCascade: [], evaluationPolicyPscoreCascade: [] };
    for (let j = 0; j < 2000; j++) {
      const [ps, es] = [0.05 + 0.95 * u(), u()];
      let [pc, ec] = [1, 1];
      for (let k = 0; k < (j % 9 === 4 ? 4 : 10); k++) {
        pc *= 0.5 + 0.5 * u();
        ec *= u();
        const row = [2 * j, k, [-1, 0, 1, 2.5][Math.floor(u() * 4)], ps, es, 0.1 + 0.9 * u(), u(), pc, ec];
        Object.values(cols).forEach((c, i) => c.push(row[i]));
      }
    }
    const d = { lenList: 10 };
    for (const [k, v] of Object.entries(cols)) d[k] = (k === 'slateId' || k === 'position' ? Index : Float64Array).from(v);
    return d;
  };
  // the whole-input path: the same log as plain Arrays
  const plain = (d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) ? Array.from(v) : v]));
  const names = ['sips', 'iips', 'rips', 'snsips', 'sniips', 'snrips'];
  for (const Index of [Int32Array, Uint32Array]) {
    const d = slates(Index);
    assert.ok(d.reward.length > 2 * 8192 && d.reward.length % 8192 !== 0);
    for (const name of names) {
      const streamed = rv.estimateSlatePolicyValue(name, d);
      assert.ok(Number.isFinite(streamed), name);
      assert.ok(Object.is(streamed, rv.estimateSlatePolicyValue(name, plain(d))), `${name} (${Index.name})`);
      // the round rewards' sum over slates (a path that does not stream) agrees to rounding
      const rr = rv.estimateSlateRoundRewards(name, d).reduce((a, b) => a + b, 0) / 2000;
      assert.ok(Math.abs(rr - streamed) < 1e-9 * Math.max(1, Math.abs(streamed)), `${name}: ${rr} vs ${streamed}`);
    }
  }
  const message = (f) => { try { f(); } catch (e) { return e.message; } assert.fail('expected an error'); };
  const defects = [
    ['a negative slate id in an Int32Array', (d) => { d.slateId[d.slateId.length - 1] = -1; }],
    ['a position past lenList', (d) => { d.position[17000] = 10; }],
    ['a position twice in a ranking (across a block edge)', (d) => { d.position[8192] = d.position[8191]; d.slateId[8192] = d.slateId[8191]; }],
    ['a NaN reward', (d) => { d.reward[16384] = NaN; }],
    ['a zero propensity', (d) => { d.pscore[18000] = 0; d.pscoreItemPosition[18000] = 0; d.pscoreCascade[18000] = 0; }],
    ['a target probability above 1', (d) => { d.evaluationPolicyPscore[9000] = 1.5; d.evaluationPolicyPscoreItemPosition[9000] = 1.5; d.evaluationPolicyPscoreCascade[9000] = 1.5; }],
    ['a whole-slate propensity that varies in its ranking', (d) => { d.pscore[8193] *= 0.5; }],
    ['a prefix probability that increases', (d) => { d.pscoreCascade[8195] = d.pscoreCascade[8194] * 2; }],
    ['a short pscore', (d) => { d.pscore = d.pscore.subarray(1); d.pscoreItemPosition = d.pscoreItemPosition.subarray(1); d.pscoreCascade = d.pscoreCascade.subarray(1); }],
    ['a wrong nRounds', (d) => { d.nRounds = 1999; }],
    ['a BigInt array it does not read', (d) => { d.qHat = new BigInt64Array(3); }],
  ];
  for (const [what, edit] of defects) {
    for (const name of names) {
      const d = slates();
      edit(d);
      let want;
      try { want = rv.estimateSlatePolicyValue(name, plain(d)); } catch (e) { want = e.message; }
      let got;
      try { got = rv.estimateSlatePolicyValue(name, d); } catch (e) { got = e.message; }
      assert.ok(Object.is(got, want), `${what}, ${name}: ${got} vs ${want}`);
    }
  }
  // layouts the stream leaves to the whole-input path give its value: rankings in decreasing id order
  const d = slates();
  const rev = { ...d, slateId: d.slateId.map((x) => 5000 - x) };
  assert.ok(Object.is(rv.estimateSlatePolicyValue('sips', rev), rv.estimateSlatePolicyValue('sips', plain(rev))));
});

test('BanditData.allocate: a log filled in place through views gives the bits of the same log copied in, and is checked on every call', () => {
  const n = 5000, k = 6;
  let s = 3;
  const u = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const input = { reward: new Float64Array(n), action: new Uint32Array(n), pscore: new Float64Array(n), actionDist: new Float64Array(n * k), estimatedRewardsByRegModel: new Float64Array(n * k), nActions: k };
  for (let i = 0; i < n; i++) {
    const w = Array.from({ length: k }, () => u() + 0.05);
    const z = w.reduce((a, b) => a + b, 0);
    for (let a = 0; a < k; a++) { input.actionDist[i * k + a] = w[a] / z; input.estimatedRewardsByRegModel[i * k + a] = u(); }
    input.action[i] = Math.floor(u() * k);
    input.pscore[i] = 0.1 + 0.9 * u();
    input.reward[i] = u() < 0.3 ? 1 : 0;
  }
  const copied = new rv.BanditData(input);
  const filled = rv.BanditData.allocate(n, k, { rewardModel: true });
  const v = filled.views();
  assert.deepEqual(Object.keys(v).sort(), ['action', 'actionDist', 'estimatedRewardsByRegModel', 'pscore', 'reward']);
  for (const key of Object.keys(v)) v[key].set(input[key]);
  for (const name of ['ipw', 'snipw', 'dr', 'dm', 'switch-dr']) {
    assert.ok(Object.is(filled.estimatePolicyValue(name), copied.estimatePolicyValue(name)), name);
    assert.deepEqual(filled.estimateRoundRewards(name), copied.estimateRoundRewards(name), name);
  }
  assert.deepEqual(filled.estimateInterval('snipw', undefined, { randomState: 4, nBootstrapSamples: 200 }), copied.estimateInterval('snipw', undefined, { randomState: 4, nBootstrapSamples: 200 }));
  assert.deepEqual(filled.estimateDiagnostics('ipw', { lambda: 3 }), copied.estimateDiagnostics('ipw', { lambda: 3 }));
  // written after an estimate: the next call sees the change, and refuses what is not a log
  const again = filled.views();
  again.action[4999] = k;
  const message = (f) => { try { f(); } catch (e) { return e.message; } assert.fail('expected an error'); };
  for (const f of [() => filled.estimatePolicyValue('ipw'), () => filled.estimateRoundRewards('dr'), () => filled.estimateInterval('ipw'), () => filled.estimateDiagnostics('ipw'), () => filled.estimatePolicyValue('ipw', { lambdas: [1, 10] })]) {
    assert.match(message(f), /^`action`.*got 6 at index 4999/);
  }
  again.action[4999] = input.action[4999];
  again.pscore[17] = 0;
  assert.match(message(() => filled.estimatePolicyValue('dr')), /^`pscore`.*0 at index 17.*zero propensity/);
  again.pscore[17] = input.pscore[17];
  assert.ok(Object.is(filled.estimatePolicyValue('ipw'), copied.estimatePolicyValue('ipw')));
  // an untouched allocation is not a log: its propensities are 0
  const empty = rv.BanditData.allocate(3, 2);
  assert.match(message(() => empty.estimatePolicyValue('ipw')), /^`actionDist`|^`pscore`/);
  const ranked = rv.BanditData.allocate(2, 3, { lenList: 2 });
  assert.deepEqual(Object.keys(ranked.views()).sort(), ['action', 'actionDist', 'position', 'pscore', 'reward']);
  assert.equal(ranked.views().actionDist.length, 2 * 3 * 2);
  // bad arguments, named; a handle made from an input stays read-only
  assert.match(message(() => rv.BanditData.allocate(0, 3)), /^`nRounds`/);
  assert.match(message(() => rv.BanditData.allocate(3, 0)), /^`nActions`/);
  assert.match(message(() => rv.BanditData.allocate(1.5, 3)), /^`nRounds`/);
  assert.match(message(() => rv.BanditData.allocate('3', 3)), /^`nRounds`/);
  assert.match(message(() => rv.BanditData.allocate(3, 3, { lenList: 0 })), /lenList/);
  assert.match(message(() => rv.BanditData.allocate(3, 3, { rewardModel: 1 })), /^`rewardModel`.*true or false/);
  assert.match(message(() => rv.BanditData.allocate(3, 3, { positions: true })), /positions/);
  assert.match(message(() => rv.BanditData.allocate(1e9, 1000)), /^`nRounds`.*limit/);
  assert.match(message(() => copied.views()), /^`views`.*read-only.*allocate/);
  for (const h of [copied, filled, empty, ranked]) h.free();
});

test('the streamed and in-place paths hold against a page that lies: getters that write, subclassed arrays, sizes that wrap on wasm32', () => {
  const message = (f) => { try { f(); } catch (e) { return e.message; } assert.fail('expected an error'); };
  const n = 3000, k = 4;
  const input = { reward: new Float64Array(n).fill(1), action: new Int32Array(n).map((_, i) => i % k), pscore: new Float64Array(n).fill(1 / k), actionDist: new Float64Array(n * k).fill(1 / k), nActions: k };
  const plain = { ...input, reward: Array.from(input.reward), action: Array.from(input.action), pscore: Array.from(input.pscore), actionDist: Array.from(input.actionDist) };
  const want = rv.estimatePolicyValue('ipw', plain);
  // a subclass whose species constructor would hand back a short array, an own `constructor`,
  // and a `subarray` that throws: none of them is called
  class Short extends Float64Array { static get [Symbol.species]() { return class extends Float64Array { constructor() { super(1); } }; } }
  const tricked = { ...input, reward: Short.from(input.reward), actionDist: new Float64Array(input.actionDist) };
  Object.defineProperty(tricked.actionDist, 'constructor', { value: Short });
  tricked.actionDist.subarray = () => { throw new Error('subarray called'); };
  assert.ok(Object.is(rv.estimatePolicyValue('ipw', tricked), want));
  // a getter of `params` that writes a bad value into a filled handle, after nothing was checked yet
  const h = rv.BanditData.allocate(n, k);
  const v = h.views();
  for (const key of Object.keys(v)) v[key].set(input[key]);
  assert.ok(Object.is(h.estimatePolicyValue('ipw'), want));
  // (calling the handle itself from the getter is refused as busy; views taken before are not)
  const held = h.views();
  const sneaky = { get lambdas() { held.action[0] = 1e9; return [1, 2, Infinity]; } };
  for (const f of [() => h.estimatePolicyValue('ipw', sneaky), () => h.estimateInterval('ipw', sneaky), () => h.estimateRoundRewards('ipw', sneaky), () => h.estimateDiagnostics('ipw', sneaky)]) {
    held.action[0] = 0;
    assert.match(message(f), /^`action`.*got 1000000000 at index 0/);
  }
  held.action[0] = 0;
  assert.ok(Object.is(h.estimatePolicyValue('ipw'), want));
  h.free();
  // 65,536 rounds × 65,537 actions wraps to 65,536 in a 32-bit product: a named error, not a value
  const m = 65536;
  const wide = { reward: new Float64Array(m), action: new Int32Array(m), pscore: new Float64Array(m).fill(0.5), actionDist: new Float64Array(m).fill(1), nActions: 65537 };
  assert.match(message(() => rv.estimatePolicyValue('ipw', wide)), /^`actionDist`.*more than any array can hold/);
  assert.match(message(() => rv.estimatePolicyValue('ipw', { ...wide, actionDist: Array.from(wide.actionDist) })), /^`actionDist`/);
  assert.match(message(() => rv.BanditData.allocate(m, 65537)), /^`nRounds`.*limit/);
  // allocate counts every array it makes, not only the distribution
  assert.match(message(() => rv.BanditData.allocate(2 ** 27, 1)), /^`nRounds`.*limit/);
  assert.ok(Object.is(rv.estimatePolicyValue('ipw', plain), want), 'the module still works');
});

test('propensities are checked in every lane of the Wasm SIMD pass and in its tail', () => {
  const message = (f) => { try { f(); } catch (e) { return e.message; } assert.fail('expected an error'); };
  const n = 7; // one step of four values, then a tail of three
  const base = () => ({ reward: new Float64Array(n).fill(1), action: new Int32Array(n), pscore: new Float64Array(n).fill(0.5), actionDist: new Float64Array(2 * n).fill(0.5), nActions: 2 });
  for (let j = 0; j < n; j++) {
    for (const x of [0, -0, NaN, Infinity, -0.5, 1.0000000001, 1e-310]) {
      const input = base();
      input.pscore[j] = x;
      assert.match(message(() => rv.estimatePolicyValue('ipw', input)), new RegExp(`^\`pscore\`.* at index ${j}`), `${x} at ${j}`);
    }
    // the edges are accepted: the smallest normal double and 1
    for (const x of [2.2250738585072014e-308, 1]) {
      const input = base();
      input.pscore[j] = x;
      assert.ok(Number.isFinite(rv.estimatePolicyValue('ipw', input)), `${x} at ${j}`);
    }
  }
});
