// The workbench's report: which estimators apply to the columns a file provides, their estimates
// and intervals, the weight diagnostics, warnings in words a practitioner can act on, and which
// estimate to trust. Every number comes from the Rust core (`rv`, the receval package): this module
// only chooses what to call, gathers the results and words them. It runs in the workbench's worker
// and in node (tests/js/workbench.test.mjs).
import { MAX_CELLS } from './columns.js';

/** Display names. */
export const LABELS = {
  naive: 'Logged mean (the logging policy’s own value)',
  dm: 'DM (direct method)',
  ipw: 'IPS',
  snipw: 'SNIPS',
  dr: 'DR',
  sndr: 'SNDR',
  'switch-dr': 'Switch-DR',
  'dr-os': 'DR-OS (optimistic shrinkage)',
  'sg-ipw': 'SG-IPS (sub-Gaussian)',
  'sg-dr': 'SG-DR (sub-Gaussian)',
  rm: 'Replay',
};

/** λ candidates for the estimators tuned on the data (OBP's *Tuning, SLOPE). */
const WIDE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, Infinity];
export const TUNED = {
  'switch-dr': WIDE,
  'dr-os': [0.1, 1, 10, 100, 1000, 10000, Infinity],
  'sg-ipw': [0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5],
  'sg-dr': [0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5],
};

const pct = (x, d = 1) => `${(100 * x).toFixed(d)}%`;
const num = (x, d = 4) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));
const thousands = (x) => Math.round(x).toLocaleString('en-US');

/**
 * The estimator input for the columns (see ColumnBuilder.finish): `{ input, mode, piELogged,
 * rewardModel }`. `mode` is "full" (π_e for every action: every standard estimator) or "logged"
 * (only π_e of the logged action: IPS, SNIPS, replay). In "logged" mode the input encodes each round
 * with two pseudo-actions, the logged one (0) with probability π_e(a_i) and "any other" (1) with
 * the rest: the IPS-family estimators read only π_e(a_i) / pscore_i, so their values are exact.
 */
export function estimatorInput(rv, cols, { nFolds = 5, foldSeed = 0, onProgress = () => {} } = {}) {
  const { n, reward, action, pscore } = cols;
  let k = cols.nActions;
  let mode = cols.policy === 'logged' ? 'logged' : 'full';
  let note = null;
  if (cols.policy === 'uniform' && n * k > MAX_CELLS) {
    mode = 'logged';
    note = `With ${thousands(n)} rounds × ${k} actions the full uniform policy table would be too large for this tab; the report uses its probability of the logged action (1/${k}), enough for IPS, SNIPS and replay.`;
  }
  if (mode === 'logged') {
    const piELogged = cols.piELogged ?? new Float64Array(n).fill(1 / k);
    const actionDist = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      actionDist[2 * i] = piELogged[i];
      actionDist[2 * i + 1] = 1 - piELogged[i];
    }
    return {
      mode, note, piELogged, rewardModel: null,
      input: { reward, action: new Int32Array(n), pscore, actionDist, nActions: 2 },
    };
  }
  const actionDist = cols.piE ?? new Float64Array(n * k).fill(1 / k);
  const piELogged = new Float64Array(n);
  for (let i = 0; i < n; i++) piELogged[i] = actionDist[i * k + action[i]];
  let q = null;
  let rewardModel = null;
  if (cols.rewardModel === 'columns' && cols.q) {
    q = cols.q;
    rewardModel = 'the file’s q_<a> columns';
  } else if (cols.rewardModel === 'fit') {
    onProgress({ phase: 'Fitting the reward model (5-fold cross-fitted)' });
    const spec = { action, reward, nActions: k, nFolds: Math.min(nFolds, n), foldSeed };
    if (cols.position) Object.assign(spec, { stratum: cols.position, nStrata: cols.nStrata });
    q = rv.fitTabularRewardModel(spec);
    rewardModel = `fitted in this page: mean reward of each action${cols.position ? ' at each position' : ''}, shrunk towards the ${cols.position ? 'position’s' : 'overall'} mean, ${Math.min(nFolds, n)}-fold cross-fitted (no round is scored by a model that saw it)`;
  }
  const input = { reward, action, pscore, actionDist, nActions: k };
  if (q) input.estimatedRewardsByRegModel = q;
  return { mode, note, piELogged, rewardModel, input };
}

