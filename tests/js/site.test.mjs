// The site's own input handling, in node: a link's settings (www/js/state.js); the worker's
// task lookup is tested in Chromium (tests/e2e/site.test.mjs). A hostile or careless link must
// not slow the page down or fill it with its text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineControls, parseHash, MAX_HASH_LENGTH } from '../../www/js/state.js';

const registry = defineControls([
  { key: 'beta', type: 'number', label: 'β', min: 0, max: 5, step: 0.25, default: 1 },
  { key: 'seed', type: 'int', label: 'Seed', min: 0, max: 9999, default: 1 },
]);

test('a link whose settings are megabytes long is refused in one short notice (it took 6 s and echoed 2 MB)', () => {
  const huge = `#v=1&beta=${'9'.repeat(2_000_000)}`;
  const r = parseHash(huge, registry);
  assert.deepEqual(r.state, { beta: 1, seed: 1 });
  assert.equal(r.problems.length, 1);
  assert.ok(r.problems[0].length < 200, r.problems[0]);
  assert.match(r.problems[0], new RegExp(`more than the ${MAX_HASH_LENGTH.toLocaleString('en')}`));
});

test('bad values in a link are quoted briefly in the notice', () => {
  const r = parseHash(`#beta=${'x'.repeat(3000)}&${'k'.repeat(500)}=1`, registry);
  assert.equal(r.problems.length, 2);
  for (const p of r.problems) assert.ok(p.length < 150, p);
  assert.equal(r.state.beta, 1);
});
