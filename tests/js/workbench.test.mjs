// The workbench's report (www/js/workbench/) in node: its numbers are the estimator API's on the
// same data, its "π_e of the logged action" encoding gives the same IPS/SNIPS as the full π_e, the
// OBD sample's IPS is the real-logs lesson's, and the cross-fitted reward model never scores a round
// with its own reward. Needs scripts/build.sh (pkg/ and www/vendor/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as rv from '../../pkg/receval.js';
import { inspect, read } from '../../www/js/workbench/read.js';
import { buildReport, TUNED } from '../../www/js/workbench/report.js';
import { ColumnBuilder, guessMapping } from '../../www/js/workbench/columns.js';

const sample = (f) => readFileSync(new URL(`../../www/data/workbench/${f}`, import.meta.url), 'utf8');

/** The sample's columns, parsed here without the workbench (split on commas). */
function plainParse(text) {
  const lines = text.trim().split('\n');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return { header, rows };
}

async function reportOf(name, text, change = {}) {
  const source = { name, text };
  const info = await inspect(source);
  const mapping = { ...info.mapping, ...change };
  const cols = await read(rv, source, info, mapping);
  return { cols, report: buildReport(rv, cols, { name }) };
}

const close = (a, b, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('world sample: every estimate and interval equals the estimator API on the same columns', async () => {
  const text = sample('world-softmax.csv');
  const { report } = await reportOf('world-softmax.csv', text);
  const { header, rows } = plainParse(text);
  const k = header.filter((h) => h.startsWith('pi_e_')).length;
  assert.equal(k, 10);
  const n = rows.length;
  const input = {
    reward: rows.map((r) => r[0]),
    action: rows.map((r) => r[1]),
    pscore: rows.map((r) => r[2]),
    actionDist: rows.flatMap((r) => r.slice(3, 3 + k)),
    nActions: k,
  };
  input.estimatedRewardsByRegModel = rv.fitTabularRewardModel({ action: input.action, reward: input.reward, nActions: k, nFolds: 5, foldSeed: 0 });
  const names = report.rows.map((r) => r.estimator);
  for (const e of ['dm', 'ipw', 'snipw', 'dr', 'sndr', 'switch-dr', 'dr-os', 'sg-ipw', 'sg-dr']) assert.ok(names.includes(e), `${e} is in the report`);
  assert.ok(!names.includes('rm') && report.notes.some((x) => /Replay is left out/.test(x)), 'replay needs a deterministic target');
  for (const row of report.rows) {
    const params = row.lambda === null ? undefined : { lambda: row.lambda };
    const v = rv.estimatePolicyValue(row.estimator, input, params);
    assert.ok(close(row.estimate, v), `${row.estimator}: report ${row.estimate}, API ${v}`);
    const iv = rv.estimateInterval(row.estimator, input, params, { method: 'normal', alpha: 0.05 });
    assert.ok(close(row.lower, iv.lower) && close(row.upper, iv.upper), `${row.estimator} interval`);
    if (row.tuned) {
      const t = rv.tuneLambda(row.estimator, input, { lambdas: TUNED[row.estimator] });
      assert.equal(row.lambda, t.bestLambda, `${row.estimator}: λ chosen by SLOPE as tuneLambda chooses it`);
    }
  }
  const d = rv.estimateDiagnostics('ipw', input);
  assert.ok(close(report.diagnostics.effectiveSampleSize, d.effectiveSampleSize));
  assert.ok(close(report.diagnostics.maxWeight, d.maxWeight));
  // the histogram counts every round once
  assert.equal(report.histogram.zero + report.histogram.counts.reduce((a, b) => a + b, 0), n);
  // the logged mean is the mean reward
  const mean = input.reward.reduce((a, b) => a + b, 0) / n;
  assert.ok(close(report.naive.estimate, mean));
  assert.ok(report.recommendation.estimator, 'a recommendation on a healthy log');
});

test('π_e of the logged action only: IPS, SNIPS and replay equal the full-π_e values (a greedy target)', async () => {
  // the world sample with the greedy version of its target (probability 1 on its most likely action)
  const lines = sample('world-softmax.csv').trim().split('\n');
  const text = [lines[0], ...lines.slice(1).map((l) => {
    const c = l.split(',');
    const p = c.slice(3).map(Number);
    const best = p.indexOf(Math.max(...p));
    return [...c.slice(0, 3), ...p.map((_, j) => (j === best ? 1 : 0))].join(',');
  })].join('\n');
  const full = (await reportOf('w.csv', text)).report;
  // the same log with one column pi_e (the logged action's probability)
  const { header, rows } = plainParse(text);
  const k = 10;
  const logged = ['reward,action,pscore,pi_e', ...rows.map((r) => `${r[0]},${r[1]},${r[2]},${r[3 + r[1]]}`)].join('\n');
  const { report } = await reportOf('logged.csv', logged);
  assert.equal(report.mode, 'logged');
  assert.deepEqual(report.rows.map((r) => r.estimator), ['ipw', 'snipw', 'rm']);
  assert.equal(header.length, 3 + k);
  for (const e of ['ipw', 'snipw', 'rm']) {
    const a = report.rows.find((r) => r.estimator === e);
    const b = full.rows.find((r) => r.estimator === e);
    assert.ok(close(a.estimate, b.estimate, 1e-9), `${e}: ${a.estimate} vs ${b.estimate}`);
    assert.ok(close(a.lower, b.lower, 1e-9) && close(a.upper, b.upper, 1e-9), `${e} interval`);
  }
  assert.ok(close(report.diagnostics.effectiveSampleSize, full.diagnostics.effectiveSampleSize, 1e-9));
});

test('OBD sample: IPS and SNIPS equal the real-logs lesson’s computation (ObdLog.estimate with the BTS distribution)', async () => {
  const { report, cols } = await reportOf('obd-random-bts.csv', sample('obd-random-bts.csv'));
  const obd = (f) => new rv.ObdLog(readFileSync(new URL(`../../www/data/obd/${f}`, import.meta.url), 'utf8'));
  const random = obd('random_all.csv');
  const dist = obd('bts_all.csv').empiricalActionDist();
  assert.equal(cols.n, random.nRounds);
  assert.equal(report.nPositions, random.lenList, 'positions 1–3 became slots 0–2');
  for (const e of ['ipw', 'snipw']) {
    const want = random.estimate(e, dist);
    const got = report.rows.find((r) => r.estimator === e);
    // the sample stores π_e with 10 significant digits
    assert.ok(close(got.estimate, want.estimate, 1e-8), `${e}: ${got.estimate} vs ${want.estimate}`);
  }
});

test('the cross-fitted reward model never scores a round with its own reward', () => {
  const action = [0, 0, 0, 1, 1, 1, 0, 1];
  const reward = [1, 0, 1, 0, 0, 1, 1, 0];
  const spec = { action, nActions: 2, nFolds: 4, foldSeed: 3 };
  const q = rv.fitTabularRewardModel({ ...spec, reward });
  for (let i = 0; i < action.length; i++) {
    const flipped = reward.slice();
    flipped[i] = 1 - flipped[i];
    const q2 = rv.fitTabularRewardModel({ ...spec, reward: flipped });
    assert.equal(q2[i * 2 + action[i]], q[i * 2 + action[i]], `round ${i}'s prediction does not move with its own reward`);
  }
  assert.throws(() => rv.fitTabularRewardModel({ ...spec, reward, nFolds: 0 }), /nFolds/);
  assert.throws(() => rv.fitTabularRewardModel({ ...spec, reward: [1] }), /reward/);
  assert.throws(() => rv.fitTabularRewardModel({ ...spec, reward, bogus: 1 }), /bogus/);
  assert.throws(() => rv.weightHistogram([0.5], [0]), /pscore/);
});

test('bad rows are refused with the row and the column', () => {
  const header = ['reward', 'action', 'pscore', 'pi_e_0', 'pi_e_1'];
  const m = guessMapping(header);
  const b = () => new ColumnBuilder(header, m);
  const cases = [
    [['x', '0', '0.5', '0.5', '0.5'], /Line 2, column "reward": expected a number.*"x"/],
    [['1', '2', '0.5', '0.5', '0.5'], /Line 2, column "action": action 2 is out of range/],
    [['1', '0', '0', '0.5', '0.5'], /Line 2, column "pscore": .*\(0, 1\], got 0/],
    [['1', '0', '1.5', '0.5', '0.5'], /Line 2, column "pscore": .*got 1\.5/],
    [['1', '0', '0.5', '0.5', '0.4'], /Line 2: .*sum to 0\.9, not 1/],
    [['1', '0', '0.5', '0.5'], /Line 2: expected 5 fields like the header, got 4/],
  ];
  for (const [row, re] of cases) assert.throws(() => b().add(row), re);
});
