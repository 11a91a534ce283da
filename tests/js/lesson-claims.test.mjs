// The central claims of lessons whose logic lives in their task modules (www/js/tasks/), checked in
// node on the built package at the lesson's default story: exact values from the world, and the
// simulated A/B test judged against them by its own standard errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rv from '../../pkg/receval.js';
import { intent } from '../../www/js/tasks/intent.js';
import { feedback } from '../../www/js/tasks/feedback.js';

test('intent: judged by streams the A/B test picks A, while users like B more and the intent-aware reward picks B', async () => {
  // the lesson's defaults ("40% playlist sessions")
  const s = { share: 0.4, signal: 'stream', sessions: 10000, method: 'dwell', declared: 0.2, seed: 1 };
  let last;
  for await (const r of intent(rv, s, () => false)) last = r;
  const { exact } = last.main;
  const { ab } = last;
  const lift = (sig) => exact.B.mean[sig] - exact.A.mean[sig];
  assert.ok(lift('click') > 0, 'users like more of B’s tracks (the hidden truth)');
  assert.ok(lift('stream') < 0, 'but B’s tracks are streamed less (sampling sessions skip them)');
  assert.ok(lift('intentAware') > 0, 'the intent-aware reward sides with the truth');
  for (const sig of ['click', 'stream', 'intentAware']) {
    const est = ab.B[sig].mean - ab.A[sig].mean;
    const se = Math.hypot(ab.A[sig].se, ab.B[sig].se);
    assert.ok(Math.abs(est - lift(sig)) < 4 * se, `${sig}: A/B lift ${est} vs exact ${lift(sig)} ± ${se}`);
    assert.equal(ab.A[sig].n, s.sessions);
  }
  // the verdicts the lesson states, at its 95% level
  const verdict = (sig) => {
    const est = ab.B[sig].mean - ab.A[sig].mean;
    const se = Math.hypot(ab.A[sig].se, ab.B[sig].se);
    return est - 1.96 * se > 0 ? 'B' : est + 1.96 * se < 0 ? 'A' : 'tie';
  };
  assert.equal(verdict('stream'), 'A', 'streams declare the wrong winner');
  assert.equal(verdict('intentAware'), 'B', 'the intent-aware reward declares the right one');
  assert.equal(verdict('click'), 'B');
});

test('feedback: self-selected ratings rank the predictors wrongly; a random survey and SNIPS centre on the true errors', async () => {
  // the lesson's defaults ("Ratings users chose to give")
  const s = { mnar: 2, rate: 0.1, perUser: 20, choose: 2, survey: 2, proxy: 'engaged', sampling: 0.3, seed: 1 };
  let last;
  for await (const r of feedback(rv, s, () => false)) last = r;
  const { truth, estimates, replicates } = last.ratings;
  assert.ok(replicates >= 20);
  // standard error of a mean over the replicates, from its middle-95% range (≈ ±1.96 sd)
  const se = (e) => (e.hi - e.lo) / 3.92 / Math.sqrt(e.n);
  const worst = (xs) => xs.indexOf(Math.max(...xs));
  const W = 2; // the propensity-weighted average
  const naive = estimates.naive.map((e) => e.mean);
  assert.equal(worst(naive), W, 'the naive metric calls the propensity-weighted average the worst predictor');
  assert.ok(truth.filter((t) => t < truth[W]).length === 1, 'but it is the second best');
  assert.ok(Math.abs(naive[W] - truth[W]) > 4 * se(estimates.naive[W]), 'and the naive error is off by far more than its noise');
  for (const key of ['survey', 'snips']) {
    estimates[key].forEach((e, p) => assert.ok(Math.abs(e.mean - truth[p]) < 4 * se(e), `${key}, predictor ${p}: ${e.mean} vs ${truth[p]} ± ${se(e)}`));
  }
});
