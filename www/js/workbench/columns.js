// The workbench's column layer: guess which column is which, and turn rows of text (CSV), typed
// values (Parquet) or arrays (JSON) into typed arrays, checking every value on the way. A bad value
// stops the read with an error that names the line and the column and says what was expected. No
// statistic is computed here: the numbers go to the Rust core as they are.

/** An error in the user's file (shown as it is, without a stack). */
export class FileProblem extends Error {
  constructor(message) {
    super(message);
    this.name = 'FileProblem';
  }
}

/** Tolerance of π_e summing to 1 (the core's SUM_TOLERANCE). */
export const SUM_TOLERANCE = 1e-5;

/** Largest n × nActions the page builds (two such Float64Arrays of 8 bytes each: 800 MB). */
export const MAX_CELLS = 5e7;

const OBD_COLUMNS = ['timestamp', 'item_id', 'position', 'click', 'propensity_score'];

const GUESSES = {
  reward: ['reward', 'click', 'clicked', 'y', 'r', 'conversion', 'outcome'],
  action: ['action', 'item_id', 'item', 'arm', 'a', 'action_id'],
  pscore: ['pscore', 'propensity_score', 'propensity', 'p_b', 'pi_b', 'logging_prob', 'prob'],
  position: ['position', 'slot', 'pos', 'rank'],
  piE: ['pi_e', 'target_prob', 'evaluation_prob', 'pi_e_logged'],
};

/** Columns named `<prefix><a>` for a = 0, 1, …, K−1 (all of them, in order), or null. */
export function indexedColumns(header, prefix) {
  const found = new Map();
  header.forEach((h, j) => {
    const m = h.startsWith(prefix) ? /^(\d+)$/.exec(h.slice(prefix.length)) : null;
    if (m) found.set(Number(m[1]), j);
  });
  if (!found.size) return null;
  const k = Math.max(...found.keys()) + 1;
  const idx = [];
  for (let a = 0; a < k; a++) {
    if (!found.has(a)) return { error: `the columns ${prefix}<a> must cover every action 0…${k - 1}; ${prefix}${a} is missing` };
    idx.push(found.get(a));
  }
  return { idx, k };
}

/** Whether a header is the Open Bandit Dataset's CSV layout. */
export function isObdHeader(header) {
  return OBD_COLUMNS.every((c) => header.includes(c)) && !header.some((h) => h === 'pi_e' || h.startsWith('pi_e_'));
}

/**
 * Sensible guesses for the mapping from a header: `{ reward, action, pscore, position, policy,
 * piE, rewardModel }` where `policy` is "columns" (pi_e_<a>), "logged" (one column with π_e of the
 * logged action) or "uniform", and `rewardModel` is "columns" (q_<a>), "fit" or "none".
 */
export function guessMapping(header) {
  const lower = header.map((h) => h.toLowerCase());
  const pick = (names) => {
    for (const n of names) {
      const j = lower.indexOf(n);
      if (j >= 0) return header[j];
    }
    return '';
  };
  const pie = indexedColumns(header, 'pi_e_');
  const q = indexedColumns(header, 'q_');
  const piE = pick(GUESSES.piE);
  const policy = pie && !pie.error ? 'columns' : piE ? 'logged' : 'uniform';
  return {
    reward: pick(GUESSES.reward),
    action: pick(GUESSES.action),
    pscore: pick(GUESSES.pscore),
    position: pick(GUESSES.position),
    policy,
    piE,
    rewardModel: q && !q.error ? 'columns' : policy === 'logged' ? 'none' : 'fit',
  };
}

const quote = (s) => JSON.stringify(String(s));

