// Where the Wasm module's bytes go (issue 16): code bytes per module of the crate and per
// dependency, and the largest functions, read from the code and name sections of the release
// build *before* wasm-bindgen and wasm-opt strip the names.
//
//   scripts/build.sh            (or: cargo build --release --lib --target wasm32-unknown-unknown)
//   node scripts/wasm-sizes.mjs [target/pkg-build/wasm32-unknown-unknown/release/receval.wasm] [--top N] [--match REGEX]
//
// Sizes are before wasm-opt (which shrinks the whole module by about half), so compare groups with
// each other, not with the shipped file. --match REGEX sums the functions whose demangled name matches
// (e.g. --match 'slice::sort' for the copies of the sorting code).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const top = Number(opt('--top', 25));
const match = opt('--match', null);
const file = args[0] ?? new URL('../target/pkg-build/wasm32-unknown-unknown/release/receval.wasm', import.meta.url).pathname;
const buf = readFileSync(file);

let p = 8; // after the magic number and version
const uleb = () => {
  let r = 0, shift = 0, b;
  do { b = buf[p++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return r;
};
const skipLimits = () => { const flags = uleb(); uleb(); if (flags & 1) uleb(); };
let importedFunctions = 0;
const bodies = [];
const names = new Map();
while (p < buf.length) {
  const id = buf[p++];
  const len = uleb();
  const end = p + len;
  if (id === 2) { // imports: count the imported functions (they come first in the index space)
    for (let n = uleb(); n > 0; n--) {
      for (let k = 0; k < 2; k++) { const l = uleb(); p += l; } // module, field (read the length before moving p)
      const kind = buf[p++];
      if (kind === 0) { uleb(); importedFunctions++; } else if (kind === 1) { p++; skipLimits(); } else if (kind === 2) skipLimits(); else if (kind === 3) p += 2;
    }
  } else if (id === 10) { // code
    for (let n = uleb(); n > 0; n--) { const size = uleb(); bodies.push(size); p += size; }
  } else if (id === 0) { // custom: the "name" section's function names
    const nameLen = uleb();
    if (buf.toString('utf8', p, p + nameLen) === 'name') {
      p += nameLen;
      while (p < end) {
        const sub = buf[p++]; const subLen = uleb(); const subEnd = p + subLen;
        if (sub === 1) for (let n = uleb(); n > 0; n--) { const idx = uleb(); const l = uleb(); names.set(idx, buf.toString('utf8', p, p + l)); p += l; }
        p = subEnd;
      }
    }
  }
  p = end;
}
if (!names.size) throw new Error(`${file} has no name section: use the build before wasm-bindgen`);

// Legacy Rust mangling (_ZN 3foo 3bar 17h<hash> E) to foo::bar; v0 names (_R...) stay as they are.
const demangle = (n) => {
  if (!n.startsWith('_ZN')) return n;
  const parts = [];
  let s = n.slice(3);
  for (let m; (m = s.match(/^(\d+)/)); ) { const l = Number(m[1]); parts.push(s.slice(m[1].length, m[1].length + l)); s = s.slice(m[1].length + l); }
  return parts.filter((x) => !/^h[0-9a-f]{16}$/.test(x)).join('::')
    .replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ').replace(/\$RF\$/g, '&').replace(/\$C\$/g, ',').replace(/\.\./g, '::');
};
const rows = bodies.map((size, i) => ({ size, name: demangle(names.get(i + importedFunctions) ?? `function ${i}`) }));
const total = rows.reduce((a, r) => a + r.size, 0);
// The crate's modules (two levels for lessons, estimators, world, wasm), else the first path segment.
const group = (n) => {
  const m = n.match(/receval::([a-z_]+)(?:::([a-z_]+))?/);
  if (m) return `receval::${m[1]}${['lessons', 'estimators', 'world', 'wasm'].includes(m[1]) && m[2] ? `::${m[2]}` : ''}`;
  const g = n.match(/^<?([A-Za-z_][A-Za-z0-9_]*)(?:::([A-Za-z_][A-Za-z0-9_]*))?/);
  return g ? `${g[1]}${g[2] ? `::${g[2]}` : ''}` : 'other';
};
const groups = new Map();
for (const r of rows) groups.set(group(r.name), (groups.get(group(r.name)) ?? 0) + r.size);
const kb = (x) => `${(x / 1024).toFixed(1).padStart(8)} KiB`;
console.log(`${file}: ${rows.length} functions, ${kb(total).trim()} of code (before wasm-opt)\n`);
const areas = new Map();
for (const [g, size] of groups) {
  const m = g.match(/^receval::(lessons|estimators|world|wasm)/);
  const a = m ? { lessons: 'lesson scenarios', estimators: 'estimators', world: 'simulated world', wasm: 'JS bindings' }[m[1]] : g.startsWith('receval::') ? 'rest of the crate' : 'std, dependencies and generic code';
  areas.set(a, (areas.get(a) ?? 0) + size);
}
console.log('by area:');
for (const [a, size] of [...areas].sort((x, y) => y[1] - x[1])) console.log(`${kb(size)}  ${(100 * size / total).toFixed(1).padStart(5)}%  ${a}`);
console.log('\nby module:');
for (const [g, s] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${kb(s)}  ${(100 * s / total).toFixed(1).padStart(5)}%  ${g}`);
console.log('\nlargest functions:');
for (const r of [...rows].sort((a, b) => b.size - a.size).slice(0, top)) console.log(`${kb(r.size)}  ${r.name.slice(0, 140)}`);
if (match) {
  const re = new RegExp(match);
  const sel = rows.filter((r) => re.test(r.name));
  console.log(`\n/${match}/: ${sel.length} functions, ${kb(sel.reduce((a, r) => a + r.size, 0)).trim()}`);
}
