// Lesson state: a typed, versioned registry of every control, serialized to the URL hash so that a
// link reproduces the exact run (the seed is a control like any other). Modelled on TensorFlow
// Playground's state.ts: `<control>_hide=true` hides a control, which instructors use to focus a
// classroom on one knob.
//
// Hash format: #v=1&beta=2&share=0.01&seed=42&seed_hide=true&embed=1
// Malformed or out-of-range values never break a page: they fall back to the default and the
// page says which ones (parseHash returns `problems`).

export const STATE_VERSION = 1;
/** Longest hash read (a lesson's full state is a few hundred characters); longer ones are refused. */
export const MAX_HASH_LENGTH = 4096;
/** How much of a bad value a notice quotes. */
const QUOTE = 40;
const quote = (raw) => (raw.length > QUOTE ? `${raw.slice(0, QUOTE)}…` : raw);

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
    if (typeof c.format === 'string' && !['thousands', 'percent', 'fixed2', 'times'].includes(c.format)) throw new Error(`control ${c.key}: unknown format ${c.format}`);
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
  let learn = true;
  const text = (hash ?? '').replace(/^#/, '');
  if (!text) return { state, hidden, embed, learn, problems };
  if (text.length > MAX_HASH_LENGTH) {
    return { state, hidden, embed, learn, problems: [`the link's settings are ${text.length.toLocaleString('en')} characters long, more than the ${MAX_HASH_LENGTH.toLocaleString('en')} a lesson reads`] };
  }
  let params;
  try {
    params = new URLSearchParams(text);
  } catch {
    return { state, hidden, embed, learn, problems: ['the link could not be read'] };
  }
  const version = params.get('v');
  if (version !== null && version !== String(STATE_VERSION)) {
    problems.push(`the link is from settings version ${quote(version)}; this page uses version ${STATE_VERSION}`);
  }
  for (const [k, raw] of params) {
    if (k === 'v') continue;
    if (k === 'embed') {
      embed = raw === '1' || raw === 'true';
      continue;
    }
    if (k === 'learn') {
      // learn=0 hides the prompts and exercises (an instructor's embed without them)
      learn = !(raw === '0' || raw === 'false');
      continue;
    }
    if (k.endsWith('_hide')) {
      const key = k.slice(0, -5);
      if (registry.has(key)) {
        if (raw === 'true' || raw === '1') hidden.add(key);
      } else problems.push(`unknown control "${quote(key)}" to hide`);
      continue;
    }
    const c = registry.get(k);
    if (!c) {
      problems.push(`unknown setting "${quote(k)}"`);
      continue;
    }
    const r = coerce(c, raw);
    if (r.ok) state[k] = r.value;
    else problems.push(`${c.label}: "${quote(raw)}" is ${r.reason}; using ${formatValue(c, c.default)}`);
  }
  return { state, hidden, embed, learn, problems };
}

/** Serialize the whole state (every control, so links survive changes of defaults). */
export function serialize(state, registry, { hidden = new Set(), embed = false, learn = true } = {}) {
  const params = new URLSearchParams();
  params.set('v', String(STATE_VERSION));
  for (const [k] of registry) params.set(k, String(state[k]));
  for (const k of hidden) if (registry.has(k)) params.set(`${k}_hide`, 'true');
  if (embed) params.set('embed', '1');
  if (!learn) params.set('learn', '0');
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

/**
 * A control's value as its label shows it. `format` is declarative so that a lesson's controls can
 * live in its JSON spec: "thousands" (10,000), "percent" (25%; `zero` names 0, e.g. "none"),
 * "fixed2" (0.25), "times" (×1.5), { unit, units } (1 day, 7 days), or a function.
 */
export function formatValue(c, v) {
  if (typeof c.format === 'function') return c.format(v);
  if (c.zero !== undefined && v === 0) return c.zero;
  switch (c.format) {
    case 'thousands': return Number(v).toLocaleString('en');
    case 'percent': return `${(100 * v).toFixed(c.digits ?? 0)}%`;
    case 'fixed2': return Number(v).toFixed(2);
    case 'times': return `×${v}`;
    case undefined: break;
    default:
      if (c.format?.unit) return `${v} ${v === 1 ? c.format.unit : c.format.units}`;
  }
  if (c.type === 'choice') return c.options.find((o) => o.value === v)?.label ?? String(v);
  if (c.type === 'bool') return v ? 'on' : 'off';
  return `${v}${c.unit ? ` ${c.unit}` : ''}`;
}
