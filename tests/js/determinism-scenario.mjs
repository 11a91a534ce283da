// The seeded computation of examples/determinism.rs, through the JS API. Self-contained (it is
// also shipped into a browser page by the end-to-end test), returning plain JSON.
export function determinismScenario(rv) {
  const logger = { kind: 'mixture', components: [{ weight: 0.9, policy: { kind: 'softmax', beta: 2 } }, { weight: 0.1, policy: { kind: 'uniform' } }] };
  const target = { kind: 'softmax', beta: -1 };
  const world = new rv.World({ seed: 7, nUsers: 300, nItems: 50 });
  const log = world.collect(logger, { nRounds: 2000, seed: 11 });
  const input = log.banditInput(target);
  const iv = rv.estimateInterval('snipw', input, undefined, { alpha: 0.05, nBootstrapSamples: 500, randomState: 3 });
  const lab = new rv.Lab(world, { logger: { kind: 'softmax', beta: 1 }, target, nRounds: 1000, replicates: 5, seed: 5 });
  const labMeans = lab.run().map((s) => s.mean);
  return {
    draws: rv.seededDraws(2024, 4),
    policyValue: world.policyValue(target),
    actions: Array.from(log.action.slice(0, 50)),
    rewards: Array.from(log.reward.slice(0, 50)),
    pscores: Array.from(log.pscore.slice(0, 20)),
    interval: [iv.mean, iv.lower, iv.upper],
    labMeans,
  };
}
