// Lesson state: a typed, versioned registry of every control, serialized to the URL hash so that a
// link reproduces the exact run (the seed is a control like any other). Modelled on TensorFlow
// Playground's state.ts: `<control>_hide=true` hides a control, which instructors use to focus a
// classroom on one knob.
//
// Hash format: #v=1&beta=2&share=0.01&seed=42&seed_hide=true&embed=1
// Malformed or out-of-range values never break a page: they fall back to the default and the
// page says which ones (parseHash returns `problems`).

export const STATE_VERSION = 1;

/**
 * Control kinds:
 *  - number: { min, max, step, default, unit?, format?(v) }
 *  - steps:  { values: [..], default, format?(v) }  a slider over an explicit list (non-linear scales)
 *  - int:    { min, max, step?, default }
 *  - choice: { options: [{ value, label }], default }
 *  - bool:   { default }
 * Every control has a `key` (URL name), a `label` and optionally `help` and `group`.
 */
export function defineControls(list) {
  const registry = new Map();
  for (const c of list) {
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(c.key)) throw new Error(`control key ${JSON.stringify(c.key)}: letters and digits only`);
    if (registry.has(c.key)) throw new Error(`control key ${c.key} defined twice`);
    if (!['number', 'steps', 'int', 'choice', 'bool'].includes(c.type)) throw new Error(`control ${c.key}: unknown type ${c.type}`);
    const check = coerce(c, String(c.default));
    if (!check.ok) throw new Error(`control ${c.key}: default ${c.default} is invalid: ${check.reason}`);
    registry.set(c.key, Object.freeze({ ...c }));
  }
  return registry;
}

export function defaults(registry) {
  const s = {};
  for (const [k, c] of registry) s[k] = c.default;
  return s;
}

/** Parse one raw string for a control: { ok, value } or { ok: false, reason }. */
export function coerce(c, raw) {
  switch (c.type) {
    case 'number': {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v)) return { ok: false, reason: 'not a number' };
      if (v < c.min || v > c.max) return { ok: false, reason: `outside [${c.min}, ${c.max}]` };
      return { ok: true, value: v };
    }
    case 'steps': {
      const v = Number(raw);
      const hit = c.values.find((x) => x === v || Math.abs(x - v) <= 1e-12 * Math.max(1, Math.abs(x)));
      return hit === undefined ? { ok: false, reason: `not one of ${c.values.join(', ')}` } : { ok: true, value: hit };
    }
    case 'int': {
      const v = Number(raw);
      if (raw === '' || !Number.isInteger(v)) return { ok: false, reason: 'not an integer' };
      if (v < c.min || v > c.max) return { ok: false, reason: `outside [${c.min}, ${c.max}]` };
      return { ok: true, value: v };
    }
    case 'choice': {
      const hit = c.options.find((o) => String(o.value) === raw);
      return hit ? { ok: true, value: hit.value } : { ok: false, reason: `not one of ${c.options.map((o) => o.value).join(', ')}` };
    }
    case 'bool':
      if (raw === 'true' || raw === '1') return { ok: true, value: true };
      if (raw === 'false' || raw === '0') return { ok: true, value: false };
      return { ok: false, reason: 'not true or false' };
    default:
      return { ok: false, reason: 'unknown control type' };
  }
}

/**
 * Read a hash (with or without the leading '#').
 * Returns { state, hidden: Set<key>, embed: boolean, problems: string[] }.
 */
export function parseHash(hash, registry) {
  const state = defaults(registry);
  const hidden = new Set();
  const problems = [];
  let embed = false;
  const text = (hash ?? '').replace(/^#/, '');
  if (!text) return { state, hidden, embed, problems };
  let params;
  try {
    params = new URLSearchParams(text);
  } catch {
    return { state, hidden, embed, problems: ['the link could not be read'] };
  }
  const version = params.get('v');
  if (version !== null && version !== String(STATE_VERSION)) {
    problems.push(`the link is from settings version ${version}; this page uses version ${STATE_VERSION}`);
  }
  for (const [k, raw] of params) {
    if (k === 'v') continue;
    if (k === 'embed') {
      embed = raw === '1' || raw === 'true';
      continue;
    }
    if (k.endsWith('_hide')) {
      const key = k.slice(0, -5);
      if (registry.has(key)) {
        if (raw === 'true' || raw === '1') hidden.add(key);
      } else problems.push(`unknown control "${key}" to hide`);
      continue;
    }
    const c = registry.get(k);
    if (!c) {
      problems.push(`unknown setting "${k}"`);
      continue;
    }
    const r = coerce(c, raw);
    if (r.ok) state[k] = r.value;
    else problems.push(`${c.label}: "${raw}" is ${r.reason}; using ${formatValue(c, c.default)}`);
  }
  return { state, hidden, embed, problems };
}

/** Serialize the whole state (every control, so links survive changes of defaults). */
export function serialize(state, registry, { hidden = new Set(), embed = false } = {}) {
  const params = new URLSearchParams();
  params.set('v', String(STATE_VERSION));
  for (const [k] of registry) params.set(k, String(state[k]));
  for (const k of hidden) if (registry.has(k)) params.set(`${k}_hide`, 'true');
  if (embed) params.set('embed', '1');
  return params.toString();
}

/** Validate a state object coming from elsewhere (postMessage): known keys, valid values. */
export function validateState(obj, registry) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { ok: false, reason: 'state must be an object' };
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    const c = registry.get(k);
    if (!c) return { ok: false, reason: `unknown control "${k}"` };
    if (!['string', 'number', 'boolean'].includes(typeof v)) return { ok: false, reason: `${k}: expected a number, string or boolean` };
    const r = coerce(c, String(v));
    if (!r.ok) return { ok: false, reason: `${k}: ${r.reason}` };
    out[k] = r.value;
  }
  return { ok: true, state: out };
}

export function formatValue(c, v) {
  if (c.format) return c.format(v);
  if (c.type === 'choice') return c.options.find((o) => o.value === v)?.label ?? String(v);
  if (c.type === 'bool') return v ? 'on' : 'off';
  return `${v}${c.unit ? ` ${c.unit}` : ''}`;
}
