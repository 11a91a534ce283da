// The practitioners' package, `receval/estimators` (pkg/estimators/): the crate built without its
// course, a third of the course module (issue 16). It must be the same estimators as the course's
// package — same API, same numbers, same errors, the same guards — with nothing of the course in
// it, and it must be published: the package.json's `exports` and `files` name files that exist.
// (OBP parity runs on both packages: tests/js/obp_parity.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import * as course from '../../pkg/receval.js';
import * as est from '../../pkg/estimators/receval.js';

const pkgDir = new URL('../../pkg/', import.meta.url);
const input = () => ({
  reward: [1, 0, 1, 1, 0, 1],
  action: [1, 0, 1, 0, 2, 2],
  pscore: [0.5, 0.25, 0.5, 0.25, 0.25, 0.25],
  actionDist: Array.from({ length: 18 }, (_, i) => [0.2, 0.5, 0.3][i % 3]),
  estimatedRewardsByRegModel: Array.from({ length: 18 }, (_, i) => [0.3, 0.6, 0.4][i % 3]),
  nActions: 3,
});

test('receval/estimators has every estimator export of the course package and nothing of the course', () => {
  const mine = Object.keys(est).sort();
  const theirs = new Set(Object.keys(course));
  assert.deepEqual(mine.filter((k) => !theirs.has(k)), [], 'names the course package lacks');
  for (const k of ['estimatePolicyValue', 'estimateInterval', 'estimateSlatePolicyValue', 'BanditData',
    'StreamingEstimator', 'tuneLambda', 'estimateDiagnostics', 'summarizeOffPolicyEstimates', 'ObdLog',
    'fitTabularRewardModel', 'weightHistogram', 'version', 'seededDraws']) {
    assert.ok(mine.includes(k), `receval/estimators exports ${k}`);
  }
  for (const k of ['World', 'Lab', 'Log', 'LessonRun', 'lessonSlugs', 'causalEstimate']) {
    assert.ok(!mine.includes(k), `${k} belongs to the course only`);
  }
  assert.equal(est.version(), course.version());
  assert.deepEqual(est.seededDraws(7, 5), course.seededDraws(7, 5));
});

test('receval/estimators gives the course package\'s numbers bit for bit, and its errors', () => {
  const names = est.estimatorNames();
  assert.deepEqual(names, course.estimatorNames());
  for (const name of names.standard) {
    const params = /dr-os|switch/.test(name) ? { lambda: 2 } : undefined;
    let a, b;
    try { a = course.estimatePolicyValue(name, input(), params); } catch (e) { a = e.message; }
    try { b = est.estimatePolicyValue(name, input(), params); } catch (e) { b = e.message; }
    assert.ok(Object.is(a, b), `${name}: ${a} vs ${b}`);
  }
  const boot = { nBootstrapSamples: 200, randomState: 3 };
  assert.deepEqual(est.estimateInterval('snipw', input(), undefined, boot), course.estimateInterval('snipw', input(), undefined, boot));
  const data = new est.BanditData(input());
  assert.ok(Object.is(data.estimatePolicyValue('dr'), course.estimatePolicyValue('dr', input())));
  data.free();
  for (const bad of [{ ...input(), pscore: [0.5, 0, 0.5, 0.25, 0.25, 0.25] }, { ...input(), nActions: 'three' }, undefined]) {
    const messages = [course, est].map((m) => {
      try { m.estimatePolicyValue('ipw', bad); } catch (e) { assert.ok(e instanceof Error); return e.message; }
      return 'no error';
    });
    assert.notEqual(messages[0], 'no error');
    assert.equal(messages[1], messages[0]);
  }
});

test('receval/estimators has the same guards: a freed or forged object, or one of the other module, is a named error', () => {
  const data = new est.BanditData(input());
  data.free();
  data.free();
  for (let i = 0; i < 30000; i++) {
    try { data.estimatePolicyValue('ipw'); } catch { /* expected: and no Wasm stack may leak */ }
  }
  assert.throws(() => data.estimatePolicyValue('ipw'), /this BanditData was freed/);
  assert.throws(() => est.BanditData.prototype.estimatePolicyValue.call(Object.create(est.BanditData.prototype), 'ipw'), /BanditData/);
  const a = new est.StreamingEstimator('ipw');
  assert.throws(() => a.merge(new course.StreamingEstimator('ipw')), /`other`.*the other entry point/, 'an object of the other module is not one of this module');
  assert.equal(est.estimatePolicyValue('ipw', input()), course.estimatePolicyValue('ipw', input()));
});

test('receval/estimators is published: exports and files of package.json exist, and require() loads it', () => {
  const manifest = JSON.parse(readFileSync(new URL('package.json', pkgDir), 'utf8'));
  const sub = manifest.exports['./estimators'];
  assert.ok(sub, 'package.json exports ./estimators');
  for (const target of Object.values(sub)) assert.ok(existsSync(new URL(target, pkgDir)), `${target} exists`);
  for (const f of manifest.files) assert.ok(existsSync(new URL(f, pkgDir)), `files: ${f} exists`);
  const cjs = createRequire(import.meta.url)(new URL(sub.require, pkgDir).pathname);
  assert.ok(Object.is(cjs.estimatePolicyValue('sndr', input()), course.estimatePolicyValue('sndr', input())));
  assert.equal(cjs.World, undefined);
  // a third of the course module or less (the figure against issue 16's target is in bench/size.mjs)
  const size = (f) => readFileSync(new URL(f, pkgDir)).length;
  assert.ok(size('estimators/receval_bg.wasm') < size('receval_bg.wasm') / 2,
    `estimators ${size('estimators/receval_bg.wasm')} bytes vs course ${size('receval_bg.wasm')}`);
});
