// Small numeric helpers shared by the lessons' tasks (in the worker) and the charts (on the page).
// The seeded generators serve lesson-side randomness only; everything the estimators and the
// world draw comes from the Wasm core's xoshiro256++.

/** mulberry32: a small seeded generator of uniforms in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` standard normals from a uniform generator `rand` (Box–Muller, both of each pair). */
export function normals(rand, n) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** The q-quantile of an ascending array (linear interpolation); NaN when empty. */
export function quantileSorted(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The q-quantile of the finite values of `xs` (linear interpolation); NaN when there are none. */
export function quantile(xs, q) {
  return quantileSorted(xs.filter(Number.isFinite).sort((a, b) => a - b), q);
}
