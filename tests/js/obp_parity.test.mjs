// Parity with Open Bandit Pipeline 0.5.7 through the JS API of the built package, in node:
// every estimator, λ and policy of both fixtures; point estimates and per-round values to 1e-9;
// bootstrap intervals within a quarter of OBP's width at each end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  estimatePolicyValue, estimateRoundRewards, estimateInterval, estimateSlatePolicyValue,
  estimateSlateRoundRewards, estimateSlateInterval, estimateDiagnostics,
} from '../../pkg/receval.js';
import { fixture, float, floats, ints, close } from './fixtures.mjs';

const TOL = 1e-9;

function assertInterval(label, ours, obp) {
  const lo = float(obp.lower), hi = float(obp.upper);
  if (Number.isNaN(lo)) return;
  const q = 0.25 * (hi - lo);
  assert.ok(Math.abs(ours.lower - lo) <= q, `${label}: lower ${ours.lower} vs OBP ${lo} (±${q})`);
  assert.ok(Math.abs(ours.upper - hi) <= q, `${label}: upper ${ours.upper} vs OBP ${hi} (±${q})`);
}

test('standard estimators match OBP through the JS API', () => {
  const fx = fixture('standard_binary_beta-3.json.gz');
  const inp = fx.inputs;
  const base = {
    reward: floats(inp.reward),
    action: ints(inp.action),
    pscore: floats(inp.pscore),
    estimatedRewardsByRegModel: floats(inp.estimated_rewards_by_reg_model),
    nActions: inp.n_actions,
    lenList: 1,
  };
  const boot = { alpha: fx.config.bootstrap.alpha, nBootstrapSamples: fx.config.bootstrap.n_bootstrap_samples, randomState: 12345 };
  let checked = 0;
  for (const [policy, p] of Object.entries(fx.policies)) {
    const input = { ...base, actionDist: floats(p.action_dist) };
    for (const [key, e] of Object.entries(p.estimators)) {
      const name = key.split('_lambda')[0];
      const params = 'lambda_' in e.kwargs ? { lambda: float(e.kwargs.lambda_) } : undefined;
      const label = `${policy}/${key}`;
      const want = float(e.estimate_policy_value);
      const got = estimatePolicyValue(name, input, params);
      assert.ok(close(got, want, TOL), `${label}: ${got} vs OBP ${want}`);
      const rr = estimateRoundRewards(name, input, params);
      assert.ok(rr instanceof Float64Array);
      const wantRr = floats(e.round_rewards);
      assert.equal(rr.length, wantRr.length);
      for (let i = 0; i < rr.length; i++) assert.ok(close(rr[i], wantRr[i], TOL), `${label} round ${i}: ${rr[i]} vs ${wantRr[i]}`);
      assertInterval(label, estimateInterval(name, input, params, { ...boot, method: 'obp-bootstrap' }), e.interval_bootstrap);
      if (!['snipw', 'sndr', 'rm'].includes(name)) assertInterval(label, estimateInterval(name, input, params, boot), e.interval_bootstrap);
      if (Number.isNaN(want)) {
        // OBP returns NaN with only a numpy warning; receval says why.
        const d = estimateDiagnostics(name, input, params);
        assert.ok(d.warnings.some((w) => /undefined \(0\/0\)/.test(w)), `${label}: ${JSON.stringify(d.warnings)}`);
      }
      checked++;
    }
  }
  assert.equal(checked, 69);
});

test('slate estimators match OBP through the JS API', () => {
  const fx = fixture('slate_cascade_additive_noclick_uniform.json.gz');
  const inp = fx.inputs;
  const input = {
    slateId: ints(inp.slate_id),
    position: ints(inp.position),
    action: ints(inp.action),
    reward: floats(inp.reward),
    lenList: Number(inp.len_list),
    nUniqueAction: Number(inp.n_unique_action),
    pscore: floats(inp.pscore),
    evaluationPolicyPscore: floats(inp.evaluation_policy_pscore),
    pscoreItemPosition: floats(inp.pscore_item_position),
    evaluationPolicyPscoreItemPosition: floats(inp.evaluation_policy_pscore_item_position),
    pscoreCascade: floats(inp.pscore_cascade),
    evaluationPolicyPscoreCascade: floats(inp.evaluation_policy_pscore_cascade),
    qHat: floats(inp.q_hat),
    evaluationPolicyActionDist: floats(inp.evaluation_policy_action_dist),
  };
  const boot = { nBootstrapSamples: fx.config.bootstrap.n_bootstrap_samples, randomState: 1 };
  for (const [name, e] of Object.entries(fx.estimators)) {
    const want = float(e.estimate_policy_value);
    const got = estimateSlatePolicyValue(name, input);
    assert.ok(close(got, want, TOL), `${name}: ${got} vs OBP ${want}`);
    const rr = estimateSlateRoundRewards(name, input);
    const wantRr = floats(e.slot_level_round_rewards);
    for (let i = 0; i < rr.length; i++) assert.ok(close(rr[i], wantRr[i], TOL), `${name} slot ${i}`);
    assertInterval(name, estimateSlateInterval(name, input, undefined, { ...boot, method: 'obp-bootstrap' }), e.interval_bootstrap);
  }
});
