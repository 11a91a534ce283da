// Seeded randomness for the fuzz harness: every case is generated from (seed, index) alone, so a
// case can be replayed by its index without running the ones before it.

/** A 32-bit hash of a list of integers (murmur3-style mixing). */
export function hash32(...xs) {
  let h = 0x9e3779b9;
  for (const x of xs) {
    // split numbers above 2³² into two words so that seeds up to 2⁵³ hash fully
    for (const w of [x >>> 0, Math.floor(x / 4294967296) >>> 0]) {
      let k = Math.imul(w, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small seeded generator (mulberry32) with the helpers the specs need. */
export class Rng {
  constructor(seed) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi] (inclusive). */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p) {
    return this.next() < p;
  }
  /** One element of an array. */
  pick(xs) {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** One element, by weight: `[[weight, value], …]`. */
  weighted(pairs) {
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
  /** A new independent generator derived from this one and a label. */
  fork(label = 0) {
    return new Rng(hash32(this.s, Math.floor(this.next() * 4294967296), label));
  }
  /** A seed for a sub-generator (so that two runs from it produce the same values). */
  seed() {
    return Math.floor(this.next() * 4294967296);
  }
  /** A dyadic probability vector of length n (sums to exactly 1, every entry k/2^m). */
  simplex(n, allowZero = true) {
    const units = 16;
    const counts = new Array(n).fill(allowZero ? 0 : 1);
    let left = units - (allowZero ? 0 : n);
    while (left > 0) {
      counts[this.int(0, n - 1)]++;
      left--;
    }
    return counts.map((c) => c / units);
  }
}

/** The generator of case `index` of a run with `seed`. */
export function caseRng(seed, index) {
  return new Rng(hash32(seed, index, 0x5eed));
}
