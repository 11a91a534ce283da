// Mutation operators. Each takes a location (one argument, field or array of the call; see
// schema.mjs) and returns mutations that change exactly that place, each with its verdict:
//
//   invalid     the call must throw an Error naming the place (`options.nRounds`, `reward`, …)
//   equivalent  the call must succeed with the same result as the unmutated call
//   valid       the call must succeed (a different value inside the documented domain)
//   either      success or a named rejection are both within the contract (each use says why);
//               with `sameIfOk`, a success must also give the unmutated result
//
// A mutation is `{ op, desc, verdict, names, patterns?, sameIfOk?, apply() }`; `apply` edits the
// freshly built arguments in place (or the receiver, through `env`).
import { inDomain, namesWithin, groupNames, snake } from './schema.mjs';

const RECEIVER_PATTERNS = [/^`this`: (expected an? \w+, got|this \w+ was freed)/];
const DEEP = 1500;

/** A value's short description for reproducer lines. */
export function show(x, depth = 0) {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return x.length > 24 ? `${JSON.stringify(x.slice(0, 20))}…(${x.length})` : JSON.stringify(x);
  if (typeof x === 'symbol') return 'Symbol()';
  if (typeof x === 'function') return 'function';
  if (typeof x === 'boolean') return String(x);
  try {
    if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${x.length})`;
    if (Array.isArray(x)) {
      if (x.length > 8 || depth > 1) return `Array(${x.length})`;
      return `[${Array.from(x, (e) => show(e, depth + 1)).join(', ')}]`;
    }
    if (depth > 1) return '{…}';
    const ks = Object.keys(x);
    return `{${ks.slice(0, 5).map((k) => `${k}: ${show(x[k], depth + 1)}`).join(', ')}${ks.length > 5 ? ', …' : ''}}`;
  } catch {
    return 'object';
  }
}

const pathName = (loc) => {
  let s = '';
  loc.path.forEach((x, i) => {
    s += typeof x === 'number' ? `[${x}]` : i ? `.${x}` : x;
  });
  return s;
};

/** The verdict of removing a value (undefined / null / deleting the key). */
function absentVerdict(t, v) {
  if (t.absentEither) return 'either';
  if (!t.optional) return 'invalid';
  if ('def' in t && t.def !== undefined && same(v, t.def)) return 'equivalent';
  if (t.change === 'invalid') return 'invalid';
  return 'valid';
}

function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A deeply nested object `{ a: { a: … } }` or array `[[[…]]]`. */
function deep(kind) {
  let x = kind === 'array' ? [] : {};
  for (let i = 0; i < DEEP; i++) x = kind === 'array' ? [x] : { a: x };
  return x;
}

let HUGE = null;
/** One object of 100,001 keys, built once (receval only reads it). */
function hugeObject() {
  if (!HUGE) {
    HUGE = {};
    for (let k = 0; k < 100_001; k++) HUGE[`k${k}`] = k;
    Object.freeze(HUGE);
  }
  return HUGE;
}

function sparse(length) {
  const a = [];
  a.length = length;
  return a;
}

/** A Proxy whose `trap` throws. */
function throwingProxy(target, trap) {
  return new Proxy(target, {
    [trap]() {
      throw new Error(`${trap} trap`);
    },
  });
}

function revoked(target) {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A thrown value of every kind: Errors, strings, null, objects whose `message` getter throws. */
function thrownValue(r) {
  return r.pick([
    () => new Error('boom'),
    () => 'boom',
    () => null,
    () => undefined,
    () => 42,
    () => Symbol('boom'),
    () => ({ get message() { throw new Error('message getter'); } }),
    () => Object.defineProperty(new Error('boom'), 'message', { get() { throw new Error('again'); } }),
    () => new Proxy({}, { get() { throw new Error('proxy'); } }),
  ])();
}

const mut = (loc, op, desc, verdict, apply, extra = {}) => ({
  op,
  desc: `${pathName(loc)}: ${desc}`,
  verdict,
  names: extra.names ?? loc.names,
  apply,
  unread: loc.unread,
  ...extra,
});

/** Put `x` at the location. */
const put = (loc, x) => () => {
  loc.parent[loc.key] = x;
};

/** Replace the location by a getter (only for places inside an object or array we built). */
const getter = (loc, get) => () => {
  Object.defineProperty(loc.parent, loc.key, { get, enumerable: true, configurable: true });
};

const inside = (loc) => loc.path.length > 1;

// Wrong-typed values, each made fresh (some are mutable).
function wrongTypes(v, env) {
  return [
    ['a string', () => 'abc'],
    ['the empty string', () => ''],
    ['a numeric string', () => (typeof v === 'number' ? String(v) : '1')],
    ['true', () => true],
    ['false', () => false],
    ['a BigInt', () => 1n],
    ['a Symbol', () => Symbol('s')],
    ['a function', () => () => v],
    ['{}', () => ({})],
    ['[]', () => []],
    ['a Date', () => new Date(0)],
    ['a Map', () => new Map([[0, v]])],
    ['a boxed Number', () => new Number(typeof v === 'number' ? v : 1)],
    ['a boxed String', () => new String(typeof v === 'string' ? v : '1')],
    ['an object with valueOf', () => ({ valueOf: () => v })],
    ['an object with toString', () => ({ toString: () => String(v) })],
    ['a receval object', () => env.receval()],
    ['an Error', () => new Error('x')],
    ['a RegExp', () => /x/],
    ['a WeakMap', () => new WeakMap()],
    ['a Promise', () => Promise.resolve(v)],
  ];
}

// ---------------------------------------------------------------------------------------------
// Generic operators (any place inside an object or array)

function accessorOps(loc, env) {
  if (!inside(loc)) return [];
  const v = loc.parent[loc.key];
  const ops = [
    (r) => {
      const e = thrownValue(r);
      return mut(loc, 'getter.throws', `getter that throws ${show(e)}`, 'invalid', getter(loc, () => {
        throw e;
      }));
    },
  ];
  if (env.hasSelf) {
    // free() inside a getter of the call's own arguments: the call finishes (the object stays
    // alive until it returns), then the object is gone.
    ops.push(() => mut(loc, 'getter.frees-self', 'getter that frees the receiver and returns the value', 'equivalent', getter(loc, () => {
      env.self()?.free?.();
      return v;
    }), { freesSelf: true }));
    // Re-entrant use of the receiver while it is borrowed by the call: a `&mut self` method may
    // refuse (a named error), an `&self` one may allow it; both are fine, a trap or leak is not.
    ops.push(() => mut(loc, 'getter.reenters', 'getter that calls a method of the receiver', 'either', getter(loc, () => {
      env.touchSelf();
      return v;
    }), { sameIfOk: true }));
  }
  if (env.clsArgs().length) {
    ops.push((r) => {
      const target = r.pick(env.clsArgs());
      return mut(loc, 'getter.frees-arg', `getter that frees the ${target.name} argument`, 'equivalent', getter(loc, () => {
        target.get()?.free?.();
        return v;
      }));
    });
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Numbers

function numberOps(loc, env) {
  const t = loc.t;
  const v = loc.parent[loc.key];
  // `effHi`: values above it are in the type's range but invalid for this call (k ≤ nItems);
  // `change: 'invalid'`: any other value breaks a cross-field check (a shape, a sum of 1)
  const verdictOf = (x, opt = {}) => {
    if (!inDomain(x, t)) return 'invalid';
    if (t.effHi !== undefined && x > t.effHi) return 'invalid';
    if (t.effLo !== undefined && x < t.effLo) return 'invalid';
    if (t.change === 'invalid' && x !== v) return 'invalid';
    if (opt.sub && t.sub === 'invalid') return 'invalid';
    if (t.size && Math.abs(x) > 1e4) return null; // a valid but expensive size: not tried
    return t.cross ? 'either' : 'valid';
  };
  const ops = [
    (r) => {
      const [what, make] = r.pick(wrongTypes(v, env));
      return mut(loc, 'num.wrong-type', what, 'invalid', put(loc, make()));
    },
    (r) => {
      const x = r.pick([undefined, null]);
      return mut(loc, 'num.absent', show(x), absentVerdict(t, v), put(loc, x));
    },
    (r) => {
      const x = r.pick([NaN, Infinity, -Infinity]);
      const verdict = verdictOf(x);
      return verdict && mut(loc, 'num.non-finite', show(x), verdict, put(loc, x));
    },
    (r) => {
      const x = r.pick([1e-320, 5e-324, -5e-324]);
      const verdict = verdictOf(x, { sub: true });
      return verdict && mut(loc, 'num.subnormal', show(x), verdict, put(loc, x));
    },
    (r) => {
      // out of range: just past a bound, or the bound itself when it is open
      const cands = [];
      if (t.effHi !== undefined && t.effHi < t.hi) cands.push(t.int ? t.effHi + 1 : nextUp(t.effHi));
      if (t.effLo !== undefined && t.effLo > t.lo) cands.push(t.int ? t.effLo - 1 : nextDown(t.effLo));
      if (Number.isFinite(t.hi)) cands.push(t.hiOpen ? t.hi : t.int ? t.hi + 1 : nextUp(t.hi));
      if (Number.isFinite(t.lo)) cands.push(t.loOpen ? t.lo : t.int ? t.lo - 1 : nextDown(t.lo));
      if (!cands.length) return null;
      const x = r.pick(cands);
      return mut(loc, 'num.out-of-range', show(x), verdictOf(x) ?? 'invalid', put(loc, x));
    },
  ];
  if (v === 0) ops.push(() => mut(loc, 'num.negative-zero', '-0 for 0', 'equivalent', put(loc, -0)));
  if (t.int) {
    ops.push((r) => {
      const x = r.pick([v + 0.5, -1, -0.5, 2 ** 31, 2 ** 32, 2 ** 32 + (v | 0), 2 ** 53, 2 ** 53 + 2, 1e9, 1e300, 1e6, -(2 ** 53)]);
      const verdict = verdictOf(x);
      return verdict && mut(loc, 'num.bad-integer', show(x), verdict, put(loc, x));
    });
  }
  if (!inside(loc)) {
    if (env.hasSelf) {
      ops.push(() => mut(loc, 'num.valueOf-frees-self', 'an object whose valueOf frees the receiver', 'invalid', put(loc, {
        valueOf() {
          env.self()?.free?.();
          return v;
        },
      }), { freesSelf: true }));
    }
  } else {
    // A value that changes between reads: the first read sees the valid number, later reads a
    // numeric string. Reading once (or refusing) is right; using the string is a coercion.
    ops.push(() => {
      let n = 0;
      return mut(loc, 'num.toctou', 'getter: the number, then a numeric string', 'either', getter(loc, () => (n++ ? String(v) : v)), { sameIfOk: true });
    });
  }
  return ops;
}

function nextUp(x) {
  if (x === 0) return 5e-324;
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  i[0] += x > 0 ? 1n : -1n;
  return b[0];
}
const nextDown = (x) => -nextUp(-x);

// ---------------------------------------------------------------------------------------------
// Strings (names, enums) and booleans

function stringOps(loc, env) {
  const t = loc.t;
  const v = loc.parent[loc.key];
  const ops = [
    (r) => {
      const [what, make] = r.pick([
        ['a number', () => 1],
        ['0', () => 0],
        ['true', () => true],
        ['a BigInt', () => 1n],
        ['a Symbol', () => Symbol(v)],
        ['a function', () => () => v],
        ['{}', () => ({})],
        ['[name]', () => [v]],
        ['a boxed String', () => new String(v)],
        ['an object with toString', () => ({ toString: () => v })],
        ['a Date', () => new Date(0)],
        ['a receval object', () => env.receval()],
      ]);
      return mut(loc, 'str.wrong-type', what, 'invalid', put(loc, make()));
    },
    (r) => {
      const x = r.pick([undefined, null]);
      return mut(loc, 'str.absent', show(x), absentVerdict(t, v), put(loc, x));
    },
    () => mut(loc, 'str.too-long', 'a string of 201 characters', 'invalid', put(loc, 'x'.repeat(201))),
  ];
  if (t.enum) {
    ops.push((r) => {
      const cands = [v.toUpperCase(), ` ${v}`, `${v} `, '', `${v}\0`, v.slice(0, -1), `x${v}`, `${v}\ud800`, v.normalize('NFD') + '\u0301']
        .filter((x) => !t.enum.includes(x));
      const x = r.pick(cands);
      return mut(loc, 'str.unknown', show(x), 'invalid', put(loc, x));
    });
  }
  return ops;
}

function boolOps(loc) {
  const t = loc.t;
  const v = loc.parent[loc.key];
  return [
    (r) => {
      const [what, x] = r.pick([['1', 1], ['0', 0], ['"true"', 'true'], ['a boxed Boolean', new Boolean(true)], ['{}', {}], ['[]', []]]);
      return mut(loc, 'bool.wrong-type', what, 'invalid', put(loc, x));
    },
    (r) => {
      const x = r.pick([undefined, null]);
      return mut(loc, 'bool.absent', show(x), absentVerdict(t, v), put(loc, x));
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Arrays of numbers

const fits = {
  Float32Array: (x) => Math.fround(x) === x || Number.isNaN(x),
  Int32Array: (x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31,
  Uint32Array: (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32,
  Int16Array: (x) => Number.isInteger(x) && x >= -(2 ** 15) && x < 2 ** 15,
  Uint8Array: (x) => Number.isInteger(x) && x >= 0 && x < 256,
  Uint8ClampedArray: (x) => Number.isInteger(x) && x >= 0 && x < 256,
  Int8Array: (x) => Number.isInteger(x) && x >= -128 && x < 128,
  Float64Array: () => true,
};

function arrayOps(loc, env, all) {
  const t = loc.t;
  const arr = loc.parent[loc.key];
  if (!Array.isArray(arr)) return [];
  const n = arr.length;
  const lenNames = new Set([...loc.names, ...(t.group ? groupNames(t.group, all) : []), ...(t.lenNames ?? [])]);
  const lengthVerdict = (m) => {
    if (m === n) return 'equivalent';
    if (t.len === 'free') return m === 0 && t.nonEmpty ? 'invalid' : 'valid';
    if (t.len === 'min') return m < t.minLen ? 'invalid' : 'either';
    return 'invalid';
  };
  const elemT = { k: 'num', ...t.elem };
  const ops = [
    (r) => {
      const [what, make] = r.pick([
        ['a number', () => arr[0] ?? 1],
        ['a string', () => String(arr)],
        ['true', () => true],
        ['{}', () => ({})],
        ['a Map', () => new Map(arr.map((x, i) => [i, x]))],
        ['a Set', () => new Set(arr)],
        ['a Date', () => new Date(0)],
        ['a function', () => () => arr],
        ['a Symbol', () => Symbol('s')],
        ['a BigInt', () => 1n],
        ['an ArrayBuffer', () => new Float64Array(arr).buffer],
        ['a DataView', () => new DataView(new Float64Array(arr).buffer)],
        ['a BigInt64Array', () => new BigInt64Array(n)],
        ['a receval object', () => env.receval()],
        ['a boxed String', () => new String(String(arr))],
        ['an object with valueOf', () => ({ valueOf: () => arr })],
      ]);
      return mut(loc, 'arr.wrong-type', what, 'invalid', put(loc, make()));
    },
    (r) => {
      const x = r.pick([undefined, null]);
      return mut(loc, 'arr.absent', show(x), absentVerdict(t, arr), put(loc, x));
    },
    // The same numbers in another container.
    (r) => {
      const kinds = Object.keys(fits).filter((k) => arr.every(fits[k]));
      const k = r.pick(kinds);
      return mut(loc, 'arr.typed', `the same numbers as a ${k}`, 'equivalent', put(loc, globalThis[k].from(arr)));
    },
    (r) => {
      const how = r.pick(['subarray', 'shared', 'resizable', 'length-throws', 'length-lies', 'frozen']);
      const make = {
        // a view into the middle of a buffer holding other numbers
        subarray: () => {
          const big = new Float64Array(n + 5).fill(NaN);
          big.set(arr, 2);
          return big.subarray(2, 2 + n);
        },
        shared: () => {
          const a = new Float64Array(new SharedArrayBuffer(8 * n));
          a.set(arr);
          return a;
        },
        resizable: () => {
          const a = new Float64Array(new ArrayBuffer(8 * n, { maxByteLength: 8 * n + 64 }));
          a.set(arr);
          return a;
        },
        // a typed array's own `length` is a script's property: the real length is in the slot
        'length-throws': () => Object.defineProperty(Float64Array.from(arr), 'length', { get() { throw new Error('length'); } }),
        'length-lies': () => Object.defineProperty(Float64Array.from(arr), 'length', { value: 2 ** 31 }),
        frozen: () => Object.freeze([...arr]),
      }[how];
      return mut(loc, 'arr.typed-exotic', `the same numbers (${how})`, 'equivalent', put(loc, make()));
    },
    (r) => {
      const how = r.pick(['subclass', 'proxy', 'extra-props', 'from']);
      const make = {
        subclass: () => {
          class Numbers extends Array {}
          return Numbers.from(arr);
        },
        proxy: () => new Proxy([...arr], {}),
        'extra-props': () => Object.assign([...arr], { foo: 'bar', [Symbol('s')]: 1, 1.5: 'x', '-1': 'y' }),
        from: () => Array.from({ length: n }, (_, i) => arr[i]),
      }[how];
      return mut(loc, 'arr.array-exotic', `the same numbers (${how})`, 'equivalent', put(loc, make()));
    },
    // An Array's elements are its numbers; an own iterator that yields others must not be used
    // instead of them (reading by index, as for the validation, gives the same result).
    () => {
      const a = [...arr];
      const other = arr.map((x, i) => arr[(i + 1) % n]);
      if (n < 2 || same(other, arr)) return null;
      a[Symbol.iterator] = function* () {
        yield* other;
      };
      return mut(loc, 'arr.own-iterator', 'an Array whose own Symbol.iterator yields other numbers', 'equivalent', put(loc, a));
    },
    (r) => {
      const a = [...arr];
      const e = thrownValue(r);
      a[Symbol.iterator] = () => {
        throw e;
      };
      // either: reading by index needs no iterator; if one is used, its exception must be named
      return mut(loc, 'arr.iterator-throws', 'an Array whose own Symbol.iterator throws', 'either', put(loc, a), { sameIfOk: true });
    },
    // ArrayLike<number> is in the TypeScript types (`Floats`, `Indices`), but the implementation
    // reads only Arrays and typed arrays: either is within the contract (reported).
    () => {
      const o = { length: n };
      arr.forEach((x, i) => (o[i] = x));
      return mut(loc, 'arr.array-like', 'an array-like { length, 0: … }', 'either', put(loc, o), { sameIfOk: true });
    },
    // A Proxy is not an ArrayBuffer view: refusing it (named) or reading its numbers are both fine.
    () => mut(loc, 'arr.proxy-typed', 'a Proxy of a Float64Array', 'either', put(loc, new Proxy(Float64Array.from(arr), {})), { sameIfOk: true }),
    (r) => {
      const trap = r.pick(['get', 'has', 'getOwnPropertyDescriptor']);
      // `get` is always needed; `has`/descriptors only if the reader checks for holes that way
      const verdict = trap === 'get' ? 'invalid' : 'either';
      return mut(loc, 'arr.proxy-throws', `a Proxy of the Array whose ${trap} trap throws`, verdict, put(loc, throwingProxy([...arr], trap)), { sameIfOk: true });
    },
    (r) => {
      const trap = r.pick(['ownKeys', 'getPrototypeOf', 'defineProperty', 'set']);
      // traps an array reader has no reason to call: either (sameIfOk)
      return mut(loc, 'arr.proxy-unused-trap', `a Proxy of the Array whose ${trap} trap throws`, 'either', put(loc, throwingProxy([...arr], trap)), { sameIfOk: true });
    },
    () => mut(loc, 'arr.revoked', 'a revoked Proxy', 'invalid', put(loc, revoked([...arr]))),
    () => mut(loc, 'arr.deep', `an array nested ${DEEP} deep`, 'invalid', put(loc, deep('array'))),
    (r) => {
      const m = r.pick([0, n - 1, n + 1].filter((x) => x >= 0 && x !== n));
      const a = m < n ? arr.slice(0, m) : [...arr, ...arr.slice(0, m - n)];
      if (m > n && n === 0) return null;
      return mut(loc, 'arr.length', `length ${n} → ${m}`, lengthVerdict(m), put(loc, a), { names: lenNames });
    },
    () => {
      const a = Float64Array.from(arr);
      structuredClone(a.buffer, { transfer: [a.buffer] }); // detach: the view now has length 0
      return mut(loc, 'arr.detached', 'a Float64Array whose buffer was detached', lengthVerdict(0), put(loc, a), { names: lenNames });
    },
    (r) => {
      // sparse arrays of huge length must be refused from their length, without reading them
      const m = r.weighted([[30, 2 ** 31], [30, 2 ** 32 - 1], [30, 2 ** 27 + 1], [1, 2 ** 27]]);
      return mut(loc, 'arr.huge-sparse', `a sparse Array of length ${m}`, 'invalid', put(loc, sparse(m)), { names: lenNames });
    },
  ];
  if (n > 0) ops.push(...elementOps(loc, env, arr, elemT));
  return ops;
}

function elementOps(loc, env, arr, elemT) {
  const t = loc.t;
  const i = (r) => r.int(0, arr.length - 1);
  const at = (idx) => ({ ...loc, names: new Set([...loc.names, ...[...loc.names].map((nm) => `${nm}[${idx}]`)]) });
  const setAt = (idx, x) => () => {
    loc.parent[loc.key][idx] = x;
  };
  const desc = (idx, d) => `[${idx}] = ${d}`;
  const verdictOf = (x, idx, opt = {}) => {
    // `nonFinite`: the verdict for NaN and ±∞ where a reader keeps them on purpose
    if (typeof x === 'number' && !Number.isFinite(x) && elemT.nonFinite) return elemT.nonFinite;
    if (!inDomain(x, elemT)) return 'invalid';
    if (opt.sub && elemT.sub === 'invalid') return 'invalid';
    // in a probability row, a changed non-zero entry breaks the row's sum; `change: 'invalid'`:
    // any change breaks a cross-element check (equal values within a slate)
    if (elemT.dist && arr[idx] !== 0 && x !== arr[idx]) return 'invalid';
    if (elemT.change === 'invalid' && x !== arr[idx]) return 'invalid';
    return elemT.cross ? 'either' : 'valid';
  };
  const ops = [
    (r) => {
      const idx = i(r);
      const x0 = arr[idx];
      const [what, make] = r.pick([
        ['null', () => null],
        ['undefined', () => undefined],
        ['true', () => true],
        ['a numeric string', () => String(x0)],
        ['[x]', () => [x0]],
        ['a Date', () => new Date(0)],
        ['an object with valueOf', () => ({ valueOf: () => x0 })],
        ['a BigInt', () => 1n],
        ['a Symbol', () => Symbol('s')],
        ['a function', () => () => x0],
        ['a boxed Number', () => new Number(x0)],
        ['"NaN"', () => 'NaN'],
      ]);
      return mut(at(idx), 'elem.wrong-type', desc(idx, what), 'invalid', setAt(idx, make()));
    },
    (r) => {
      const idx = i(r);
      return mut(at(idx), 'elem.hole', `hole at [${idx}]`, 'invalid', () => {
        delete loc.parent[loc.key][idx];
      });
    },
    (r) => {
      const idx = i(r);
      const x = r.pick([NaN, Infinity, -Infinity]);
      return mut(at(idx), 'elem.non-finite', desc(idx, show(x)), verdictOf(x, idx), setAt(idx, x));
    },
    (r) => {
      const idx = i(r);
      const x = r.pick([1e-320, 5e-324]);
      return mut(at(idx), 'elem.subnormal', desc(idx, show(x)), verdictOf(x, idx, { sub: true }), setAt(idx, x));
    },
    (r) => {
      const idx = i(r);
      const cands = [];
      if (elemT.int) cands.push(-1, 0.5, arr[idx] + 0.5, 2 ** 32, 2 ** 53, elemT.hi + 1);
      else {
        if (Number.isFinite(elemT.hi)) cands.push(elemT.hi + 0.5, nextUp(elemT.hi));
        if (Number.isFinite(elemT.lo)) cands.push(elemT.lo - 0.5, elemT.loOpen ? elemT.lo : nextDown(elemT.lo));
      }
      const bad = cands.filter((x) => !inDomain(x, elemT));
      if (!bad.length) return null;
      const x = r.pick(bad);
      return mut(at(idx), 'elem.out-of-range', desc(idx, show(x)), 'invalid', setAt(idx, x));
    },
    (r) => {
      const idx = i(r);
      const e = thrownValue(r);
      return mut(at(idx), 'elem.getter-throws', `getter at [${idx}] that throws ${show(e)}`, 'invalid', () => {
        Object.defineProperty(loc.parent[loc.key], idx, { get() { throw e; }, enumerable: true, configurable: true });
      });
    },
    (r) => {
      // Time of check, time of use: a getter that gives the valid number on the first read and
      // something else later. Reading each element once (or refusing) is right; validating one
      // value and using another is not (with a numeric string, that is a silent coercion).
      const idx = i(r);
      const x0 = arr[idx];
      // (a later number would be no coercion, just a second read: not tried)
      const later = r.pick([String(other(arr, idx)), 'abc']);
      let reads = 0;
      return mut(at(idx), 'elem.toctou', `getter at [${idx}]: ${show(x0)}, then ${show(later)}`, 'either', () => {
        Object.defineProperty(loc.parent[loc.key], idx, { get: () => (reads++ ? later : x0), enumerable: true, configurable: true });
      }, { sameIfOk: true, mismatch: 'silent coercion' });
    },
  ];
  const zeros = arr.map((x, k) => (x === 0 ? k : -1)).filter((k) => k >= 0);
  if (zeros.length) {
    ops.push((r) => {
      const idx = r.pick(zeros);
      return mut(at(idx), 'elem.negative-zero', `[${idx}] = -0 for 0`, 'equivalent', setAt(idx, -0));
    });
  }
  if (env.hasSelf) {
    ops.push((r) => {
      const idx = i(r);
      const x0 = arr[idx];
      return mut(at(idx), 'elem.getter-frees-self', `getter at [${idx}] that frees the receiver`, 'equivalent', () => {
        Object.defineProperty(loc.parent[loc.key], idx, { get() { env.self()?.free?.(); return x0; }, enumerable: true, configurable: true });
      }, { freesSelf: true });
    });
  }
  return ops;
}

/** Another valid element value (from the same array) for TOCTOU getters. */
function other(arr, idx) {
  for (let k = 1; k < arr.length; k++) {
    const x = arr[(idx + k) % arr.length];
    if (x !== arr[idx]) return x;
  }
  return arr[idx] === 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Objects

function objectOps(loc, env, all) {
  const t = loc.t;
  const o = loc.parent[loc.key];
  const within = namesWithin(loc, all);
  const fieldKeys = Object.keys(t.fields);
  const copy = () => ({ ...o });
  if (t.missing || o === undefined) {
    return [
      (r) => {
        const x = r.pick([{}, null, Object.create(null)]);
        return mut(loc, 'obj.empty-for-absent', show(x), 'equivalent', put(loc, x));
      },
      (r) => {
        if (!t.absent.length) return null;
        const k = r.pick(t.absent);
        return mut(loc, 'obj.undefined-fields', `{ ${k}: undefined }`, 'equivalent', put(loc, { [k]: undefined }));
      },
      () => mut(loc, 'obj.unknown-key', '{ fooBar: 1 }', 'invalid', put(loc, { fooBar: 1 }), { names: new Set([...within, `${pathName(loc)}.fooBar`, 'fooBar']) }),
      ...commonObjectOps(loc, env, {}, within),
    ];
  }
  const ops = [
    (r) => {
      const x = r.pick([undefined, null]);
      // a missing object may be reported as its first missing required field
      return mut(loc, 'obj.absent', show(x), absentVerdict(t, o), put(loc, x), { names: within });
    },
    (r) => {
      const key = r.pick(['fooBar', 'constructor', '__proto__', 'toString', 'x'.repeat(300), '0', '']);
      const val = r.pick([1, undefined, null, 'x']);
      return mut(loc, 'obj.unknown-key', `extra key ${show(key)}: ${show(val)}`, 'invalid', put(loc, Object.defineProperty(copy(), key, { value: val, enumerable: true, configurable: true, writable: true })), {
        names: new Set([...within, `${pathName(loc)}.${key}`, key]),
      });
    },
    () => mut(loc, 'obj.symbol-key', 'an extra Symbol-keyed property', 'equivalent', put(loc, Object.assign(copy(), { [Symbol('s')]: 1 }))),
    () => mut(loc, 'obj.non-enumerable', 'an extra non-enumerable property', 'equivalent', put(loc, Object.defineProperty(copy(), 'hidden', { value: 1, enumerable: false }))),
    () => mut(loc, 'obj.null-prototype', 'the same fields on a null-prototype object', 'equivalent', put(loc, Object.assign(Object.create(null), o))),
    () => mut(loc, 'obj.frozen', 'the same object, frozen', 'equivalent', put(loc, Object.freeze(copy()))),
    () => {
      const g = {};
      for (const k of Object.keys(o)) Object.defineProperty(g, k, { get: () => o[k], enumerable: true });
      return mut(loc, 'obj.getters', 'the same fields as getters', 'equivalent', put(loc, g));
    },
    () => mut(loc, 'obj.proxy', 'a pass-through Proxy', 'equivalent', put(loc, new Proxy(copy(), {}))),
  ];
  if (t.instanceOk !== false) {
    ops.push(() => {
      class Options {}
      return mut(loc, 'obj.class-instance', 'the same fields on a class instance', 'equivalent', put(loc, Object.assign(new Options(), o)));
    });
  }
  const camel = fieldKeys.filter((k) => snake(k) !== k);
  if (camel.length) {
    ops.push((r) => {
      const k = r.pick(camel);
      const c = copy();
      c[snake(k)] = c[k];
      delete c[k];
      return mut(loc, 'obj.snake-case', `OBP's snake_case key ${snake(k)} for ${k}`, 'invalid', put(loc, c), {
        names: new Set([...within, `${pathName(loc)}.${snake(k)}`, snake(k)]),
      });
    });
  }
  if (fieldKeys.length) {
    ops.push((r) => {
      const k = r.pick(fieldKeys);
      const c = copy();
      delete c[k];
      const ft = t.fields[k];
      const floc = all.find((l) => l.parent === o && l.key === k);
      return mut(loc, 'obj.remove-field', `without ${k}`, absentVerdict(ft, o[k]), put(loc, c), { names: new Set([...(floc?.names ?? []), ...loc.names]) });
    });
  }
  if (t.absent.length) {
    ops.push((r) => {
      const k = r.pick(t.absent);
      return mut(loc, 'obj.add-undefined', `with ${k}: undefined`, 'equivalent', put(loc, { ...o, [k]: undefined }));
    });
  }
  ops.push(...commonObjectOps(loc, env, o, within));
  return ops;
}

