// Helpers shared by the lesson tasks (they run inside the worker).

/**
 * Run lesson `slug`'s scenario in the core (rv.LessonRun) for `state`: yield each partial output,
 * pausing between steps so that a newer run (the next slider move) can cancel this one.
 * `shape(output)` adapts an output for the charts (default: as it is).
 */
export async function* runLesson(rv, slug, state, cancelled, shape = (x) => x) {
  const run = new rv.LessonRun(slug, state);
  try {
    for (;;) {
      const out = run.step();
      if (out === undefined || cancelled()) return;
      yield shape(out);
      await nextTick();
      if (cancelled()) return;
    }
  } finally {
    run.free();
  }
}

const worlds = new Map();

/**
 * A World for this config, cached (building one takes tens of milliseconds). The cache holds a few
 * worlds and evicts the oldest: a task that registers models on a world (addModel,
 * fitRecommender) must check they are still there, or key its own cache by the world object.
 */
export function getWorld(rv, config) {
  const key = JSON.stringify(config);
  let w = worlds.get(key);
  if (!w) {
    w = new rv.World(config);
    worlds.set(key, w);
    if (worlds.size > 4) {
      const [oldKey, old] = worlds.entries().next().value;
      worlds.delete(oldKey);
      old.free();
    }
  }
  return w;
}

/**
 * The naive offline estimate that ignores how the logs were collected: logged rewards weighted by
 * how much the candidate likes each logged item, Σ π_e(aᵢ|xᵢ) rᵢ / Σ π_e(aᵢ|xᵢ) — IPS without the
 * division by the logging propensity. `targetPscore` is log.targetPscore(target).
 */
export function naiveWeighted(reward, targetPscore) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < reward.length; i++) {
    num += targetPscore[i] * reward[i];
    den += targetPscore[i];
  }
  return den > 0 ? num / den : NaN;
}

/** Exposure share of each item under single-item probabilities (nUsers × nItems) and arrival. */
export function exposure(probs, arrival, nItems) {
  const e = new Float64Array(nItems);
  for (let u = 0; u < arrival.length; u++) {
    const w = arrival[u];
    if (w === 0) continue;
    for (let i = 0; i < nItems; i++) e[i] += w * probs[u * nItems + i];
  }
  return e;
}

/** Sum shares into popularity bins: bin 0 holds the most popular tenth of the catalog. */
export function byPopularityBin(shares, popularity, bins = 10) {
  const order = Array.from(popularity.keys()).sort((a, b) => popularity[b] - popularity[a]);
  const out = new Array(bins).fill(0);
  order.forEach((item, rank) => {
    out[Math.min(bins - 1, Math.floor((rank * bins) / order.length))] += shares[item];
  });
  return out;
}

export const nextTick = () => new Promise((r) => setTimeout(r, 0));