/** The estimators that apply: [name, params?]. */
export function applicableEstimators(mode, hasRewardModel, deterministic = true) {
  const replay = deterministic ? [['rm']] : [];
  if (mode === 'logged') return [['ipw'], ['snipw'], ...replay];
  const list = [];
  if (hasRewardModel) list.push(['dm']);
  list.push(['ipw'], ['snipw']);
  if (hasRewardModel) list.push(['dr'], ['sndr'], ['switch-dr', { lambdas: TUNED['switch-dr'] }], ['dr-os', { lambdas: TUNED['dr-os'] }]);
  list.push(['sg-ipw', { lambdas: TUNED['sg-ipw'] }]);
  if (hasRewardModel) list.push(['sg-dr', { lambdas: TUNED['sg-dr'] }]);
  list.push(...replay);
  return list;
}

/**
 * Build the report for parsed columns. `meta` describes the file ({ name, format, … });
 * `onProgress({ phase, done, total })` is called between estimators.
 */
export function buildReport(rv, cols, meta = {}, { alpha = 0.05, nFolds = 5, foldSeed = 0, onProgress = () => {} } = {}) {
  const { mode, note, piELogged, rewardModel, input } = estimatorInput(rv, cols, { nFolds, foldSeed, onProgress });
  const n = cols.n;
  const interval = { method: 'normal', alpha };
  onProgress({ phase: 'Checking the log (validating it in the core)' });
  const data = new rv.BanditData(input);
  try {
    // Replay (OBP's ReplayMethod) keeps the rounds where a deterministic target takes the logged action.
    const deterministic = input.actionDist.every((p) => p === 0 || p === 1);
    const list = applicableEstimators(mode, Boolean(input.estimatedRewardsByRegModel), deterministic);
    const notes = note ? [note] : [];
    if (!deterministic) notes.push('Replay is left out: it needs a deterministic evaluation policy (every π_e 0 or 1), and this one is stochastic.');
    // In "logged" mode the second pseudo-action is never logged by construction: the core's remark
    // about mass on never-logged actions describes the encoding, not the file.
    const own = (ws) => (mode === 'logged' ? ws.filter((w) => !/never appear in this log/.test(w)) : ws);
    const rows = [];
    // The logging policy's own value: IPS with π_e = π_b (every weight 1) is the mean logged reward.
    const naiveDist = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      naiveDist[2 * i] = cols.pscore[i];
      naiveDist[2 * i + 1] = 1 - cols.pscore[i];
    }
    const naive = rv.estimateInterval('ipw', { reward: cols.reward, action: new Int32Array(n), pscore: cols.pscore, actionDist: naiveDist, nActions: 2 }, undefined, interval);
    list.forEach(([name, params], j) => {
      onProgress({ phase: `Estimating: ${LABELS[name]}`, done: j, total: list.length });
      const d = data.estimateDiagnostics(name, params);
      const p = d.lambda === undefined || d.lambda === null ? undefined : { lambda: d.lambda };
      const iv = data.estimateInterval(name, p, interval);
      rows.push({
        estimator: name,
        label: LABELS[name],
        lambda: d.lambda ?? null,
        tuned: Boolean(params?.lambdas),
        estimate: iv.estimate,
        lower: iv.lower,
        upper: iv.upper,
        effectiveSampleSize: d.effectiveSampleSize,
        warnings: own(d.warnings),
      });
    });
    onProgress({ phase: 'Weight diagnostics', done: list.length, total: list.length });
    const w = data.estimateDiagnostics('ipw');
    const hist = rv.weightHistogram(piELogged, cols.pscore, 30);
    const diagnostics = {
      nRounds: n,
      effectiveSampleSize: w.effectiveSampleSize,
      essRatio: w.essRatio,
      maxWeight: w.maxWeight,
      meanWeight: w.meanRawWeight,
      meanWeightSe: w.meanRawWeightSe,
      zeroWeightShare: w.zeroWeightShare,
      supportViolation: w.supportViolation,
      // in "logged" mode the second pseudo-action is never logged by construction: not a finding
      massOnUnloggedActions: mode === 'full' ? w.massOnUnloggedActions : null,
    };
    const histogram = { zero: hist.zero, edges: Array.from(hist.edges), counts: Array.from(hist.counts) };
    const report = {
      file: meta,
      nRounds: n,
      nActions: cols.nActions,
      nPositions: cols.position ? cols.nStrata : null,
      mode,
      policy: cols.policy,
      rewardModel,
      interval: `${Math.round(100 * (1 - alpha))}% normal (delta-method) intervals`,
      naive: { estimate: naive.estimate, lower: naive.lower, upper: naive.upper },
      rows,
      diagnostics,
      histogram,
      notes,
    };
    report.warnings = warnings(report);
    report.recommendation = recommend(report);
    return report;
  } finally {
    data.free();
  }
}