/** A value from a file as a number: numbers as they are, text that is a decimal number; else NaN. */
function toNumber(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return NaN;
  const s = v.trim();
  if (s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

/** Growable typed array. */
class Column {
  constructor(Type, width = 1) {
    this.Type = Type;
    this.width = width;
    this.data = new Type(4096 * width);
  }
  ensure(n) {
    if (n * this.width <= this.data.length) return;
    let cap = this.data.length;
    while (cap < n * this.width) cap *= 2;
    const next = new this.Type(cap);
    next.set(this.data);
    this.data = next;
  }
  take(n) {
    return this.data.slice(0, n * this.width);
  }
}

/**
 * Collects validated rows into typed arrays. `header` is the list of column names, `mapping` the
 * user's choices (see guessMapping), `lineOffset` the file line of the first data row (2 for a CSV
 * with a header) so that messages name the line a person sees in an editor.
 */
export class ColumnBuilder {
  constructor(header, mapping, { lineOffset = 2, describeRow = (i) => `Line ${i + lineOffset}` } = {}) {
    this.header = header;
    this.mapping = mapping;
    this.describeRow = describeRow;
    const col = (key, label, required = true) => {
      const name = mapping[key];
      if (!name) {
        if (required) throw new FileProblem(`Choose the ${label} column (none of the columns is called ${GUESSES[key].slice(0, 3).map(quote).join(', ')}…).`);
        return -1;
      }
      const j = header.indexOf(name);
      if (j < 0) throw new FileProblem(`The column ${quote(name)} chosen for the ${label} is not in the file (its columns: ${header.join(', ')}).`);
      return j;
    };
    this.jReward = col('reward', 'reward');
    this.jAction = col('action', 'logged action');
    this.jPscore = col('pscore', 'logging propensity (pscore)');
    this.jPosition = col('position', 'position', false);
    this.policy = mapping.policy;
    this.nActions = null;
    if (mapping.policy === 'columns') {
      const pie = indexedColumns(header, 'pi_e_');
      if (!pie) throw new FileProblem('The evaluation policy is set to the columns pi_e_<a>, but the file has none (pi_e_0, pi_e_1, …).');
      if (pie.error) throw new FileProblem(`Evaluation policy: ${pie.error}.`);
      this.piECols = pie.idx;
      this.nActions = pie.k;
    } else if (mapping.policy === 'logged') {
      this.jPiE = col('piE', 'evaluation policy’s probability of the logged action (π_e)');
    } else if (mapping.policy !== 'uniform') {
      throw new FileProblem(`Unknown evaluation policy choice ${quote(mapping.policy)}.`);
    }
    if (mapping.rewardModel === 'columns') {
      const q = indexedColumns(header, 'q_');
      if (!q) throw new FileProblem('The reward model is set to the columns q_<a>, but the file has none (q_0, q_1, …).');
      if (q.error) throw new FileProblem(`Reward model: ${q.error}.`);
      if (this.nActions !== null && q.k !== this.nActions) throw new FileProblem(`There are ${this.nActions} columns pi_e_<a> but ${q.k} columns q_<a>; they must be one per action.`);
      if (this.policy !== 'columns') throw new FileProblem('Reward-model columns q_<a> need the evaluation policy for every action (columns pi_e_<a>): DM and DR average q̂ over π_e.');
      this.qCols = q.idx;
    }
    this.n = 0;
    this.reward = new Column(Float64Array);
    this.action = new Column(Int32Array);
    this.pscore = new Column(Float64Array);
    this.position = this.jPosition >= 0 ? new Column(Int32Array) : null;
    this.piELogged = this.policy === 'logged' ? new Column(Float64Array) : null;
    this.piE = this.piECols ? new Column(Float64Array, this.nActions) : null;
    this.q = this.qCols ? new Column(Float64Array, this.nActions) : null;
  }

  fail(i, column, message) {
    throw new FileProblem(`${this.describeRow(i)}${column === null ? '' : `, column ${quote(column)}`}: ${message}`);
  }

  /** Add one row (an array of values in header order). */
  add(row) {
    const i = this.n;
    const width = this.header.length;
    if (row.length !== width) {
      this.fail(i, null, `expected ${width} fields like the header, got ${row.length} (a ragged row: a missing or extra separator?).`);
    }
    const num = (j, what) => {
      const x = toNumber(row[j]);
      if (!Number.isFinite(x)) this.fail(i, this.header[j], `expected ${what}, got ${row[j] === '' || row[j] == null ? 'an empty field' : quote(row[j])}.`);
      return x;
    };
    const r = num(this.jReward, 'a number (the reward)');
    const a = num(this.jAction, 'an action index (a whole number ≥ 0)');
    if (!Number.isInteger(a) || a < 0) this.fail(i, this.header[this.jAction], `expected an action index (a whole number ≥ 0), got ${quote(row[this.jAction])}.`);
    if (this.nActions !== null && a >= this.nActions) {
      this.fail(i, this.header[this.jAction], `action ${a} is out of range: the ${this.nActions} columns pi_e_0…pi_e_${this.nActions - 1} define actions 0…${this.nActions - 1}.`);
    }
    if (a > 2_147_483_646) this.fail(i, this.header[this.jAction], `action ${a} is too large.`);
    const p = num(this.jPscore, 'a propensity in (0, 1]');
    if (!(p > 0 && p <= 1)) {
      this.fail(i, this.header[this.jPscore], `expected the logging policy’s probability of the logged action, in (0, 1], got ${row[this.jPscore]}${p <= 0 ? ' (a logged action must have had a positive probability)' : ''}.`);
    }
    const need = i + 1;
    this.reward.ensure(need);
    this.action.ensure(need);
    this.pscore.ensure(need);
    this.reward.data[i] = r;
    this.action.data[i] = a;
    this.pscore.data[i] = p;
    if (this.position) {
      const base = this.mapping.positionBase ?? 0;
      const k = num(this.jPosition, `a position (a whole number ≥ ${base})`) - base;
      if (!Number.isInteger(k) || k < 0) this.fail(i, this.header[this.jPosition], `expected a position (a whole number ≥ ${base}${base ? ': positions in the Open Bandit Dataset layout start at 1' : ''}), got ${quote(row[this.jPosition])}.`);
      this.position.ensure(need);
      this.position.data[i] = k;
    }
    if (this.piELogged) {
      const e = num(this.jPiE, 'a probability in [0, 1]');
      if (!(e >= 0 && e <= 1)) this.fail(i, this.header[this.jPiE], `expected the evaluation policy’s probability of the logged action, in [0, 1], got ${row[this.jPiE]}.`);
      this.piELogged.ensure(need);
      this.piELogged.data[i] = e;
    }
    if (this.piE) {
      const k = this.nActions;
      this.piE.ensure(need);
      const d = this.piE.data;
      let sum = 0;
      for (let b = 0; b < k; b++) {
        const j = this.piECols[b];
        const e = num(j, 'a probability in [0, 1]');
        if (!(e >= 0 && e <= 1)) this.fail(i, this.header[j], `expected a probability in [0, 1], got ${row[j]}.`);
        d[i * k + b] = e;
        sum += e;
      }
      if (Math.abs(sum - 1) > SUM_TOLERANCE) {
        this.fail(i, null, `the evaluation policy’s probabilities pi_e_0…pi_e_${k - 1} sum to ${Number(sum.toPrecision(6))}, not 1 (each row must be a probability distribution over the ${k} actions).`);
      }
    }
    if (this.q) {
      const k = this.nActions;
      this.q.ensure(need);
      for (let b = 0; b < k; b++) this.q.data[i * k + b] = num(this.qCols[b], 'a number (the reward model’s prediction)');
    }
    this.n = need;
  }

  /** The columns read so far: `{ n, reward, action, pscore, position?, piE?, piELogged?, q?, nActions, nStrata }`. */
  finish() {
    const n = this.n;
    if (n === 0) throw new FileProblem('The file has a header but no data rows.');
    const out = {
      n,
      reward: this.reward.take(n),
      action: this.action.take(n),
      pscore: this.pscore.take(n),
      policy: this.policy,
      rewardModel: this.mapping.rewardModel,
    };
    let maxAction = 0;
    for (let i = 0; i < n; i++) if (out.action[i] > maxAction) maxAction = out.action[i];
    out.nActions = this.nActions ?? maxAction + 1;
    if (this.position) {
      out.position = this.position.take(n);
      let maxK = 0;
      for (let i = 0; i < n; i++) if (out.position[i] > maxK) maxK = out.position[i];
      out.nStrata = maxK + 1;
    } else out.nStrata = 1;
    if (this.piE) out.piE = this.piE.take(n);
    if (this.piELogged) out.piELogged = this.piELogged.take(n);
    if (this.q) out.q = this.q.take(n);
    return out;
  }
}
