// Forward a lesson's partial outputs at most once every `ms` milliseconds: the first and the last
// always, the ones in between only when enough time has passed (a run whose steps are a few
// milliseconds each would otherwise redraw every chart after every step).

/** `outputs` (an async iterable of partial outputs), thinned to one every `ms` milliseconds. */
export async function* throttled(outputs, ms) {
  let last = -Infinity;
  let pending;
  for await (const out of outputs) {
    const now = performance.now();
    if (now - last >= ms) {
      last = now;
      pending = undefined;
      yield out;
    } else pending = out;
  }
  if (pending !== undefined) yield pending;
}