/** Warnings in words a practitioner can act on, from the diagnostics. */
export function warnings(report) {
  const d = report.diagnostics;
  const out = [];
  const hasDr = report.rows.some((r) => r.estimator === 'dr');
  if (report.policy === 'uniform') {
    out.push({ id: 'uniform-target', text: 'The file gives no evaluation policy, so this report evaluates the uniform random policy (every action equally likely). Add columns pi_e_<a> (or pi_e) to evaluate your own policy.' });
  }
  if (d.supportViolation) {
    out.push({
      id: 'support',
      text: `The mean importance weight is ${num(d.meanWeight, 3)} ± ${num(d.meanWeightSe, 2)}, well below 1: the target seems to put about ${pct(1 - d.meanWeight, 0)} of its probability on actions the logger (almost) never takes. IPS is biased downwards here and SNIPS only re-weights the part it sees; ${hasDr ? 'DM and DR fill the gap with the reward model, so trust them only as far as you trust that model' : 'no estimate here covers that part: add a reward model (q_<a> columns) or log with more exploration'}.`,
    });
  }
  if (d.zeroWeightShare > 0) {
    out.push({
      id: 'zero-weight',
      text: `${pct(d.zeroWeightShare)} of rounds give the target probability 0 to the logged action: they count as 0 in IPS. ${d.supportViolation ? 'Together with the low mean weight this means IPS is biased here.' : 'That is fine as long as the logger also takes the actions the target prefers (the mean weight says it does).'}`,
    });
  }
  if (d.massOnUnloggedActions !== null && d.massOnUnloggedActions > 0.01) {
    out.push({ id: 'unlogged', text: `The target puts ${pct(d.massOnUnloggedActions)} of its probability on actions that never appear in this log: nothing in the log says how they perform.` });
  }
  if (d.essRatio < 0.01) {
    out.push({ id: 'ess', text: `The effective sample size is ${thousands(d.effectiveSampleSize)} of ${thousands(d.nRounds)} rounds (${pct(d.essRatio, 2)}): the weighted estimates rest on a handful of rounds and their intervals cannot be trusted. Collect more logs with exploration, or evaluate a target closer to the logger.` });
  } else if (d.essRatio < 0.1) {
    out.push({ id: 'ess', text: `The effective sample size is ${thousands(d.effectiveSampleSize)} of ${thousands(d.nRounds)} rounds (${pct(d.essRatio)}): weighting throws away most of the log, so expect wide intervals; SNIPS, DR and λ-tuned estimators are steadier than plain IPS.` });
  }
  if (d.maxWeight > Math.max(100, 0.01 * d.nRounds)) {
    out.push({ id: 'max-weight', text: `The largest weight is ${num(d.maxWeight, 3)}: one round counts as ${num(d.maxWeight, 3)} rounds, so a single reward there moves IPS by ${num(d.maxWeight / d.nRounds, 2)} per unit of reward.` });
  }
  if (d.nRounds < 1000) {
    out.push({ id: 'small', text: `Only ${thousands(d.nRounds)} rounds: normal intervals may be too narrow on so few.` });
  }
  return out;
}

