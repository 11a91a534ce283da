// Turn wasm-pack's output in pkg/ into the published package:
//  1. pkg/receval.js becomes an auto-initializing entry point. wasm-bindgen's web glue moves to
//     receval_glue.js; the entry re-exports it and initializes the module once, with top-level
//     await: from the file system in Node, by fetch() elsewhere. `import { … } from "receval"`
//     then works everywhere with no init call (calling init()/initSync() anyway is harmless).
//  2. package.json gets the fields wasm-pack does not generate (pkg-config/package.json).
//  3. The package README and licenses are copied in; node/ gets a package.json marking it CommonJS.
import { readFileSync, writeFileSync, renameSync, copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `node pkg-config/merge.mjs estimators` merges the estimators package in pkg/estimators/ (steps 1
// and 3's CommonJS marker; it is published inside the main package as `receval/estimators`).
const sub = process.argv[2];
if (sub !== undefined && sub !== 'estimators') throw new Error(`unknown sub-package ${sub}: expected "estimators"`);
const pkg = sub ? join(root, 'pkg', sub) : join(root, 'pkg');
const dir = sub ? `pkg/${sub}/` : 'pkg/';
const p = (f) => join(pkg, f);

// Refuse to run twice on the same output (that would rename our entry point over the glue).
if (readFileSync(p('receval.js'), 'utf8').includes("from './receval_glue.js'")) {
  console.error(`${dir} is already merged: rebuild it with scripts/build.sh (which writes a fresh ${dir}receval.js)`);
  process.exit(1);
}
renameSync(p('receval.js'), p('receval_glue.js'));

// What a page can do to the generated glue, and what the rewrites below make of it.
//  * Use an object after free(), call a method on another class's object
//    (`World.prototype.policyValue.call(log)`), forge one (`Object.create(World.prototype)` with a
//    `__wbg_ptr`), pass a Proxy or a revoked Proxy: wasm-bindgen's glue trusts `this.__wbg_ptr`
//    and `instanceof`, so a wrong or stale pointer reaches Wasm, where it reads another object's
//    memory or traps, and every later call fails. Here every genuine object is recorded, with its
//    class and pointer, in a WeakMap when the glue creates it, and removed when it is freed; a
//    call looks its receiver and object arguments up there (no property read, no `instanceof`,
//    so no script code runs) and refuses anything else with an error that names the argument.
//  * free() becomes idempotent and safe while a call is still using the object (the Rust value is
//    then released when that call returns).
//  * An exception that unwinds through Wasm frames (wasm-bindgen's "recursive use of an object"
//    when a getter calls back into a busy object) skips their epilogues and leaks shadow-stack
//    space; a few thousand such leaks and every call traps. The module's stack pointer (global 0
//    of Rust's wasm32 target) is exported, and every export is wrapped to restore it when a call
//    throws. The message of that error is rewritten to say what happened.
// Each rewrite must apply: a different wasm-bindgen output fails here rather than going unguarded.
function guardObjects(file) {
  let src = readFileSync(file, 'utf8');
  const rewrite = (text, pattern, replacement, what) => {
    const n = (text.match(pattern) || []).length;
    if (n === 0) throw new Error(`${file}: no ${what} to rewrite; has wasm-bindgen's output changed?`);
    return [text.replace(pattern, replacement), n];
  };
  const counts = { classes: 0, methods: 0, args: 0 };
  // class by class (ES module: `export class X {`; CommonJS: `class X {`), up to the closing brace
  src = src.replace(/^(?:export )?class (\w+) \{\n[\s\S]*?\n\}\n/gm, (chunk, klass) => {
    counts.classes++;
    let n;
    [chunk, n] = rewrite(chunk, /const ptr = this\.__wbg_ptr;\n(\s*)this\.__wbg_ptr = 0;/,
      `const ptr = __recevalRelease(this, ${klass});`, `${klass}.__destroy_into_raw`);
    [chunk] = rewrite(chunk, /(wasm\.__wbg_\w+_free)\(ptr, 0\);/, 'if (ptr !== 0) $1(ptr, 1);', `${klass}.free`);
    [chunk] = rewrite(chunk, /(\w+)\.__wbg_ptr = (ret\[0\]|ptr);\n(\s*)(\w+Finalization\.register\(\1, \1\.__wbg_ptr, \1\);)/g,
      `$1.__wbg_ptr = $2;\n$3$4\n$3__recevalOwn($1, ${klass});`, `${klass} registration`);
    if (/wasm\.\w+\(this\.__wbg_ptr/.test(chunk)) {
      [chunk, n] = rewrite(chunk, /wasm\.(\w+)\(this\.__wbg_ptr/g, `wasm.$1(__recevalPtr(this, ${klass})`, 'method calls');
      counts.methods += n;
    }
    // object arguments: `_assertClass(x, K);` then `x.__wbg_ptr` in the call
    chunk = chunk.replace(/_assertClass\((\w+), (\w+)\);\n\s*([^\n]*?)\b\1\.__wbg_ptr/g, (m, arg, k, before) => {
      counts.args++;
      return `${before}__recevalPtr(${arg}, ${k}, '${arg}', this)`;
    });
    if (/_assertClass\(|\w\.__wbg_ptr(?! = )/.test(chunk.replace(/(\w+)\.__wbg_ptr = (ret\[0\]|ptr);\n\s*\w+Finalization\.register\(\1, \1\.__wbg_ptr, \1\);/g, ''))) {
      throw new Error(`${file}: class ${klass} still reads a pointer without the guard; has wasm-bindgen's output changed?`);
    }
    return chunk;
  });
  if (counts.classes === 0) throw new Error(`${file}: no classes found; has wasm-bindgen's output changed?`);
  [src] = rewrite(src, /^(\s*)(let )?wasm = (\w+)\.exports;$/m, '$1$2wasm = __recevalGuardExports($3.exports);', 'exports assignment');
  src += `
// --- receval's guards (pkg-config/merge.mjs) ---
const __recevalLive = new WeakMap(); // object → [class, pointer], for objects the glue created
const __recevalFreed = new WeakSet();
function __recevalOwn(obj, klass) {
    __recevalLive.set(obj, [klass, obj.__wbg_ptr]);
}
function __recevalRelease(obj, klass) {
    const rec = (typeof obj === 'object' && obj !== null) ? __recevalLive.get(obj) : undefined;
    if (rec === undefined || rec[0] !== klass) return 0;
    __recevalLive.delete(obj);
    __recevalFreed.add(obj);
    obj.__wbg_ptr = 0;
    return rec[1];
}
function __recevalA(name) {
    return /^[AEIOU]/.test(name) ? \`an \${name}\` : \`a \${name}\`;
}
function __recevalDescribe(v, klass) {
    if (v === null) return 'null';
    if (typeof v !== 'object' && typeof v !== 'function') return typeof v;
    const rec = __recevalLive.get(v);
    return rec ? __recevalA(rec[0].name) : \`an object that is not a receval \${klass.name} of this module (a copy, a Proxy, one made by the other entry point — receval and receval/estimators are separate modules — or not made by receval)\`;
}
function __recevalPtr(obj, klass, name, self) {
    const rec = (typeof obj === 'object' && obj !== null) ? __recevalLive.get(obj) : undefined;
    const what = \`\\\`\${name ?? 'this'}\\\`: \`;
    if (rec === undefined && __recevalFreed.has(obj)) {
        throw new Error(\`\${what}this \${klass.name} was freed (free() was called on it); create a new one\`);
    }
    if (rec === undefined || rec[0] !== klass) {
        throw new Error(\`\${what}expected \${__recevalA(klass.name)}, got \${__recevalDescribe(obj, klass)}\`);
    }
    if (name && obj === self) {
        throw new Error(\`\${what}expected another \${klass.name}, got the object itself\`);
    }
    return rec[1];
}
function __recevalGuardExports(exports) {
    const sp = exports.__receval_stack_pointer;
    if (!(sp instanceof WebAssembly.Global)) {
        throw new Error('receval: the Wasm module does not export its stack pointer; rebuild it with scripts/build.sh');
    }
    const out = {};
    for (const [key, f] of Object.entries(exports)) {
        if (typeof f !== 'function') {
            out[key] = f;
            continue;
        }
        out[key] = function (...args) {
            const saved = sp.value;
            try {
                return f(...args);
            } catch (e) {
                sp.value = saved;
                if (e instanceof Error && /^recursive use of an object detected/.test(e.message)) {
                    throw new Error('this receval object is busy: a getter, callback or Proxy trap called it again while one of its methods was still running; call it after that method returns');
                }
                throw e;
            }
        };
    }
    return out;
}
`;
  writeFileSync(file, src);
  return counts;
}

// The Wasm module with its global 0, the shadow-stack pointer of Rust's wasm32 target, exported
// as __receval_stack_pointer (for __recevalGuardExports above). Fails unless global 0 is a
// mutable i32 defined in the module, as LLD lays it out.
function exportStackPointer(file) {
  const u8 = new Uint8Array(readFileSync(file));
  if (u8[0] !== 0 || u8[1] !== 0x61 || u8[2] !== 0x73 || u8[3] !== 0x6d) throw new Error(`${file}: not a Wasm module`);
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let b;
    do {
      b = u8[p++];
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return r;
  };
  const enc = (n) => {
    const out = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  let importedGlobals = 0;
  let global0 = null;
  let exportSec = null;
  while (p < u8.length) {
    const id = u8[p++];
    const size = leb();
    const start = p;
    if (id === 2) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        for (let s = 0; s < 2; s++) {
          const len = leb(); // module name, then field name
          p += len;
        }
        const kind = u8[p++];
        if (kind === 0) leb();
        else if (kind === 1) { p++; const f = u8[p++]; leb(); if (f & 1) leb(); }
        else if (kind === 2) { const f = u8[p++]; leb(); if (f & 1) leb(); }
        else if (kind === 3) { importedGlobals++; p += 2; }
        else if (kind === 4) { p++; leb(); }
        else throw new Error(`${file}: import kind ${kind}`);
      }
    } else if (id === 6 && global0 === null) {
      leb();
      global0 = { type: u8[p], mutable: u8[p + 1] };
    } else if (id === 7) {
      exportSec = { start: start - 1 - enc(size).length, bodyStart: start, end: start + size };
    }
    p = start + size;
  }
  if (importedGlobals || !global0 || global0.type !== 0x7f || global0.mutable !== 1 || !exportSec) {
    throw new Error(`${file}: global 0 is not a mutable i32 defined in the module; cannot export the stack pointer`);
  }
  p = exportSec.bodyStart;
  const count = leb();
  const rest = u8.subarray(p, exportSec.end);
  const nameBytes = new TextEncoder().encode('__receval_stack_pointer');
  const entry = [...enc(nameBytes.length), ...nameBytes, 0x03, 0x00];
  const body = [...enc(count + 1), ...rest, ...entry];
  const section = [0x07, ...enc(body.length), ...body];
  const out = new Uint8Array(u8.length - (exportSec.end - exportSec.start) + section.length);
  out.set(u8.subarray(0, exportSec.start), 0);
  out.set(section, exportSec.start);
  out.set(u8.subarray(exportSec.end), exportSec.start + section.length);
  writeFileSync(file, out);
}
renameSync(p('receval.d.ts'), p('receval_glue.d.ts'));

for (const f of ['receval_glue.js', 'node/receval.js']) guardObjects(p(f));
for (const f of ['receval_bg.wasm', 'node/receval_bg.wasm']) if (existsSync(p(f))) exportStackPointer(p(f));

writeFileSync(p('receval.js'), `// receval${sub ? `/${sub}` : ''}: auto-initializing entry point for browsers, Web Workers and Node (ES module).
// The bindings live in receval_glue.js (generated by wasm-bindgen); this file loads the Wasm once.
import init, { initSync } from './receval_glue.js';
export * from './receval_glue.js';
export { init as default, initSync };

const inNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null
  && typeof window === 'undefined' && typeof self === 'undefined';
if (inNode) {
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs');
  initSync({ module: fs.readFileSync(new URL('./receval_bg.wasm', import.meta.url)) });
} else {
  await init({ module_or_path: new URL('./receval_bg.wasm', import.meta.url) });
}
`);
writeFileSync(p('receval.d.ts'), `export * from './receval_glue.js';
export { default, initSync } from './receval_glue.js';
`);

writeFileSync(p('node/package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
if (sub) {
  console.log(`    ${dir}: receval/${sub} (entry receval.js, CommonJS node/receval.js)`);
  process.exit(0);
}

const generated = JSON.parse(readFileSync(p('package.json'), 'utf8'));
const config = JSON.parse(readFileSync(join(root, 'pkg-config', 'package.json'), 'utf8'));
const merged = { name: generated.name, version: generated.version, ...config };
if (generated.collaborators) merged.contributors = generated.collaborators;
writeFileSync(p('package.json'), JSON.stringify(merged, null, 2) + '\n');

copyFileSync(join(root, 'pkg-config', 'README.md'), p('README.md'));
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) {
  if (existsSync(join(root, f))) copyFileSync(join(root, f), p(f));
}
console.log(`    pkg/: ${merged.name}@${merged.version} (entry receval.js, CommonJS node/receval.js)`);
