// Read OBP's reference fixtures (tests/fixtures/obp/*.json.gz) into JS values.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const dir = new URL('../fixtures/obp/', import.meta.url);

export function fixture(name) {
  return JSON.parse(gunzipSync(readFileSync(new URL(name, dir))).toString('utf8'));
}

/** A float, decoding the fixture's "NaN" / "Infinity" strings. */
export function float(v) {
  if (typeof v === 'number') return v;
  return { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }[v] ?? Number(v);
}

export const floats = (a) => Float64Array.from(a.data, float);
export const ints = (a) => Int32Array.from(a.data);

/** Equal to `tol`, with NaN equal to NaN. */
export function close(a, b, tol) {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= tol;
}
