// The site's own input handling, in node: a link's settings (www/js/state.js); the worker's task
// lookup is tested in Chromium (tests/e2e/site.test.mjs). A hostile or careless link must not slow
// the page down or fill it with its text. And the chart bundle holds what the pages call.
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

test('the chart bundle holds every Plot and d3 function the course calls, and nothing calls one it lacks', async () => {
  const { readFileSync, readdirSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const vm = await import('node:vm');
  const { PLOT, D3 } = await import('../../scripts/vendor-charts.mjs');
  const www = fileURLToPath(new URL('../../www/', import.meta.url));
  const widget = fileURLToPath(new URL('../../python/src/receval_widget/', import.meta.url));
  // every page and script of the site and of the notebook widget's frames (not the vendored
  // libraries, not the copies of pkg/ and of the site)
  const files = [];
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).forEach((e) => {
    if (e.isDirectory() && !['vendor', 'pkg', 'data', 'static', '__pycache__'].includes(e.name)) walk(join(dir, e.name));
    else if (e.isFile() && /\.(m?js|html)$/.test(e.name)) files.push(join(dir, e.name));
  });
  walk(www);
  walk(widget);
  const used = { plot: new Set(), d3: new Set() };
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    // P.x, P?.x, P['x'] and Plot().x (charts.js's accessor), on the names the course gives Plot
    for (const m of src.matchAll(/\b(?:P|Plot|globalThis\.Plot|Plot\(\))(?:\??\.([a-zA-Z]+)\b|\[['"]([a-zA-Z]+)['"]\])/g)) used.plot.add(m[1] ?? m[2]);
    for (const m of src.matchAll(/\b(?:d3|globalThis\.d3)\.([a-zA-Z]+)\b/g)) used.d3.add(m[1]);
    // the scan reads Plot as P: every chart callback must call it that
    for (const m of src.matchAll(/\bmake:\s*\(?\s*([A-Za-z_$][\w$]*)/g)) assert.equal(m[1], 'P', `${f}: a chart callback names Plot ${m[1]}, not P`);
    assert.ok(!/\{[^}]*\}\s*=\s*(?:P|Plot|globalThis\.Plot)\b/.test(src), `${f}: destructures Plot (the scan would not see what it takes)`);
  }
  assert.ok(used.plot.has('plot') && used.plot.has('ruleY') && used.plot.has('legend') && used.d3.has('transition'), 'the scan finds the calls');
  for (const name of used.plot) assert.ok(PLOT.includes(name), `P.${name} is used but not bundled: add it to PLOT in scripts/vendor-charts.mjs`);
  for (const name of used.d3) assert.ok(name in D3, `d3.${name} is used but not bundled: add it to D3 in scripts/vendor-charts.mjs`);
  // the built bundle defines them all (scripts/build.sh builds it)
  const bundle = join(www, 'vendor/charts.min.js');
  assert.ok(existsSync(bundle), 'run scripts/build.sh first');
  const context = vm.createContext({});
  vm.runInContext(readFileSync(bundle, 'utf8'), context);
  assert.deepEqual(Object.keys(context.Plot).sort(), [...PLOT].sort());
  assert.deepEqual(Object.keys(context.d3).sort(), Object.keys(D3).sort());
  for (const name of PLOT) assert.equal(typeof context.Plot[name], 'function', name);
  assert.ok(existsSync(`${bundle}.LICENSE.txt`) && readFileSync(`${bundle}.LICENSE.txt`, 'utf8').includes('@observablehq/plot'));
  // every page with charts (the lessons, the workbench and its notebook frame) loads the bundle,
  // and nothing loads the old, whole libraries
  const pages = files.filter((f) => f.endsWith('.html'));
  const charted = pages.filter((f) => /\/lessons\/[a-z-]+\.html$|evaluate\.html$|frame\/workbench\.html$/.test(f));
  assert.ok(charted.length >= 16, `${charted.length} pages with charts`);
  for (const f of charted) assert.ok(readFileSync(f, 'utf8').includes('vendor/charts.min.js"'), `${f} does not load the charts`);
  for (const f of files) assert.ok(!/d3\.min\.js|plot\.umd\.min\.js/.test(readFileSync(f, 'utf8')), `${f} loads the old libraries`);
});