/** Which estimate to trust, and why: `{ estimator, text }` (estimator null when none can be recommended). */
export function recommend(report) {
  const d = report.diagnostics;
  const by = Object.fromEntries(report.rows.map((r) => [r.estimator, r]));
  const ok = (r) => r && Number.isFinite(r.estimate) && Number.isFinite(r.lower) && Number.isFinite(r.upper);
  const width = (r) => r.upper - r.lower;
  const overlap = (a, b) => a.lower <= b.upper && b.lower <= a.upper;
  if (d.essRatio < 0.01) {
    return { estimator: null, text: `None. The weights leave an effective sample of ${thousands(d.effectiveSampleSize)} rounds; every weighted estimate here is a guess with an interval that understates it. Log with more exploration (a randomized bucket) or evaluate a policy closer to the logger.` };
  }
  if (d.supportViolation) {
    if (ok(by.dr)) {
      return { estimator: 'dr', text: `DR, with care: the target acts where the logger did not, so no weighting estimator is unbiased. DR uses the reward model (${report.rewardModel}) where the weights cannot reach; it is right only as far as that model is. Treat ${num(by.dr.estimate)} [${num(by.dr.lower)}, ${num(by.dr.upper)}] as a model-based guess, and SNIPS’s ${ok(by.snipw) ? num(by.snipw.estimate) : '—'} as the value on the part of the target the logger covers.` };
    }
    return { estimator: null, text: 'None with confidence: the target acts where the logger did not, and without a reward model nothing in this log speaks for those actions. IPS is biased downwards; SNIPS describes only the covered part.' };
  }
  // Supported: IPS is unbiased; SNIPS nearly so and steadier; DR is unbiased with a correct propensity and usually narrower.
  const candidates = ['snipw', 'dr', 'sndr'].map((e) => by[e]).filter(ok);
  const ips = by.ipw;
  let best = candidates.reduce((b, r) => (!b || width(r) < width(b) ? r : b), null);
  if (best && ok(ips) && (best.estimator === 'dr' || best.estimator === 'sndr') && !overlap(best, ips)) {
    const sn = by.snipw;
    return { estimator: 'snipw', text: `SNIPS: ${num(sn.estimate)} [${num(sn.lower)}, ${num(sn.upper)}]. DR’s interval does not overlap IPS’s, which an unbiased pair rarely does: the reward model is probably off, so prefer the weighting estimators here. The logger covers the target (mean weight ${num(d.meanWeight, 3)} ± ${num(d.meanWeightSe, 2)}).` };
  }
  if (!best) return { estimator: 'ipw', text: `IPS: ${num(ips.estimate)} [${num(ips.lower)}, ${num(ips.upper)}].` };
  const why = best.estimator === 'snipw'
    ? 'SNIPS is IPS divided by the mean weight: nearly unbiased when the logger covers the target, and steadier'
    : `${best.label} combines the weights with the reward model: unbiased when the propensities are right, whatever the model, and here it has the narrowest interval`;
  return {
    estimator: best.estimator,
    text: `${best.label}: ${num(best.estimate)} [${num(best.lower)}, ${num(best.upper)}]. The logger covers the target (mean weight ${num(d.meanWeight, 3)} ± ${num(d.meanWeightSe, 2)}, effective sample ${pct(d.essRatio)} of the rounds), so the weighting estimators are trustworthy; ${why}.${ok(ips) ? ` IPS agrees: ${num(ips.estimate)} [${num(ips.lower)}, ${num(ips.upper)}].` : ''}`,
  };
}

/** The report as CSV: one row per estimate, then the diagnostics as name,value rows. */
export function reportCsv(report) {
  const esc = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [['estimator', 'lambda', 'estimate', 'lower', 'upper', 'effective_sample_size', 'warnings'].join(',')];
  lines.push(['naive', '', report.naive.estimate, report.naive.lower, report.naive.upper, report.nRounds, ''].map(esc).join(','));
  for (const r of report.rows) {
    lines.push([r.estimator, r.lambda === null ? '' : r.lambda, r.estimate, r.lower, r.upper, r.effectiveSampleSize, r.warnings.join(' | ')].map(esc).join(','));
  }
  lines.push('');
  lines.push('diagnostic,value');
  for (const [k, v] of Object.entries(report.diagnostics)) lines.push([k, v].map(esc).join(','));
  lines.push(['recommendation', report.recommendation.estimator ?? 'none'].map(esc).join(','));
  return `${lines.join('\n')}\n`;
}