/** Operators for any object-typed place (present or absent): wrong types, hostile Proxies, depth. */
function commonObjectOps(loc, env, o, within) {
  const t = loc.t;
  const deepNames = new Set([...within, ...[...loc.names].map((n) => `${n}.a`)]);
  return [
    (r) => {
      const [what, make] = r.pick([
        ['a string', () => 'abc'],
        ['a number', () => 1],
        ['true', () => true],
        ['[]', () => []],
        ['[object]', () => [o]],
        ['a function', () => Object.assign(() => o, o)],
        ['a Symbol', () => Symbol('s')],
        ['a BigInt', () => 1n],
        ['a Date', () => new Date(0)],
        ['a Map', () => new Map(Object.entries(o))],
        ['a boxed Number', () => new Number(1)],
        ['a boxed String', () => new String('abc')],
        ['a receval object', () => env.receval()],
        ['an Error', () => Object.assign(new Error('x'), o)],
        ['a typed array', () => new Float64Array(2)],
      ]);
      // a receval object read as a config holds one unknown key, `__wbg_ptr`
      if (what === 'a receval object') for (const n of [...loc.names]) within.add(`${n}.__wbg_ptr`), within.add('__wbg_ptr');
      // A field-by-field reader takes any non-array object and reads its properties (as for
      // class instances): a Date or Map without the fields is refused for a missing field, or
      // read with defaults; both are within the contract. A config reader refuses them outright.
      const exotic = t.mode === 'field' && !['a string', 'a number', 'true', '[]', '[object]', 'a function', 'a Symbol', 'a BigInt'].includes(what);
      return mut(loc, 'obj.wrong-type', what, exotic ? 'either' : 'invalid', put(loc, make()), { names: within });
    },
    (r) => {
      const trap = r.pick(['get', 'ownKeys', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'has']);
      // `get` is always used; `ownKeys` when keys are checked; `getPrototypeOf` when the reader
      // tells plain objects from class instances; the others only if the reader happens to use them
      const needed = trap === 'get' ? !t.missing || Object.keys(o).length > 0 : trap === 'ownKeys' ? t.keysEnumerated : trap === 'getPrototypeOf' ? t.proto : false;
      const target = Object.keys(o).length ? { ...o } : { x: 1 };
      // a throwing `get` on an object with no fields to read may never be called
      const verdict = needed ? 'invalid' : 'either';
      return mut(loc, 'obj.proxy-throws', `a Proxy whose ${trap} trap throws`, verdict, put(loc, throwingProxy(target, trap)), { names: within, sameIfOk: false });
    },
    () => mut(loc, 'obj.revoked', 'a revoked Proxy', 'invalid', put(loc, revoked({ ...o })), { names: within }),
    (r) => {
      const kind = r.pick(['object', 'array']);
      const d = deep(kind);
      const x = kind === 'object' ? { ...o, a: d.a } : d;
      return mut(loc, 'obj.deep', `${kind === 'object' ? 'an extra key' : 'an array'} nested ${DEEP} deep`, 'invalid', put(loc, x), { names: deepNames });
    },
    (r) => {
      // slow to build and to refuse (about a second): drawn rarely
      if (r.next() > 0.05) return null;
      return mut(loc, 'obj.huge', 'an object of 100,001 keys', 'invalid', put(loc, hugeObject()), { names: new Set([...within, ...[...loc.names].map((n) => `${n}.k0`), 'k0']) });
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Lists of objects or names (estimators, mixture components, markets)

function listOps(loc, env, all) {
  const t = loc.t;
  const a = loc.parent[loc.key];
  if (!Array.isArray(a)) return [];
  const within = namesWithin(loc, all);
  const n = a.length;
  return [
    (r) => {
      const [what, make] = r.pick([
        ['a string', () => 'abc'],
        ['{}', () => ({})],
        ['a number', () => 1],
        ['a Float64Array', () => new Float64Array(n)],
        ['a Set', () => new Set(a)],
        ['a function', () => () => a],
        ['a Symbol', () => Symbol('s')],
      ]);
      return mut(loc, 'list.wrong-type', what, 'invalid', put(loc, make()));
    },
    (r) => {
      const x = r.pick([undefined, null]);
      return mut(loc, 'list.absent', show(x), absentVerdict(t, a), put(loc, x));
    },
    () => mut(loc, 'list.empty', '[]', t.emptyVerdict ?? 'invalid', put(loc, []), { names: within }),
    (r) => {
      if (n < 2) return null;
      const k = r.int(0, n - 1);
      return mut(loc, 'list.drop', `without element ${k}`, t.dropVerdict ?? 'valid', put(loc, a.filter((_, j) => j !== k)), { names: within });
    },
    (r) => {
      const k = r.int(0, n - 1);
      return mut(loc, 'list.hole', `hole at [${k}]`, 'invalid', () => {
        delete loc.parent[loc.key][k];
      }, { names: within });
    },
    () => mut(loc, 'list.huge-sparse', 'a sparse Array of length 2**31', 'invalid', put(loc, sparse(2 ** 31)), { names: within }),
    () => mut(loc, 'list.deep', `an array nested ${DEEP} deep`, 'invalid', put(loc, deep('array')), { names: within }),
    () => mut(loc, 'list.proxy', 'a pass-through Proxy', 'equivalent', put(loc, new Proxy([...a], {}))),
    () => mut(loc, 'list.proxy-throws', 'a Proxy whose get trap throws', 'invalid', put(loc, throwingProxy([...a], 'get')), { names: within }),
    () => mut(loc, 'list.revoked', 'a revoked Proxy', 'invalid', put(loc, revoked([...a])), { names: within }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Receval objects passed as arguments, and the receiver of a method

function clsOps(loc, env) {
  const t = loc.t;
  const v = loc.parent[loc.key];
  const ops = [
    () => mut(loc, 'cls.freed', `a freed ${t.cls}`, 'invalid', () => {
      v.free();
    }),
    () => mut(loc, 'cls.freed-twice', `a ${t.cls} freed twice`, 'invalid', () => {
      v.free();
      v.free();
    }),
    (r) => {
      const [what, make] = r.pick([
        ['null', () => null],
        ['undefined', () => undefined],
        ['{}', () => ({})],
        ['a number', () => 8],
        ['a string', () => 'world'],
        ['another receval class', () => env.receval(t.cls)],
        ['an object with __wbg_ptr', () => ({ __wbg_ptr: 8 })],
      ]);
      return mut(loc, 'cls.wrong-type', what, 'invalid', put(loc, make()));
    },
    // A script can make any object pass `instanceof`: the glue must not hand its pointer to Wasm.
    (r) => {
      const how = r.pick(['forged', 'foreign-pointer']);
      const proto = env.rv[t.cls].prototype;
      const ptr = how === 'forged' ? r.pick([8, 1024, 2 ** 20, 2 ** 31]) : env.foreignPointer(t.cls);
      // (a forged pointer may corrupt Wasm memory without trapping: the worker is replaced after it)
      return mut(loc, 'cls.forged', `an object with ${t.cls}.prototype and ${how === 'forged' ? `__wbg_ptr ${ptr}` : "another class's pointer"}`, 'invalid', put(loc, Object.create(proto, { __wbg_ptr: { value: ptr } })), { poisons: true });
    },
    // A Proxy of the object is the object for `instanceof`: using it or refusing it are both fine.
    () => mut(loc, 'cls.proxy', `a pass-through Proxy of the ${t.cls}`, 'either', put(loc, new Proxy(v, {})), { sameIfOk: true }),
    (r) => {
      const trap = r.pick(['getPrototypeOf', 'get']);
      return mut(loc, 'cls.proxy-throws', `a Proxy of the ${t.cls} whose ${trap} trap throws`, 'invalid', put(loc, throwingProxy(v, trap)));
    },
    () => mut(loc, 'cls.revoked', 'a revoked Proxy', 'invalid', put(loc, revoked(v))),
  ];
  return ops;
}

/** Mutations of the receiver (`this`) of a method or getter. */
export function receiverOps(env) {
  const cls = env.selfClass;
  const m = (op, desc, verdict, apply, extra = {}) => ({ op, desc: `this: ${desc}`, verdict, names: new Set(), patterns: RECEIVER_PATTERNS, apply, ...extra });
  return [
    () => m('this.freed', `a freed ${cls}`, 'invalid', () => env.self().free()),
    () => m('this.freed-twice', `a ${cls} freed twice`, 'invalid', () => {
      env.self().free();
      env.self().free();
    }),
    (r) => {
      const [what, x] = r.pick([['null', null], ['undefined', undefined], ['{}', {}], ['a number', 8], ['a string', 'x'], [`Object.create(${cls}.prototype)`, Object.create(env.rv[cls].prototype)]]);
      return m('this.wrong-type', what, 'invalid', () => env.setSelf(x));
    },
    (r) => {
      const how = r.pick(['forged', 'foreign-pointer']);
      const ptr = how === 'forged' ? r.pick([8, 1024, 2 ** 20, 2 ** 31]) : env.foreignPointer(cls);
      return m('this.forged', how === 'forged' ? `{ __wbg_ptr: ${ptr} }` : `an object carrying another class's pointer`, 'invalid', () => env.setSelf(how === 'forged' ? { __wbg_ptr: ptr } : Object.create(env.rv[cls].prototype, { __wbg_ptr: { value: ptr } })), { poisons: true });
    },
    () => m('this.proxy', `a pass-through Proxy of the ${cls}`, 'either', () => env.setSelf(new Proxy(env.self(), {})), { sameIfOk: true }),
    () => m('this.revoked', 'a revoked Proxy', 'invalid', () => env.setSelf(revoked(env.self()))),
  ];
}

// ---------------------------------------------------------------------------------------------
// Values that are accepted and ignored (OBP's context), and OBD CSV text

function anyOps(loc) {
  // documented as "accepted and ignored, so that OBP-shaped objects pass": nothing about them matters
  return [
    (r) => {
      const [what, x] = r.pick([['a string', 'abc'], ['null', null], ['a Symbol', Symbol('s')], ['a function', () => 1], ['a BigInt', 1n], ['a revoked Proxy', revoked({})], ['an object nested deep', deep('object')], ['a sparse Array of length 2**31', sparse(2 ** 31)]]);
      return mut(loc, 'any.anything', what, 'equivalent', put(loc, x));
    },
    () => (inside(loc) ? mut(loc, 'any.getter-throws', 'getter that throws', 'either', getter(loc, () => {
      throw new Error('boom');
    }), { sameIfOk: true }) : null),
  ];
}

function csvOps(loc) {
  const v = loc.parent[loc.key];
  const lines = v.split('\n');
  const rows = lines.slice(1).filter((l) => l);
  const edit = (f) => put(loc, f());
  return [
    (r) => {
      const [what, x] = r.pick([['a number', 1], ['null', null], ['undefined', undefined], ['a boxed String', new String(v)], ['{}', {}], ['[csv]', [v]], ['an ArrayBuffer of the text', new TextEncoder().encode(v).buffer], ['a Uint8Array of the text', new TextEncoder().encode(v)]]);
      return mut(loc, 'csv.wrong-type', what, 'invalid', put(loc, x));
    },
    (r) => {
      const k = r.int(1, rows.length);
      const [what, f] = r.pick([
        ['a row with a column missing', (cells) => cells.slice(0, -1)],
        ['a row with a non-number', (cells) => cells.map((c, j) => (j === cells.length - 1 ? 'abc' : c))],
        ['a zero propensity', (cells) => cells.map((c, j) => (j === cells.length - 1 ? '0' : c))],
        ['a propensity above 1', (cells) => cells.map((c, j) => (j === cells.length - 1 ? '1.5' : c))],
        ['a NaN propensity', (cells) => cells.map((c, j) => (j === cells.length - 1 ? 'NaN' : c))],
        ['a negative item', (cells) => cells.map((c, j) => (j === 1 ? '-1' : c))],
        ['position 0', (cells) => cells.map((c, j) => (j === 2 ? '0' : c))],
        ['a fractional item', (cells) => cells.map((c, j) => (j === 1 ? '1.5' : c))],
        ['a huge item id', (cells) => cells.map((c, j) => (j === 1 ? '999999999' : c))],
        ['a click of 2', (cells) => cells.map((c, j) => (j === 3 ? '2' : c))],
      ]);
      const out = [...lines];
      out[k] = f(out[k].split(',')).join(',');
      return mut(loc, 'csv.bad-row', `line ${k + 1}: ${what}`, 'invalid', put(loc, out.join('\n')));
    },
    (r) => {
      const [what, x] = r.pick([['the empty text', ''], ['the header only', `${lines[0]}\n`], ['another header', v.replace('timestamp', 'time')], ['text without newlines', 'abc']]);
      return mut(loc, 'csv.bad-text', what, 'invalid', put(loc, x));
    },
    (r) => {
      const [what, f] = r.pick([
        ['CRLF line ends', () => v.replace(/\n/g, '\r\n')],
        ['a byte-order mark', () => `\ufeff${v}`],
        ['no final newline', () => v.replace(/\n$/, '')],
      ]);
      return mut(loc, 'csv.same-data', what, 'equivalent', edit(f));
    },
    (r) => {
      const k = r.int(0, v.length - 1);
      const c = r.pick(['x', ',', '\n', '"', '\0', ' ', '-', '.', 'é', '\ud800']);
      // a changed character may or may not leave a valid file; a rejection must name `csv`
      return mut(loc, 'csv.flip', `character ${k} → ${JSON.stringify(c)}`, 'either', put(loc, v.slice(0, k) + c + v.slice(k + 1)));
    },
  ];
}

/** Every operator family that applies to a location. */
export function opsFor(loc, env, all) {
  const k = loc.t.k;
  const own =
    k === 'num' ? numberOps(loc, env)
    : k === 'str' ? stringOps(loc, env)
    : k === 'bool' ? boolOps(loc)
    : k === 'arr' ? arrayOps(loc, env, all)
    : k === 'obj' ? objectOps(loc, env, all)
    : k === 'list' ? listOps(loc, env, all)
    : k === 'cls' ? clsOps(loc, env)
    : k === 'any' ? anyOps(loc)
    : k === 'csv' ? csvOps(loc)
    : [];
  const extra = loc.t.noAccessors || k === 'cls' || k === 'any' ? [] : accessorOps(loc, env);
  return [...own, ...extra];
}

/** Extra trailing arguments are ignored (JS semantics): the call is unchanged. */
export function extraArgOps(arity) {
  return [
    (r) => {
      const x = r.pick([1, 'x', null, {}, Symbol('s'), () => 1, new Proxy({}, { get() { throw new Error('never read'); } })]);
      return {
        op: 'args.extra',
        desc: `an extra argument ${show(x)} after the ${arity} declared`,
        verdict: 'equivalent',
        names: new Set(),
        apply: (args) => {
          while (args.length < arity) args.push(undefined);
          args.push(x);
        },
      };
    },
  ];
}

export { RECEIVER_PATTERNS };
