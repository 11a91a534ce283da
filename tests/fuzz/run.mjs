#!/usr/bin/env node
// Fuzz the JavaScript API of receval (pkg/receval.js).
//
//   node tests/fuzz/run.mjs --cases N --seed S [--workers W] [--timeout MS] [--start I]
//                           [--only REGEX] [--out FILE] [--show K] [--quiet]
//   node tests/fuzz/run.mjs --seed S --case I        one case, in this process, described in full
//
// Case i of seed S is generated from (S, i) alone: a target (an exported function, constructor,
// method or getter), a valid call of it, and one mutation of one argument, field, element or of
// the receiver, with its verdict (invalid / equivalent / valid / either: see ops.mjs). Cases run
// in worker threads, each under a time limit; after every case the worker checks that the Wasm
// stack pointer is back where it was and that the module still computes (IPW on a reference
// input is 0.9, a tiny World values a policy), and is replaced if not. The summary counts cases
// per target and verdict and failures per kind, with a one-line reproducer for each failure.
// Exit code 1 if any case failed.
import { Worker } from 'node:worker_threads';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { FAILURE_KINDS, VERDICTS } from './engine.mjs';

export { FAILURE_KINDS, VERDICTS };
const WORKER = new URL('./worker.mjs', import.meta.url);
const CHUNK = 50;

/**
 * Run cases `start … start + cases − 1` of `seed` in `workers` threads. Returns the summary:
 * `{ cases, seconds, byVerdict, byKind, byTarget, failures, slow, memory }`.
 */
