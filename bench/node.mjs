// Wasm timings in node, beside the native ones from `cargo bench` (pass their JSON lines on stdin
// or let this script run cargo itself), with the wasm/native ratio.
//
//   node bench/node.mjs              runs `cargo bench --bench estimators` first, then the Wasm side
//   node bench/node.mjs --no-native  Wasm side only
//
// The workloads mirror benches/estimators.rs exactly (same data recipe, same sizes). Each figure
// is a median after one warm-up run: of 7 to 11 runs, of 21 for the workloads of a few
// milliseconds (the slates, their memcpy floor, collect at 10 items), whose single runs vary the
// most on a shared VM (collect at 10 items: 9.8–14 ms over 40 runs).
import { execFileSync } from 'node:child_process';
import * as rv from '../pkg/receval.js';

const args = new Set(process.argv.slice(2));

function time(reps, f) {
  f();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[reps >> 1];
}

// xoshiro-free recipe: the benchmark data only needs to be the same *shape and distribution* as the
// native one; values are drawn with a simple LCG since timings do not depend on them.
function benchData(n, k, seed) {
  let s = BigInt(seed) * 6364136223846793005n + 1442695040888963407n;
  const next = () => { s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn; return Number(s >> 11n) / 2 ** 53; };
  const action = new Int32Array(n), pscore = new Float64Array(n).fill(1 / k), reward = new Float64Array(n);
  const actionDist = new Float64Array(n * k), q = new Float64Array(n * k);
  const raw = Array.from({ length: k }, (_, j) => Math.exp(j * 0.3));
  const z = raw.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    action[i] = Math.floor(next() * k);
    reward[i] = next() < 0.3 ? 1 : 0;
    for (let j = 0; j < k; j++) { actionDist[i * k + j] = raw[j] / z; q[i * k + j] = 0.1 + 0.05 * j; }
  }
  return { reward, action, pscore, actionDist, estimatedRewardsByRegModel: q, nActions: k };
}

const results = [];
const emit = (name, ms) => { results.push({ name, ms }); };

const input = benchData(1_000_000, 10, 1);
const handle = new rv.BanditData(input);
for (const est of ['ipw', 'snipw', 'dr']) {
  emit(`${est} 1e6x10 (in memory)`, time(11, () => handle.estimatePolicyValue(est)));
  emit(`${est} 1e6x10 (with validation)`, time(11, () => rv.estimatePolicyValue(est, input)));
}
handle.free();
// Data a page writes straight into Wasm memory (`BanditData.allocate` + `views()`): no copy, but
// checked on every call, since the page may have written to it since.
const filled = rv.BanditData.allocate(1_000_000, 10, { rewardModel: true });
const views = filled.views();
for (const key of Object.keys(views)) views[key].set(input[key]);
for (const est of ['ipw', 'snipw', 'dr']) emit(`${est} 1e6x10 (filled in place, checked per call)`, time(11, () => filled.estimatePolicyValue(est)));
filled.free();

// The floor for data that starts in JS: copying the bytes each estimator reads, into buffers
// allocated beforehand (a plain memcpy, measured in the same run).
const reads = {
  ipw: ['reward', 'action', 'pscore', 'actionDist'],
  snipw: ['reward', 'action', 'pscore', 'actionDist'],
  dr: ['reward', 'action', 'pscore', 'actionDist', 'estimatedRewardsByRegModel'],
};
for (const est of Object.keys(reads)) {
  const src = reads[est].map((k) => input[k]);
  const dst = src.map((a) => new a.constructor(a.length));
  emit(`${est} 1e6x10 (memcpy of its input)`, time(11, () => src.forEach((a, i) => dst[i].set(a))));
}
// The slate estimators on a comparable input: 10⁵ rankings × 10 slots (10⁶ slots), each reading
// slate ids, positions, rewards and its own pair of propensities.
function slateData(nSlates, len) {
  const n = nSlates * len;
  let s = 1;
  const u = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const cols = ['pscore', 'evaluationPolicyPscore', 'pscoreItemPosition', 'evaluationPolicyPscoreItemPosition', 'pscoreCascade', 'evaluationPolicyPscoreCascade'];
  const d = { slateId: new Int32Array(n), position: new Int32Array(n), reward: new Float64Array(n), lenList: len };
  for (const c of cols) d[c] = new Float64Array(n);
  for (let j = 0; j < nSlates; j++) {
    const [ps, es] = [0.2 + 0.8 * u(), u()];
    let [pc, ec] = [1, 1];
    for (let k = 0; k < len; k++) {
      const i = j * len + k;
      pc *= 0.5 + 0.5 * u();
      ec *= u();
      [d.slateId[i], d.position[i], d.reward[i]] = [j, k, u() < 0.2 ? 1 : 0];
      [d.pscore[i], d.evaluationPolicyPscore[i], d.pscoreItemPosition[i], d.evaluationPolicyPscoreItemPosition[i]] = [ps, es, 0.1 + 0.9 * u(), u()];
      [d.pscoreCascade[i], d.evaluationPolicyPscoreCascade[i]] = [pc, ec];
    }
  }
  return d;
}
const slates = slateData(100_000, 10);
const slateReads = { sips: ['pscore', 'evaluationPolicyPscore'], iips: ['pscoreItemPosition', 'evaluationPolicyPscoreItemPosition'], rips: ['pscoreCascade', 'evaluationPolicyPscoreCascade'] };
for (const [est, own] of Object.entries(slateReads)) {
  emit(`${est} 1e5 slates x 10 (with validation)`, time(21, () => rv.estimateSlatePolicyValue(est, slates)));
  const src = ['slateId', 'position', 'reward', ...own].map((k) => slates[k]);
  const dst = src.map((a) => new a.constructor(a.length));
  emit(`${est} 1e5 slates x 10 (memcpy of its input)`, time(21, () => src.forEach((a, i) => dst[i].set(a))));
}

