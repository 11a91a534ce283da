// The lessons' special-purpose models through the JS API: shapes, invariants and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as rv from '../../pkg/receval.js';

const world = new rv.World({ seed: 4, nUsers: 200, nItems: 40, nCreators: 10 });

test('ratings: self-selected ratings carry exact propensities; a random survey is uniform', () => {
  const ss = world.ratings({ mode: 'self-selected', perUser: 5, seed: 1 });
  assert.ok(ss.user.length > 0 && ss.user.length === ss.rating.length && ss.rating.length === ss.propensity.length);
  assert.ok(ss.propensity.every((p) => p > 0 && p <= 1));
  assert.ok(ss.rating.every((r) => r >= 1 && r <= 5));
  const truth = world.trueRatings();
  for (let j = 0; j < ss.user.length; j++) assert.equal(ss.rating[j], truth[ss.user[j] * 40 + ss.item[j]]);
  const rs = world.ratings({ mode: 'random', perUser: 4, seed: 2 });
  assert.equal(rs.user.length, 200 * 4);
  assert.ok(rs.propensity.every((p) => p === 4 / 40));
  assert.throws(() => world.ratings({ mode: 'random', perUser: 41 }), /`options.perUser`/);
  assert.throws(() => world.ratings({ mode: 'survey' }), /`options.mode`/);
});

test('stakeholder metrics add up and the creator loop only ever loses creators', () => {
  const pol = { kind: 'softmax', beta: 3, score: { relevance: 1, popularity: 1 } };
  const m = world.stakeholderMetrics(pol);
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum(m.itemExposure) - 1) < 1e-12 && Math.abs(sum(m.creatorExposure) - 1) < 1e-12);
  assert.ok(Math.abs(m.engagement - world.policyValue(pol)) < 1e-12);
  assert.ok(m.creatorGini >= 0 && m.creatorGini <= 1);
  const rounds = world.creatorDynamics(pol, { rounds: 6, threshold: 0.5 });
  assert.equal(rounds.length, 7);
  for (let i = 1; i < rounds.length; i++) assert.ok(rounds[i].activeCreators <= rounds[i - 1].activeCreators);
  assert.throws(() => world.creatorDynamics(pol, { threshold: 2 }), /`options.threshold`/);
});

test('elicitation: questions, answers, recommendations, and errors that name the argument', () => {
  const e = new rv.Elicitation(world, { seed: 3, particles: 300 });
  const q = e.nextQuestion('adaptive');
  assert.equal(q.length, 3);
  assert.ok(e.informationGain(q) > 0);
  e.answer(q, q[1]);
  assert.equal(e.asked, 1);
  const taste = e.meanTaste();
  assert.ok(taste[q[1]] > taste[q[0]] && taste[q[1]] > taste[q[2]], 'the chosen topic moves up the belief');
  assert.equal(e.recommend(5).length, 5);
  assert.throws(() => e.answer(q, 99), /`choice`/);
  assert.throws(() => e.nextQuestion('clever'), /`strategy`/);
  assert.throws(() => new rv.Elicitation(world, { options: 1 }), /`options.options`|`options`/);
  const curve = world.simulateElicitation({ strategy: 'popular', nUsers: 20, nQuestions: 2, particles: 100 });
  assert.equal(curve.mean.length, 3);
  assert.ok(curve.se.every((x) => x >= 0));
});

test('causal graph: exact values and estimates; adjustment needs positivity', () => {
  const t = rv.causalTruth({ confounding: 1.5 });
  assert.ok(t.observedExposed > t.doExposed, 'confounding inflates the observed click rate of exposed items');
  const est = rv.causalEstimate({ confounding: 1.5 }, { n: 20000, seed: 1, bootstrap: 100 });
  assert.ok(Math.abs(est.adjusted - est.truth) < 4 * est.adjustedSe);
  assert.ok(Math.abs(est.naive - est.truth) > 4 * est.naiveSe);
  assert.throws(() => rv.causalEstimate({ confounding: 9 }), /`model.confounding`/);
  assert.throws(() => rv.causalEstimate({ edges: { tasteToExposre: false } }), /`model.edges.tasteToExposre`/);
  // exposure never happens for unpopular disliked items at e0 = -10: no positivity there
  assert.throws(() => rv.causalEstimate({ e0: -10, eU: 0, eC: 0 }, { n: 200 }), /positivity/);
});

test("ObdLog.estimate's row-by-row path equals the general estimators on the same input", () => {
  const csv = readFileSync(new URL('../../www/data/obd/random_all.csv', import.meta.url), 'utf8');
  const bts = readFileSync(new URL('../../www/data/obd/bts_all.csv', import.meta.url), 'utf8');
  const log = new rv.ObdLog(csv);
  const dist = new rv.ObdLog(bts).empiricalActionDist();
  const q = log.tabularRewardModel(10);
  const input = log.banditInput(dist, q);
  for (const [name, params] of [['dm'], ['ipw'], ['snipw'], ['dr'], ['sndr'], ['switch-dr', { lambda: 5 }], ['dr-os', { lambda: 10 }]]) {
    const fast = log.estimate(name, dist, { rewardModel: q, lambda: params?.lambda });
    const general = rv.estimatePolicyValue(name, input, params);
    assert.ok(Math.abs(fast.estimate - general) < 1e-12, `${name}: ${fast.estimate} vs ${general}`);
  }
  assert.throws(() => log.estimate('ipw', new Float64Array(10)), /`dist`: expected nActions × lenList/);
  assert.throws(() => log.banditInput(new Float64Array(10)), /`dist`: expected nActions × lenList/);
  assert.throws(() => log.banditInput(Float64Array.from(dist, (x, i) => (i === 0 ? NaN : x))), /`dist`: expected probabilities in \[0, 1\], got NaN at index 0/);
});
