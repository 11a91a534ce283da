// Typed values: a spec builds each valid argument as a tree of nodes `{ v, t }` (the value and
// its type), so that a mutation of any argument, field or element knows what the contract says
// about it. `unwrap` gives the plain JS value passed to receval; `locations` lists every place a
// mutation can hit, with the argument names an error about it may use.

/** The smallest positive normal double: propensities below it (subnormals) are refused. */
export const MIN_NORMAL = 2.2250738585072014e-308;

const node = (v, t) => ({ v, t });

/**
 * Type constructors. Options common to all: `optional` (absent/undefined/null means the default),
 * `def` (the default, to tell whether removing the value changes the result).
 */
export const T = {
  /**
   * A number: `lo`/`hi` bounds (closed unless `loOpen`/`hiOpen`), `int`, `inf` (±Infinity in the
   * domain when inside the bounds), `size` (an allocation size: large in-range values are not
   * tried), `cross` (extra names an error about a changed value may use: cross-field checks).
   */
  num: (v, o = {}) => node(v, { k: 'num', lo: -Infinity, hi: Infinity, ...o }),
  int: (v, o = {}) => node(v, { k: 'num', int: true, lo: 0, hi: 2 ** 53 - 1, ...o }),
  seed: (v, o = {}) => node(v, { k: 'num', int: true, lo: 0, hi: 2 ** 53 - 1, ...o }),
  /** A string; `enum` lists the accepted values (null: any short string). */
  str: (v, o = {}) => node(v, { k: 'str', enum: null, ...o }),
  bool: (v, o = {}) => node(v, { k: 'bool', ...o }),
  /**
   * An array of numbers: `elem` is the element domain (a `num` type's options), `group` a length
   * group (arrays whose lengths must agree: a length change may be reported on any of them),
   * `len`: 'fixed' (any other length is invalid, the default), 'free' (any length is valid).
   */
  floats: (v, o = {}) => node(v, { k: 'arr', elem: { lo: -Infinity, hi: Infinity, ...(o.elem ?? {}) }, len: 'fixed', ...o }),
  /** An array of indices: non-negative integers below `max`. */
  ints: (v, o = {}) => node(v, { k: 'arr', elem: { int: true, lo: 0, hi: (o.max ?? 2 ** 32) - 1 }, len: 'fixed', ...o }),
  /**
   * An object: `fields` are nodes; `absent` lists known optional keys that are not present (adding
   * them as `undefined` changes nothing); `keys`: every key the object may hold (for snake_case
   * variants); `proto`: whether the reader calls getPrototypeOf (plain-object check);
   * `keysEnumerated`: whether it calls ownKeys (unknown-key check).
   */
  obj: (fields, o = {}) => {
    const v = {};
    // `mode`: 'config' (read as a JSON-like tree: own enumerable keys of plain objects only) or
    // 'field' (read field by field from any non-array object, unknown keys checked on plain ones)
    const t = { k: 'obj', fields: {}, absent: [], mode: 'config', proto: o.mode === 'field', keysEnumerated: true, ...o };
    for (const [k, n] of Object.entries(fields)) {
      if (n === undefined) continue;
      v[k] = n.v;
      t.fields[k] = n.t;
    }
    return node(v, t);
  },
  /** An optional object argument that is absent (`undefined`). */
  none: (o = {}) => node(undefined, { k: 'obj', fields: {}, absent: [], mode: 'config', proto: o.mode === 'field', optional: true, missing: true, keysEnumerated: true, ...o }),
  /** An array of nodes (estimator lists, mixture components, markets). */
  list: (nodes, o = {}) => node(nodes.map((n) => n.v), { k: 'list', elems: nodes.map((n) => n.t), ...o }),
  /** An instance of a receval class (`cls` is its name). */
  cls: (v, cls, o = {}) => node(v, { k: 'cls', cls, ...o }),
  /** Accepted and ignored (OBP's `context`). */
  any: (v, o = {}) => node(v, { k: 'any', ...o }),
  /** OBD CSV text. */
  csv: (v, o = {}) => node(v, { k: 'csv', ...o }),
};

/** The plain value of a node. */
export const unwrap = (n) => n.v;

/** Every way to write the name of a path: `options.nRounds`, `nRounds`, `components[1].weight`, `weight`. */
export function renders(path) {
  const out = new Set();
  for (let s = 0; s < path.length; s++) {
    if (typeof path[s] !== 'string') continue;
    let name = '';
    for (let i = s; i < path.length; i++) {
      const x = path[i];
      name += typeof x === 'number' ? `[${x}]` : i === s ? x : `.${x}`;
    }
    out.add(name);
  }
  return out;
}

/**
 * Every mutable place in the arguments: `{ t, path, get(), set(x), parent, key, names }`.
 * `args` is the array of argument nodes (each with `name`, the argument's name in messages).
 */
export function locations(argNodes, values) {
  const out = [];
  const visit = (t, path, parent, key, unread) => {
    const loc = { t, path, parent, key, names: renders(path), unread: unread || !!t.unread };
    // `cross`: other names a cross-field check may report; `up`: enclosing objects it may report
    if (Array.isArray(t.cross)) for (const c of t.cross) loc.names.add(c);
    for (let k = 1; k <= (t.up ?? 0); k++) for (const n of renders(path.slice(0, path.length - k))) loc.names.add(n);
    // `siblings`: a changed discriminator (a config's `kind`) may be reported on the keys that
    // no longer belong
    if (t.siblings && parent[key] !== undefined) {
      const obj = parent;
      for (const k of Object.keys(obj)) if (k !== key) for (const n of renders([...path.slice(0, -1), k])) loc.names.add(n);
    }
    out.push(loc);
    const v = parent[key];
    if (t.k === 'obj' && v && typeof v === 'object') {
      for (const [k, ft] of Object.entries(t.fields)) visit(ft, [...path, k], v, k, loc.unread);
    } else if (t.k === 'list' && Array.isArray(v)) {
      t.elems.forEach((et, i) => visit(et, [...path, i], v, i, loc.unread));
    }
  };
  argNodes.forEach((a, i) => visit(a.t, [a.name], values, i, false));
  return out;
}

/** Names of everything inside a location (for object-level mutations: any field may be reported). */
export function namesWithin(loc, all) {
  const names = new Set(loc.names);
  // keys the reader knows but the object does not hold (a Proxy may be asked for them)
  for (const k of loc.t.absent ?? []) for (const n of renders([...loc.path, k])) names.add(n);
  for (const other of all) {
    if (other.path.length > loc.path.length && loc.path.every((x, i) => other.path[i] === x)) {
      for (const n of other.names) names.add(n);
    }
  }
  return names;
}

/** Names of the arrays of a length group (and the extra names the group declares). */
export function groupNames(group, all) {
  const names = new Set();
  for (const l of all) {
    if (l.t.group === group) {
      for (const n of l.names) names.add(n);
      for (const n of l.t.groupNames ?? []) names.add(n);
    }
  }
  return names;
}

/** Whether `x` is in a number type's domain. */
export function inDomain(x, t) {
  if (typeof x !== 'number' || Number.isNaN(x)) return false;
  if (!Number.isFinite(x) && !t.inf) return false;
  if (t.int && !Number.isInteger(x)) return false;
  const lo = t.lo ?? -Infinity;
  const hi = t.hi ?? Infinity;
  if (x < lo || (x === lo && t.loOpen)) return false;
  if (x > hi || (x === hi && t.hiOpen)) return false;
  return true;
}

/** snake_case of a camelCase key (`actionDist` → `action_dist`); the key itself when it has no capital. */
export const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
