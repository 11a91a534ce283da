// The short fuzz run: a few thousand cases of the JS API fuzz harness (tests/fuzz/run.mjs) with a
// fixed seed, one test per failure kind. Run it with `node --test tests/fuzz/` (about a minute on
// two cores); `make fuzz` runs the long one. FUZZ_SHORT_CASES / FUZZ_SHORT_SEED override the size
// and the seed. Every failure is listed with a one-line reproducer
// (`node tests/fuzz/run.mjs --seed S --case I`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz, reproducer, report } from './run.mjs';

const CASES = Number(process.env.FUZZ_SHORT_CASES ?? 3000);
const SEED = Number(process.env.FUZZ_SHORT_SEED ?? 20261202);
const s = await runFuzz({ cases: CASES, seed: SEED, workers: 2, timeout: 5000 });
const v = s.byVerdict;
const rejectedOrInvalid = v.invalid.cases + v.either.cases;
console.log(report(s, { seed: SEED, workers: 2, show: 3 }).split('\nfailures (')[0]);

function none(kind, title) {
  test(title, () => {
    const fs = s.failures.filter((f) => f.failure === kind);
    assert.equal(fs.length, 0, `${fs.length} case(s) of ${s.cases} failed with "${kind}":\n${fs.slice(0, 25).map(reproducer).join('\n')}${fs.length > 25 ? `\n… and ${fs.length - 25} more` : ''}`);
  });
}

test(`the harness ran ${CASES} cases (seed ${SEED}) in ${s.seconds.toFixed(0)} s`, () => {
  assert.equal(s.cases, CASES);
});
none('trap', `no traps in ${s.cases} cases (no Wasm abort, no "recursive use of an object")`);
none('lasting breakage', `no lasting breakage in ${s.cases} cases (no leaked Wasm stack; the module computes after every case)`);
none('unnamed rejection', `every rejection names its argument (${v.invalid.rejected + v.either.rejected} named rejections of ${rejectedOrInvalid} invalid/either mutations)`);
none('silent coercion', `no silent coercion (all ${v.invalid.cases} invalid mutations rejected)`);
none('wrong equivalence', `equivalent inputs give the same result (${v.equivalent.cases} equivalent, ${v.valid.cases} valid mutations)`);
none('timeout', `no case runs longer than 5 s (${s.cases} cases)`);
none('harness error', 'no harness errors (every unmutated call is valid)');