export async function runFuzz({ cases, seed, workers = 2, timeout = 10_000, start = 0, only = null, onProgress = null } = {}) {
  const t0 = Date.now();
  const queue = [];
  for (let i = start; i < start + cases; i += CHUNK) queue.push([i, Math.min(i + CHUNK, start + cases)]);
  const records = [];
  const failures = [];
  let memory = 0;
  let restarts = 0;
  // A copy of the package, so that a rebuild of pkg/ during the run cannot mix two builds (the
  // Wasm is compiled once here; each (re)started worker imports the copied glue and instantiates it)
  const { compileReceval, PKG } = await import('./engine.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'receval-fuzz-pkg-'));
  for (const f of ['receval.js', 'receval_glue.js', 'receval_bg.wasm']) copyFileSync(new URL(f, PKG), join(dir, f));
  const pkg = pathToFileURL(`${dir}/`).href;
  const module = compileReceval(pkg);

  await new Promise((resolve, reject) => {
    const slots = [];
    let startupFailures = 0;
    const fail = (i, failure, message, extra = {}) => {
      const rec = { index: i, target: null, op: null, verdict: null, desc: null, failure, message, ms: 0, pending: true, ...extra };
      records.push(rec);
      failures.push({ ...rec, seed });
    };
    /** Stop a worker; the rest of its chunk after case `i` goes back to the queue. */
    const stop = (slot, i) => {
      if (slot.dead) return;
      slot.dead = true;
      // between two cases (i < 0), the chunk resumes after the last case that reported
      const from = i >= 0 ? i + 1 : slot.chunk ? Math.max(slot.chunk[0], slot.lastDone + 1) : 0;
      if (slot.chunk && from < slot.chunk[1]) queue.unshift([from, slot.chunk[1]]);
      slot.chunk = null;
      slot.w.terminate();
    };
    const spawn = () => {
      const ctrl = new SharedArrayBuffer(8);
      const w = new Worker(WORKER, { workerData: { ctrl, only, module, pkg } });
      const slot = { w, ctrl: new Int32Array(ctrl), chunk: null, lastIndex: -1, lastDone: -1, since: Date.now(), dead: false, ready: false };
      slots.push(slot);
      const next = () => {
        slot.chunk = queue.shift() ?? null;
        if (!slot.chunk) return stop(slot, -1);
        slot.since = Date.now();
        w.postMessage({ type: 'run', seed, from: slot.chunk[0], to: slot.chunk[1] });
      };
      w.on('message', (m) => {
        if (slot.dead) return;
        if (m.type === 'unhealthy') {
          for (const sl of slots) if (!sl.dead) stop(sl, -1);
          reject(new Error(`receval fails its health check before any case (${m.why}); is pkg/ being rebuilt? Run again when it is done`));
        } else if (m.type === 'ready') {
          slot.ready = true;
          startupFailures = 0;
          next();
        } else if (m.type === 'case') {
          slot.lastDone = m.rec.index;
          if (m.rec.skipped) return;
          records.push(m.rec);
          if (m.rec.failure) failures.push({ ...m.rec, seed });
          if (m.rec.also) failures.push({ ...m.rec, seed, failure: m.rec.also, message: `(after a ${m.rec.failure}) ${m.rec.message}` });
          onProgress?.(records.length, failures.length);
        } else if (m.type === 'done') {
          memory = Math.max(memory, m.memory);
          next();
        } else if (m.type === 'broken') {
          // the module no longer computes: the rest of the chunk goes to a fresh worker
          restarts++;
          stop(slot, m.next - 1);
          spawn();
        }
      });
      const crashed = (why) => {
        if (slot.dead) return;
        if (!slot.ready) {
          // the worker could not even load receval (e.g. pkg/ is being rebuilt): retry a few times
          slot.dead = true;
          if (++startupFailures > 3) {
            for (const sl of slots) if (!sl.dead) stop(sl, -1);
            reject(new Error(`a fuzz worker could not start: ${why}`));
          } else setTimeout(spawn, 2000);
          return;
        }
        const i = Atomics.load(slot.ctrl, 0) - 1;
        fail(i, 'harness error', `worker stopped: ${why}`);
        restarts++;
        stop(slot, i);
        spawn();
      };
      w.on('error', (e) => crashed(e?.message ?? String(e)));
      w.on('exit', (code) => crashed(`exit code ${code}`));
    };
    for (let k = 0; k < workers; k++) spawn();
    // A case that runs longer than `timeout` is a failure: its worker is terminated (the only way
    // to stop a synchronous call) and the rest of its chunk goes to a fresh worker.
    const timer = setInterval(() => {
      for (const slot of slots) {
        if (slot.dead || !slot.chunk) continue;
        const i = Atomics.load(slot.ctrl, 0) - 1;
        if (i < 0) continue;
        if (i !== slot.lastIndex) {
          slot.lastIndex = i;
          slot.since = Date.now();
        } else if (Date.now() - slot.since > timeout) {
          fail(i, 'timeout', `no result after ${timeout} ms`, { ms: Date.now() - slot.since });
          restarts++;
          stop(slot, i);
          spawn();
        }
      }
      if (queue.length === 0 && slots.every((sl) => sl.dead || !sl.chunk) && slots.some((sl) => !sl.dead) === false) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
  });

  // describe timed-out cases (their worker was terminated before it could say what they were)
  const pending = failures.filter((f) => f.pending);
  if (pending.length) {
    const { loadReceval, describeCase } = await import('./engine.mjs');
    const h = await loadReceval(module, pkg);
    for (const f of pending) {
      try {
        const d = describeCase(h, seed, f.index);
        Object.assign(f, { target: d.target, op: d.op, verdict: d.verdict, desc: d.desc });
        const rec = records.find((r) => r.pending && r.index === f.index);
        if (rec) Object.assign(rec, { target: d.target, op: d.op, verdict: d.verdict });
      } catch (e) {
        f.desc = `(could not describe: ${e.message})`;
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return summarize(records, failures, { seconds: (Date.now() - t0) / 1000, memory, restarts });
}

function summarize(records, failures, extra) {
  const byVerdict = Object.fromEntries(VERDICTS.map((v) => [v, { cases: 0, ok: 0, rejected: 0, failed: 0 }]));
  const byKind = Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0]));
  const byTarget = {};
  const byOp = {};
  for (const r of records) {
    const o = (byOp[r.op ?? '?'] ??= { cases: 0, ok: 0, rejected: 0, failures: 0 });
    o.cases++;
    if (r.failure) o.failures++;
    else if (r.outcome === 'threw') o.rejected++;
    else o.ok++;
    const t = (byTarget[r.target ?? '?'] ??= { cases: 0, invalid: 0, equivalent: 0, valid: 0, either: 0, failures: 0 });
    t.cases++;
    if (r.verdict) t[r.verdict]++;
    if (r.verdict && byVerdict[r.verdict]) {
      const v = byVerdict[r.verdict];
      v.cases++;
      if (r.failure) v.failed++;
      else if (r.outcome === 'threw') v.rejected++;
      else v.ok++;
    }
    if (r.failure) {
      byKind[r.failure]++;
      t.failures++;
    }
    if (r.also) byKind[r.also]++;
  }
  const slow = records.filter((r) => !r.failure && r.ms > 1000).sort((a, b) => b.ms - a.ms).slice(0, 10);
  return { cases: records.length, byVerdict, byKind, byTarget, byOp, failures: failures.sort((a, b) => a.index - b.index), slow, ...extra };
}

/** One line that reproduces a failure. */
export function reproducer(f) {
  const v = f.verdict ? ` [${f.verdict}]` : '';
  return `node tests/fuzz/run.mjs --seed ${f.seed} --case ${f.index}  # ${f.failure}: ${f.target}: ${f.desc ?? f.op ?? ''}${v} → ${(f.message ?? '').replace(/\s+/g, ' ').slice(0, 300)}`;
}

/** The report printed at the end of a run. */
export function report(s, { seed, workers, show = null } = {}) {
  // every reproducer when there are few failures; otherwise a few per group (all are in the file)
  show ??= s.failures.length <= 200 ? Infinity : 5;
  const lines = [];
  const pad = (x, n) => String(x).padStart(n);
  lines.push('');
  lines.push(`receval JS API fuzz: ${s.cases} cases, seed ${seed}, ${workers} worker(s), ${s.seconds.toFixed(1)} s (${(s.cases / s.seconds).toFixed(0)} cases/s), ${s.restarts} worker restart(s), largest Wasm memory ${(s.memory / 2 ** 20).toFixed(0)} MiB`);
  lines.push('');
  lines.push('verdict        cases   succeeded  rejected (named)  failed');
  for (const [v, c] of Object.entries(s.byVerdict)) lines.push(`${v.padEnd(12)} ${pad(c.cases, 7)} ${pad(c.ok, 11)} ${pad(c.rejected, 17)} ${pad(c.failed, 7)}`);
  lines.push('');
  lines.push('failures by kind:');
  for (const [k, n] of Object.entries(s.byKind)) lines.push(`  ${k.padEnd(20)} ${pad(n, 7)}`);
  lines.push('');
  lines.push('target                                   cases invalid equiv  valid either  failed');
  for (const [t, c] of Object.entries(s.byTarget).sort()) {
    lines.push(`${t.padEnd(40)} ${pad(c.cases, 5)} ${pad(c.invalid, 7)} ${pad(c.equivalent, 5)} ${pad(c.valid, 6)} ${pad(c.either, 6)} ${pad(c.failures, 7)}`);
  }
  lines.push('');
  lines.push('mutation                     cases      ok  rejected  failed');
  for (const [op, c] of Object.entries(s.byOp).sort()) lines.push(`${op.padEnd(26)} ${pad(c.cases, 7)} ${pad(c.ok, 7)} ${pad(c.rejected, 9)} ${pad(c.failures, 7)}`);
  if (s.slow.length) {
    lines.push('');
    lines.push('slowest passing cases:');
    for (const r of s.slow) lines.push(`  ${r.ms.toFixed(0)} ms  case ${r.index}  ${r.target}  ${r.op}`);
  }
  if (s.failures.length) {
    lines.push('');
    lines.push(`failures (${s.failures.length}), grouped by kind, target and mutation${Number.isFinite(show) ? `; at most ${show} reproducer(s) per group` : ''}:`);
    const groups = new Map();
    for (const f of s.failures) {
      const key = `${f.failure} | ${f.target} | ${f.op}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(f);
    }
    for (const [key, fs] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
      lines.push(`  ${key}: ${fs.length}`);
      for (const f of fs.slice(0, show)) lines.push(`    ${reproducer(f)}`);
      if (fs.length > show) lines.push(`    … and ${fs.length - show} more (cases ${fs.slice(show, show + 12).map((f) => f.index).join(', ')}${fs.length > show + 12 ? ', …' : ''})`);
    }
  }
  return lines.join('\n');
}

function parseArgs(argv) {
  const o = { cases: 1000, seed: 1, workers: 2, timeout: 10_000, start: 0, only: null, out: null, show: null, quiet: false, case: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--cases') o.cases = Number(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--workers') o.workers = Number(val());
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--start') o.start = Number(val());
    else if (a === '--only') o.only = val();
    else if (a === '--out') o.out = val();
    else if (a === '--show') o.show = Number(val());
    else if (a === '--case') o.case = Number(val());
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      console.log([
        'usage: node tests/fuzz/run.mjs --cases N --seed S [--workers W] [--timeout MS] [--start I] [--only REGEX] [--out FILE] [--show K] [--quiet]',
        '       node tests/fuzz/run.mjs --seed S --case I',
        '  --workers W   worker threads (default 2; this machine has 2 cores)',
        '  --timeout MS  time limit per case (default 10000); a case over it is a failure',
        '  --start I     first case index (default 0): cases I … I+N-1 of seed S',
        '  --only REGEX  run only the cases whose target matches (the others are skipped)',
        '  --out FILE    where to write every reproducer (default: a file in the temp directory)',
        '  --show K      reproducers printed per failure group (default: all if ≤ 200 failures, else 5)',
        '  --case I      run case I alone in this process and describe it in full',
      ].join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const k of ['cases', 'seed', 'workers', 'timeout', 'start', 'show']) {
    if (k === 'show' && o.show === null) continue;
    if (!Number.isSafeInteger(o[k]) || o[k] < 0) throw new Error(`--${k} expects a non-negative integer`);
  }
  if (o.workers < 1) throw new Error('--workers expects at least 1');
  return o;
}

/** `--case I`: run one case in this process and show everything about it. */
async function oneCase(o) {
  const { loadReceval, describeCase, runCase } = await import('./engine.mjs');
  const h = await loadReceval();
  const d = describeCase(h, o.seed, o.case);
  console.log(`case ${o.case} of seed ${o.seed}: ${d.target}`);
  console.log(`  arguments (before the mutation): ${d.args.join(', ')}`);
  console.log(`  mutation: ${d.desc}  (${d.op})`);
  console.log(`  verdict: ${d.verdict}; an error must name one of: ${d.names.map((n) => `\`${n}\``).join(', ') || '(a receiver message)'}`);
  const rec = runCase(h, o.seed, o.case);
  console.log(`  outcome: ${rec.outcome}${rec.message ? ` — ${rec.message}` : ''}`);
  console.log(`  ${rec.failure ? `FAILURE: ${rec.failure}` : 'ok'} (${rec.ms.toFixed(1)} ms)`);
  return rec.failure ? 1 : 0;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.case !== null) process.exit(await oneCase(o));
  const t0 = Date.now();
  let lastPrint = 0;
  const s = await runFuzz({
    ...o,
    onProgress: (done, failed) => {
      const now = Date.now();
      if (!o.quiet && (now - lastPrint > 10_000 || done === o.cases)) {
        lastPrint = now;
        const secs = (now - t0) / 1000;
        console.log(`  ${done}/${o.cases} cases, ${failed} failure(s), ${secs.toFixed(0)} s (${(done / secs).toFixed(0)}/s)`);
      }
    },
  });
  console.log(report(s, { seed: o.seed, workers: o.workers, show: o.show }));
  if (s.failures.length) {
    const out = o.out ?? join(tmpdir(), `receval-fuzz-seed${o.seed}-start${o.start}.txt`);
    writeFileSync(out, `${s.failures.map(reproducer).join('\n')}\n`);
    console.log(`\nall ${s.failures.length} reproducers: ${out}`);
  }
  process.exit(s.failures.length ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