const small = new rv.BanditData(benchData(10_000, 10, 2));
emit('bootstrap ipw 1e4, 1000 samples', time(7, () => small.estimateInterval('ipw', undefined, { nBootstrapSamples: 1000, randomState: 1 })));
emit('bootstrap snipw 1e4, 1000 samples', time(7, () => small.estimateInterval('snipw', undefined, { nBootstrapSamples: 1000, randomState: 1 })));

// The simulator and the lab (benches/world.rs has the same workloads).
emit('world 1000x200 (build)', time(7, () => new rv.World({ seed: 1 }).free()));
const world = new rv.World({ seed: 1 });
const target = { kind: 'softmax', beta: 2, score: { relevance: 1, popularity: -1 } };
emit('policyValue (compile + exact value)', time(11, () => world.policyValue(target)));
emit('collect 1e5 rounds', time(7, () => world.collect({ kind: 'softmax', beta: 3 }, { nRounds: 100000, seed: 2 }).free()));
const world10 = new rv.World({ seed: 1, nItems: 10 });
emit('collect 1e5 rounds, 10 items', time(21, () => world10.collect({ kind: 'softmax', beta: 3 }, { nRounds: 100000, seed: 2 }).free()));
world10.free();
emit('lab 100 x 1e4 rounds, 5 estimators', time(3, () => {
  const lab = new rv.Lab(world, { logger: { kind: 'softmax', beta: 1 }, target, nRounds: 10000, replicates: 100 });
  lab.run();
  lab.free();
}));

let native = new Map();
if (!args.has('--no-native')) {
  for (const bench of ['estimators', 'world']) {
    const out = execFileSync('cargo', ['bench', '--quiet', '--bench', bench], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    for (const line of out.split('\n')) if (line.startsWith('{')) { const r = JSON.parse(line); native.set(r.name, r.ms); }
  }
}

console.log('\nworkload                                   wasm (node) ms   native ms   wasm/native');
for (const { name, ms } of results) {
  const n = native.get(name);
  console.log(`${name.padEnd(42)} ${ms.toFixed(2).padStart(14)} ${n === undefined ? '—'.padStart(11) : n.toFixed(2).padStart(11)} ${n === undefined ? '' : (ms / n).toFixed(2).padStart(13)}`);
}

// Issue 16's targets, each with its anchor: the memcpy floor measured above, or OBP 0.5.7's time on
// the same workload as recorded in the issue (measured side by side in one run on this machine).
const OBP_MS = { ipw: 60, snipw: 59.5, dr: 213, bootstrap: 190, collect: 124 };
const ms = (name) => results.find((r) => r.name === name)?.ms;
const rows = [];
for (const est of ['ipw', 'snipw', 'dr']) {
  const floor = ms(`${est} 1e6x10 (memcpy of its input)`);
  rows.push([`${est}: one-shot call ≤ 2× memcpy of its input`, ms(`${est} 1e6x10 (with validation)`), 2 * floor, `memcpy ${floor.toFixed(1)} ms`]);
  rows.push([`${est}: data in Wasm ≥ 10× OBP`, ms(`${est} 1e6x10 (in memory)`), OBP_MS[est] / 10, `OBP ${OBP_MS[est]} ms`]);
}
for (const est of Object.keys(slateReads)) {
  const floor = ms(`${est} 1e5 slates x 10 (memcpy of its input)`);
  rows.push([`${est} (slate): one-shot ≤ 2× memcpy`, ms(`${est} 1e5 slates x 10 (with validation)`), 2 * floor, `memcpy ${floor.toFixed(1)} ms`]);
}
rows.push(['bootstrap 1000 × 1e4 ≥ 10× OBP', ms('bootstrap ipw 1e4, 1000 samples'), OBP_MS.bootstrap / 10, `OBP ${OBP_MS.bootstrap} ms`]);
rows.push(['collect 1e5 rounds, 10 actions ≥ 10× OBP', ms('collect 1e5 rounds, 10 items'), OBP_MS.collect / 10, `OBP ${OBP_MS.collect} ms`]);
rows.push(['collect 1e5 rounds, 200 items (reported)', ms('collect 1e5 rounds'), undefined, '']);
console.log('\ntarget (issue 16)                              measured ms   limit ms   anchor              met');
for (const [name, got, limit, anchor] of rows) {
  const met = limit === undefined ? '' : got <= limit ? 'yes' : 'no';
  console.log(`${name.padEnd(46)} ${got.toFixed(2).padStart(11)} ${limit === undefined ? '—'.padStart(10) : limit.toFixed(2).padStart(10)}   ${anchor.padEnd(18)}  ${met}`);
}
