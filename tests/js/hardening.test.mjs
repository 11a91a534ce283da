// The module survives whatever a page passes it. Each test reproduces a defect found by fuzzing
// the JS API (issue 11) and failed before its fix: exceptions thrown while an argument is read
// (which leaked Wasm stack until every call trapped), values of the wrong type (which trapped or
// were silently converted), sizes that ran the module out of memory, and objects used after
// free(). After each, the module must still compute the right number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as rv from '../../pkg/receval.js';

const good = () => ({
  reward: [1, 0, 1, 1],
  action: [1, 0, 1, 0],
  pscore: [0.5, 0.5, 0.5, 0.5],
  actionDist: [0.2, 0.8, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8],
  nActions: 2,
});
const IPW = (1.6 + 1.6 + 0.4) / 4;
const stillWorks = () => assert.equal(rv.estimatePolicyValue('ipw', good()), IPW);

/** `f` throws an Error whose message names `arg` (in backticks) and matches `pattern`. */
function rejects(f, arg, pattern = /./) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error, `an Error, got ${e}`);
    assert.ok(e.message.includes(`\`${arg}\``), `the message should name \`${arg}\`: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('1. exceptions thrown while a config is read become errors, and leak nothing', () => {
  // Before: after a few hundred to a few thousand of these, every call trapped with
  // "memory access out of bounds".
  for (let i = 0; i < 3000; i++) {
    try { new rv.World({ get nUsers() { throw new Error('boom'); } }); } catch { /* expected */ }
  }
  stillWorks();
  rejects(() => new rv.World({ get nUsers() { throw new Error('boom'); } }), 'config.nUsers', /threw \(boom\)/);
  const world = new rv.World({ nUsers: 20, nItems: 5 });
  const throwing = { get kind() { throw 1; } };
  for (let i = 0; i < 2000; i++) {
    try { world.policyValue(throwing); } catch { /* expected */ }
    try { rv.estimatePolicyValue('ipw', new Proxy(good(), { get() { throw new Error('trap'); } })); } catch { /* expected */ }
    try { rv.summarizeOffPolicyEstimates(good(), undefined, { get alpha() { throw 1; } }); } catch { /* expected */ }
    try { rv.causalEstimate({ get pTaste() { throw 1; } }); } catch { /* expected */ }
  }
  stillWorks();
  rejects(() => world.policyValue(throwing), 'policy.kind', /could not be read/);
  rejects(() => world.collect({ kind: 'uniform' }, { get nRounds() { throw 1; } }), 'options.nRounds', /could not be read/);
  rejects(() => rv.causalTruth(new Proxy({}, { ownKeys() { throw new Error('keys'); } })), 'model', /keys/);
  world.free();
});

test('1. objects nested thousands deep and revoked Proxies are refused with a reason', () => {
  let deep = {};
  for (let i = 0; i < 1500; i++) deep = { a: deep };
  // Before: the second call trapped.
  for (let i = 0; i < 5; i++) rejects(() => new rv.World(deep), 'config.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a', /nested more than 32/);
  let deepArray = [];
  for (let i = 0; i < 1500; i++) deepArray = [deepArray];
  rejects(() => rv.estimatePolicyValue('ipw', { ...good(), reward: deepArray }), 'reward', /an array at index 0/);
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  rejects(() => rv.estimatePolicyValue('ipw', proxy), 'input', /revoked/);
  rejects(() => new rv.World(proxy), 'config', /revoked/);
  stillWorks();
});

test('2. a name that is not a string is an error naming it, for every name parameter', () => {
  const world = new rv.World({ nUsers: 20, nItems: 5 });
  const log = world.collect({ kind: 'uniform' }, { nRounds: 50, seed: 1 });
  const data = new rv.BanditData(good());
  const elicitation = new rv.Elicitation(world, { particles: 50 });
  const csv = 'timestamp,item_id,position,click,propensity_score\n1,0,1,0,0.5\n2,1,1,1,0.5\n';
  const obd = new rv.ObdLog(csv);
  const calls = [
    ['estimatorName', (n) => rv.estimatePolicyValue(n, good())],
    ['estimatorName', (n) => rv.estimateRoundRewards(n, good())],
    ['estimatorName', (n) => rv.estimateInterval(n, good())],
    ['estimatorName', (n) => rv.estimateDiagnostics(n, good())],
    ['estimatorName', (n) => data.estimatePolicyValue(n)],
    ['estimatorName', (n) => data.estimateRoundRewards(n)],
    ['estimatorName', (n) => data.estimateInterval(n)],
    ['estimatorName', (n) => data.estimateDiagnostics(n)],
    ['estimatorName', (n) => new rv.StreamingEstimator(n)],
    ['estimatorName', (n) => rv.estimateSlatePolicyValue(n, {})],
    ['estimatorName', (n) => rv.estimateSlateRoundRewards(n, {})],
    ['estimatorName', (n) => rv.estimateSlateInterval(n, {})],
    ['estimatorName', (n) => obd.estimate(n, [0.5, 0.5])],
    ['signal', (n) => world.expectedSignal(n)],
    ['name', (n) => world.addModel(n, new Float64Array(100))],
    ['name', (n) => world.fitRecommender(n, log)],
    ['name', (n) => log.signal(n)],
    ['name', (n) => log.withReward(n)],
    ['strategy', (n) => elicitation.nextQuestion(n)],
    ['csv', (n) => new rv.ObdLog(n)],
  ];
  // Before: numbers, objects, booleans and BigInts trapped ("memory access out of bounds").
  for (const bad of [123, {}, true, 1n, undefined, null, Symbol('s'), ['ipw']]) {
    for (const [arg, call] of calls) rejects(() => call(bad), arg, /expected a string/);
  }
  stillWorks();
  for (const o of [log, data, elicitation, obd, world]) o.free();
});

test('3. array elements that are not numbers are rejected with their index, never converted', () => {
  // Before: null → 0, true → 1, "1" → 1, [x] → x, a Date → its milliseconds, a hole → NaN.
  for (const [bad, what] of [[null, /null/], [true, /boolean/], ['1', /string/], [[1], /an array/], [new Date(0), /a Date/], [{ valueOf: () => 1 }, /an object/]]) {
    rejects(() => rv.estimatePolicyValue('ipw', { ...good(), reward: [1, bad, 1, 1] }), 'reward', new RegExp(`${what.source}.*index 1`));
    rejects(() => rv.estimatePolicyValue('ipw', { ...good(), action: [1, bad, 1, 0] }), 'action', /index 1/);
    rejects(() => rv.estimatePolicyValue('ipw', { ...good(), pscore: [0.5, bad, 0.5, 0.5] }), 'pscore', /index 1/);
  }
  // eslint-disable-next-line no-sparse-arrays
  rejects(() => rv.estimatePolicyValue('ipw', { ...good(), reward: [1, , 1, 1] }), 'reward', /undefined at index 1/);
  rejects(() => rv.kendallTau([1, '2', 3], [1, 2, 3]), 'x', /index 1/);
  // typed arrays of any kind are numbers already
  assert.equal(rv.estimatePolicyValue('ipw', { ...good(), reward: new Float32Array([1, 0, 1, 1]), action: new Uint8Array([1, 0, 1, 0]) }), IPW);
});

test('3. integers are checked, never wrapped, and numbers are never coerced', () => {
  const world = new rv.World({ nUsers: 20, nItems: 5 });
  // Before: -1 became 4294967295, 2**32 + 3 became 3, NaN became 0.
  rejects(() => world.examination(-1), 'k', /-1/);
  rejects(() => rv.seededDraws(1, 2 ** 32 + 3), 'n', /4294967299/);
  rejects(() => rv.seededDraws(-1, 3), 'seed');
  for (const u of [2 ** 32, NaN, -1, 1.5, '3', null]) {
    rejects(() => world.userTaste(u), 'user');
    rejects(() => world.recommendationQuality(u, [0]), 'user');
    rejects(() => world.positionProbabilities({ kind: 'uniform' }, u, 2), 'user');
  }
  rejects(() => world.positionProbabilities({ kind: 'uniform' }, 0, 2 ** 32 + 1), 'lenList');
  const lab = new rv.Lab(world, { logger: { kind: 'uniform' }, target: { kind: 'uniform' }, nRounds: 50, replicates: 3 });
  rejects(() => lab.step(-1), 'n', /-1/); // before: ran every replicate
  assert.equal(lab.replicatesDone, 0);
  rejects(() => lab.step('1'), 'n', /a string/);
  const e = new rv.Elicitation(world, { particles: 50 });
  rejects(() => e.answer([0, 1], 2), 'choice', /one of the topics shown/);
  rejects(() => e.answer([0, 1], -1), 'choice', /-1/); // before: wrapped to 4294967295
  rejects(() => e.recommend(-1), 'n');
  const s = new rv.StreamingEstimator('ipw');
  rejects(() => s.addRound('1', 0.5, 0.5), 'reward', /a string/);
  rejects(() => s.addRound(1, null, 0.5), 'pscore', /null/);
  rejects(() => s.interval('0.1'), 'alpha');
  // λ where the formula ignores it is still checked, as OBP does; DM and replay take none.
  rejects(() => rv.estimatePolicyValue('snipw', good(), { lambda: -1 }), 'lambda', /≥ 0/);
  rejects(() => rv.estimatePolicyValue('snipw', good(), { lambda: NaN }), 'lambda', /≥ 0/);
  rejects(() => rv.estimatePolicyValue('dm', { ...good(), estimatedRewardsByRegModel: new Array(8).fill(0.5) }, { lambda: 1 }), 'lambda', /no lambda/);
  rejects(() => rv.summarizeOffPolicyEstimates(good(), ['ipw'], { groundTruth: NaN }), 'groundTruth', /finite/);
  rejects(() => rv.summarizeOffPolicyEstimates(good(), ['ipw'], { groundTruth: '0.5' }), 'groundTruth');
  for (const o of [s, e, lab, world]) o.free();
  stillWorks();
});

test('4. sizes past the memory limits are refused before anything is allocated', () => {
  // Before: each of these aborted the module ("RuntimeError: unreachable").
  rejects(() => new rv.World({ nUsers: 1e5, nItems: 5000 }), 'nUsers', /pairs.*GiB/);
  rejects(() => new rv.World({ nUsers: 1e5, nItems: 1000 }), 'nUsers', /about 45 s/);
  const world = new rv.World({ nUsers: 50, nItems: 100 });
  rejects(() => world.collect({ kind: 'uniform' }, { nRounds: 1e6, lenList: 100 }), 'nRounds', /GiB/);
  rejects(() => world.rankingValue({ kind: 'softmax', beta: 1 }, { lenList: 3, mcRounds: 1e8 }), 'options.mcRounds', /10000000/);
  const log = world.collect({ kind: 'uniform' }, { nRounds: 2e6, seed: 1 });
  rejects(() => log.actionDist({ kind: 'uniform' }), 'actionDist', /2000000 rows × 100 items/);
  log.free();
  const slate = { slateId: [0, 0], position: [0, 1], reward: [1, 0], pscoreItemPosition: [0.5, 0.5], evaluationPolicyPscoreItemPosition: [0.5, 0.5] };
  for (const name of ['sniips', 'snrips', 'iips']) rejects(() => rv.estimateSlatePolicyValue(name, { ...slate, lenList: 1e9, pscoreCascade: [0.5, 0.25], evaluationPolicyPscoreCascade: [0.5, 0.25] }), 'lenList', /at most the number of slots/);
  // the same as typed arrays (the streamed path, whose tables have lenList entries)
  const typed = Object.fromEntries(Object.entries({ ...slate, pscoreCascade: [0.5, 0.25], evaluationPolicyPscoreCascade: [0.5, 0.25] })
    .map(([k, v]) => [k, k === 'slateId' || k === 'position' ? Int32Array.from(v) : Float64Array.from(v)]));
  for (const name of ['sniips', 'snrips', 'iips', 'snsips']) rejects(() => rv.estimateSlatePolicyValue(name, { ...typed, pscore: new Float64Array([0.5, 0.5]), evaluationPolicyPscore: new Float64Array([0.5, 0.5]), lenList: 1e9 }), 'lenList', /at most the number of slots/);
  // one-slot slates with a long lenList: the general path's slates × positions table (10⁸ sums)
  // is refused before it is allocated, by every slate entry point
  const n = 10000;
  const oneSlot = { slateId: Int32Array.from({ length: n }, (_, i) => n - i), position: new Int32Array(n), reward: new Float64Array(n),
    pscoreItemPosition: new Float64Array(n).fill(0.5), evaluationPolicyPscoreItemPosition: new Float64Array(n).fill(0.5), lenList: n };
  rejects(() => rv.estimateSlatePolicyValue('sniips', oneSlot), 'lenList', /slates × 10000 positions.*GiB/);
  rejects(() => rv.estimateSlateRoundRewards('sniips', oneSlot), 'lenList', /GiB/);
  rejects(() => rv.estimateSlateInterval('sniips', oneSlot, undefined, { nBootstrapSamples: 10 }), 'lenList', /GiB/);
  assert.ok(Number.isFinite(rv.estimateSlatePolicyValue('iips', oneSlot)), 'IIPS keeps no such table');
  const header = 'timestamp,item_id,position,click,propensity_score\n';
  rejects(() => new rv.ObdLog(`${header}1,999999,1000,0,0.5\n`), 'csv', /GiB/);
  world.free();
  stillWorks();
});

test('5. a Bernstein range narrower than the data is refused (it gave lower > upper)', () => {
  rejects(() => rv.estimateInterval('dm', { ...good(), estimatedRewardsByRegModel: [0.1, 0.4, 0.1, 0.4, 0.1, 0.4, 0.1, 0.4] }, undefined, { method: 'bernstein', valueRange: [0, 0.1] }), 'valueRange', /does not contain/);
  rejects(() => rv.estimateInterval('ipw', good(), undefined, { method: 'bernstein', valueRange: [1, 0] }), 'valueRange', /lo < hi/);
  const iv = rv.estimateInterval('ipw', good(), undefined, { method: 'bernstein', valueRange: [0, 2] });
  assert.ok(iv.lower <= iv.estimate && iv.estimate <= iv.upper, JSON.stringify(iv));
});

test('6. subnormal propensities are refused; diagnostics stay finite for extreme weights', () => {
  // Before: IPW gave Infinity, SNIPW NaN, ESS NaN, with no warning.
  for (const name of ['ipw', 'snipw', 'dr']) {
    rejects(() => rv.estimatePolicyValue(name, { ...good(), estimatedRewardsByRegModel: new Array(8).fill(0.5), pscore: [0.5, 1e-320, 0.5, 0.5] }), 'pscore', /1e-320 at index 1.*subnormal/);
  }
  rejects(() => new rv.StreamingEstimator('ipw').addRound(1, 5e-324, 1), 'pscore');
  const input = { ...good(), pscore: [0.5, 3e-308, 0.5, 0.5], actionDist: [0.2, 0.8, 1, 0, 0.2, 0.8, 0.2, 0.8] };
  const d = rv.estimateDiagnostics('ipw', input);
  assert.ok(Number.isFinite(d.effectiveSampleSize) && d.effectiveSampleSize >= 1 && d.effectiveSampleSize < 1.01, `ESS ${d.effectiveSampleSize}`);
  assert.ok(Number.isFinite(d.maxWeight));
  const overflow = { ...input, reward: [1, 1e300, 1, 1] };
  rejects(() => rv.estimatePolicyValue('ipw', overflow), 'reward', /overflowed/);
});

test('7. an object freed while its own call converts an argument cannot break the module', () => {
  const world = new rv.World({ nUsers: 20, nItems: 5 });
  const lab = new rv.Lab(world, { logger: { kind: 'uniform' }, target: { kind: 'uniform' }, nRounds: 50, replicates: 3 });
  // Before: the glue read the pointer, then valueOf() freed the lab, then Wasm used it: a trap.
  rejects(() => lab.step({ valueOf() { lab.free(); return 1; } }), 'n', /a number, got an object/);
  // free() inside a getter of the call's own options: the call finishes, then the world is gone.
  const log = world.collect({ kind: 'uniform' }, { get nRounds() { world.free(); return 10; } });
  assert.equal(log.nRounds, 10);
  assert.throws(() => world.nUsers, /this World was freed/);
  log.free();
  stillWorks();
});

test('7. using a freed object is an error naming it, however often (it leaked Wasm stack)', () => {
  const world = new rv.World({ nUsers: 20, nItems: 5 });
  world.free();
  world.free(); // idempotent
  for (let i = 0; i < 30000; i++) {
    try { world.policyValue({ kind: 'uniform' }); } catch { /* expected */ }
  }
  stillWorks();
  assert.throws(() => world.policyValue({ kind: 'uniform' }), /this World was freed/);
  rejects(() => new rv.Lab(world, { logger: { kind: 'uniform' }, target: { kind: 'uniform' } }), 'world', /was freed/);
  rejects(() => new rv.Lab({}, {}), 'world', /expected a World/);
  const a = new rv.StreamingEstimator('ipw');
  const b = new rv.StreamingEstimator('ipw');
  b.free();
  rejects(() => a.merge(b), 'other', /was freed/);
});

// Validated estimator inputs of 4e6 rounds × 2 actions: 36 bytes a round, ~137 MiB each.
const BIG = `
  const n = 4e6;
  const input = { reward: new Float64Array(n), action: new Int32Array(n), pscore: new Float64Array(n).fill(0.5),
    actionDist: new Float64Array(2 * n).fill(0.5), nActions: 2 };
  // what a BanditData holds per round: reward 8, action 4, pscore 8, actionDist 16, and each
  // round's π_e of the logged action, 8
  const BYTES = n * 44;`;

test('8. a loop that never calls free() gets a clear error at the memory limit, not a dead module', () => {
  // In a child process: it fills receval's memory on purpose.
  const script = `
    const rv = await import(${JSON.stringify(new URL('../../pkg/receval.js', import.meta.url).href)});
    ${BIG}
    const kept = [];
    let error;
    try { for (let i = 0; i < 100; i++) kept.push(new rv.BanditData(input)); } catch (e) { error = e.message; }
    const made = kept.length;
    for (const d of kept.splice(0, 3)) d.free();
    const after = new rv.BanditData(input).estimatePolicyValue('ipw');
    console.log(JSON.stringify({ made, expected: Math.floor((3 * 2 ** 30) / BYTES), error, after }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(Math.abs(out.made - out.expected) <= 1, `made ${out.made} inputs of 168 MiB, expected ${out.expected} in 3 GiB`);
  assert.match(out.error, /receval already holds [23]\.\d GiB and may use at most 3\.0 GiB: call \.free\(\)/);
  assert.equal(out.after, 0, 'after freeing some, new ones can be made again');
});

test('8. objects the program drops are freed automatically once the garbage collector runs', () => {
  // Notebook-style code: no free(), but the references go away; every 5 objects the collector
  // runs (forced here) and the FinalizationRegistry releases their memory: 60 objects, three
  // times what fits at once.
  const script = `
    const rv = await import(${JSON.stringify(new URL('../../pkg/receval.js', import.meta.url).href)});
    ${BIG}
    let total = 0;
    for (let i = 0; i < 60; i++) {
      total += new rv.BanditData(input).nRounds;
      if (i % 5 === 4) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
    }
    console.log(total);`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 240000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(Number(r.stdout.trim()), 60 * 4e6);
});

// The defects below were found by the fuzz harness (tests/fuzz, `make fuzz`); each failed before
// its fix.
const wasmExports = rv.initSync(); // already initialized: returns the module's (guarded) exports
const stackPointer = () => wasmExports.__receval_stack_pointer.value;

test('9. a method called on another class, a forged object or a Proxy is refused in JS, naming it', () => {
  const world = new rv.World({ nUsers: 8, nItems: 4, seed: 0 });
  const log = world.collect({ kind: 'uniform' }, { nRounds: 20, seed: 0 });
  const sp = stackPointer();
  // Before: a Log's pointer reached World code ("unreachable"; then every call failed).
  rejects(() => rv.World.prototype.policyValue.call(log, { kind: 'uniform' }), 'this', /expected a World, got a Log/);
  rejects(() => Object.getOwnPropertyDescriptor(rv.World.prototype, 'nUsers').get.call(log), 'this', /expected a World/);
  // Before: a forged pointer was used as is.
  const forged = Object.create(rv.World.prototype, { __wbg_ptr: { value: 8 } });
  rejects(() => new rv.Lab(forged, {}), 'world', /not a receval World/);
  rejects(() => forged.policyValue({ kind: 'uniform' }), 'this', /not a receval World/);
  // Before: a Proxy's getPrototypeOf trap or a revoked Proxy threw an unnamed TypeError.
  const trap = new Proxy(world, { getPrototypeOf() { throw new Error('trap'); } });
  rejects(() => new rv.Lab(trap, {}), 'world', /not a receval World/);
  const revoked = Proxy.revocable(world, {});
  revoked.revoke();
  rejects(() => rv.World.prototype.policyValue.call(revoked.proxy, { kind: 'uniform' }), 'this', /expected a World/);
  // a genuine object whose __wbg_ptr a script overwrote still uses its own pointer
  const other = new rv.World({ nUsers: 8, nItems: 4, seed: 0 });
  const truth = other.policyValue({ kind: 'uniform' });
  other.__wbg_ptr = 8;
  assert.equal(other.policyValue({ kind: 'uniform' }), truth);
  assert.equal(stackPointer(), sp);
  stillWorks();
});

test('9. a busy object called again from a getter is an error, and the Wasm stack is restored', () => {
  const s = new rv.StreamingEstimator('ipw');
  const sp = stackPointer();
  // Before: merge(self) threw "recursive use of an object" through Wasm frames, leaking 144 bytes
  // of stack each time: after ~7,000 calls every call trapped.
  for (let i = 0; i < 20000; i++) assert.throws(() => s.merge(s), /`other`: expected another StreamingEstimator, got the object itself/);
  // a getter that calls the object whose method is reading it
  let inner = null;
  const input = { ...good(), get reward() { try { s.add(good()); } catch (e) { inner = e; } return [1, 0, 1, 1]; } };
  for (let i = 0; i < 5000; i++) s.add(input);
  assert.match(inner.message, /busy: a getter, callback or Proxy trap called it again/);
  assert.equal(stackPointer(), sp);
  assert.equal(s.nRounds, 4 * 5000);
  stillWorks();
});

test('10. an array is read once, by index: a replaced iterator or a getter cannot change what was checked', () => {
  const reward = [1, 0, 1, 1];
  reward[Symbol.iterator] = function* () { yield* [0, 0, 0, 0]; };
  assert.equal(rv.estimatePolicyValue('ipw', { ...good(), reward }), IPW);
  let reads = 0;
  const action = [1, 0, 1, 0];
  Object.defineProperty(action, 0, { get() { reads++; return reads === 1 ? 1 : '0'; } });
  assert.equal(rv.estimatePolicyValue('ipw', { ...good(), action }), IPW);
  assert.equal(reads, 1);
  // a subclass with its own iterator and species
  class Sneaky extends Array { static get [Symbol.species]() { return Object; } *[Symbol.iterator]() { yield 0; } }
  assert.equal(rv.estimatePolicyValue('ipw', { ...good(), reward: Sneaky.from([1, 0, 1, 1]) }), IPW);
});

test('10. a sparse array claiming 2²⁷ elements fails at its first hole at once, without growing memory', () => {
  const reward = [];
  reward.length = 2 ** 27;
  const before = wasmExports.memory.buffer.byteLength;
  const t0 = performance.now();
  rejects(() => rv.estimatePolicyValue('ipw', { ...good(), reward }), 'reward', /undefined at index 0/);
  const dense = [1];
  dense.length = 2 ** 27;
  rejects(() => rv.estimatePolicyValue('ipw', { ...good(), reward: dense }), 'reward', /undefined at index 1/);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`); // it took 20–40 s
  assert.equal(wasmExports.memory.buffer.byteLength, before);
});

test('10. a typed array whose prototype was swapped is read as what it is, on every path', () => {
  // A Float32Array dressed as a Float64Array (and an Int16Array as an Int32Array): the streamed
  // paths view the buffer directly, so they must read an array's kind from its internal slot;
  // before, they read the float32 bytes as doubles and gave another value than the whole-input path.
  const n = 7001, k = 4;
  const f32 = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 13) / 13);
  // over a buffer as large as the kind it pretends to be, so that a view of that kind fits
  const disguised = (a, Proto) => {
    const x = new a.constructor(new ArrayBuffer(Proto.BYTES_PER_ELEMENT * a.length), 0, a.length);
    x.set(a);
    return Object.setPrototypeOf(x, Proto.prototype);
  };
  const base = {
    action: Int32Array.from({ length: n }, (_, i) => i % k), pscore: new Float64Array(n).fill(1 / k),
    actionDist: new Float64Array(n * k).fill(1 / k), nActions: k,
  };
  const want = rv.estimatePolicyValue('ipw', { ...base, reward: Float64Array.from(f32) });
  assert.ok(Object.is(rv.estimatePolicyValue('ipw', { ...base, reward: disguised(f32, Float64Array) }), want));
  const actions16 = Int16Array.from(base.action);
  assert.ok(Object.is(rv.estimatePolicyValue('ipw', { ...base, reward: Float64Array.from(f32), action: disguised(actions16, Int32Array) }), want));
  const slate = { slateId: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 7)), position: Int32Array.from({ length: n }, (_, i) => i % 7),
    pscoreItemPosition: new Float64Array(n).fill(0.5), evaluationPolicyPscoreItemPosition: new Float64Array(n).fill(0.25), lenList: 7 };
  const wantSlate = rv.estimateSlatePolicyValue('iips', { ...slate, reward: Float64Array.from(f32) });
  assert.ok(Object.is(rv.estimateSlatePolicyValue('iips', { ...slate, reward: disguised(f32, Float64Array) }), wantSlate));
  assert.ok(Object.is(rv.estimateSlatePolicyValue('iips', { ...slate, reward: Float64Array.from(f32), position: disguised(Int16Array.from(slate.position), Int32Array) }), wantSlate));
});

test('11. `undefined` for an optional key is the same as leaving it out', () => {
  for (const name of ['dm', 'snipw', 'sndr', 'rm', 'ipw']) {
    const s = new rv.StreamingEstimator(name);
    s.addRound(1, 0.5, 0.8, 0.4, 0.5);
    s.addRound(0, 0.25, 0.1, 0.2, 0.3);
    const copy = rv.StreamingEstimator.fromState(s.state()); // state() has lambda: undefined
    assert.equal(copy.value, s.value, name);
  }
  const world = new rv.World({ nUsers: 8, nItems: 4, seed: 0 });
  const log = world.collect({ kind: 'uniform' }, { nRounds: 20, seed: 0 });
  assert.equal(log.subset({ market: undefined }).nRounds, 20);
  const lab = (extra) => new rv.Lab(world, { logger: { kind: 'uniform' }, target: { kind: 'uniform' }, nRounds: 50, replicates: 2, estimators: [{ estimatorName: 'ipw', ...extra }] });
  assert.deepEqual(lab({ lambda: undefined, component: undefined }).run(), lab({}).run());
});

test('11. a dr-os state that is NaN (λ = 0 on a round of weight 0, as in OBP) can be restored', () => {
  const s = new rv.StreamingEstimator('dr-os');
  s.addRound(1, 0.5, 0, 0.5, 0.5);
  assert.ok(Number.isNaN(s.value));
  assert.ok(Number.isNaN(rv.StreamingEstimator.fromState(s.state()).value));
});

test('12. errors name the argument the caller passed', () => {
  rejects(() => rv.summarizeOffPolicyEstimates(good(), ['ipw', 'snip']), 'estimators[1]', /unknown standard estimator "snip"/);
  rejects(() => rv.summarizeOffPolicyEstimates(good(), ['ipw', new Date()]), 'estimators[1]', /got a Date/);
  rejects(() => rv.summarizeOffPolicyEstimates(good(), [{ estimatorName: 'dm', lambda: 1 }]), 'estimators[0].lambda', /takes no lambda/);
  const world = new rv.World({ nUsers: 8, nItems: 4, seed: 0 });
  const log = world.collect({ kind: 'uniform' }, { nRounds: 20, seed: 0 });
  rejects(() => log.summarize({ kind: 'uniform' }, ['dr'], {}), 'options.rewardModel', /needs a reward model/);
  const mixture = { kind: 'mixture', components: [{ weight: 0.5, policy: { kind: 'uniform' } }, { weight: 0.5, policy: { kind: 'top-k', k: 5 } }] };
  rejects(() => new rv.Lab(world, { logger: { kind: 'uniform' }, target: mixture, nRounds: 10, replicates: 1, estimators: ['ipw'] }), 'scenario.target.components[1].policy.k', /k ≤ nItems \(4\)/);
  rejects(() => new rv.World({ nUsers: 4, '': 1 }), '[""]', /unknown key/);
  rejects(() => rv.estimateSlatePolicyValue('sips', { slateId: [0, 0], position: [0, 1], reward: [1, 0], lenList: 2, pscore: [0.5, 0.5], evaluationPolicyPscore: [0.5, 0.5], nRounds: 'abc' }), 'nRounds', /expected a number/);
  rejects(() => rv.estimateSlatePolicyValue('sips', { slateId: [0, 0], position: [0, 1], reward: [1, 0], lenList: 2, pscore: [0.5, 0.5], evaluationPolicyPscore: [0.5, 0.5], nRounds: 2 }), 'nRounds', /not `nRounds` × `lenList` \(2 × 2\)/);
  const strata = { ...good(), stratumIdx: [0, 1, 0, 1] };
  for (const lambda of [NaN, -5e-324]) {
    assert.throws(() => rv.estimateDiagnostics('multi_ipw', strata, { lambda }), /lambda/);
    assert.throws(() => rv.estimatePolicyValue('multi_ipw', strata, { lambda }), /lambda/);
  }
});

test('13. defaults fit small worlds; ties of −0 and +0 rank alike; lesson state integers are not truncated', () => {
  const small = new rv.World({ nUsers: 8, nItems: 3, nTopics: 2, seed: 0 });
  assert.equal(new rv.Elicitation(small).asked, 0); // options defaulted to 3 > 2 topics
  assert.equal(small.ratings({ mode: 'random' }).user.length, 8 * 3); // perUser defaulted to 5 > 3 items
  assert.equal(small.policyValue({ kind: 'top-k' }), small.policyValue({ kind: 'uniform' })); // k defaulted to 10
  const log = new rv.World({ seed: 0 }).collect({ kind: 'uniform' }, { nRounds: 500, seed: 0 });
  assert.deepEqual(log.rankingMetrics({ kind: 'softmax', beta: -0 }, { k: 1 }), log.rankingMetrics({ kind: 'softmax', beta: 0 }, { k: 1 }));
  rejects(() => rv.lessonDigest('biased-logs', { beta: 1, popBias: 1, tail: 0.5, skew: 1, rounds: 10.5, seed: 1 }), 'state.rounds', /integer/);
});

test('14. Cascade-DR accepts what log.slateInput gives for a deterministic target', () => {
  const world = new rv.World({ nUsers: 8, nItems: 4, seed: 0 });
  const log = world.collect({ kind: 'softmax', beta: 1 }, { nRounds: 50, lenList: 2, seed: 0 });
  const input = log.slateInput({ kind: 'greedy' });
  const dist = input.evaluationPolicyActionDist;
  for (let r = 0; r < dist.length / 4; r++) {
    const sum = dist.subarray(4 * r, 4 * r + 4).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `row ${r} sums to ${sum}`);
  }
  assert.ok(Number.isFinite(rv.estimateSlatePolicyValue('cascade-dr', input)));
});
