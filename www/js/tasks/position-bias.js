// Lesson 4, "Position bias in rankings": the scenario lives in the core
// (src/lessons/position_bias.rs); this task streams its partial outputs to the page. The first two
// (click-through by slot, then the estimators on the page's log) go out at once; the replicated
// logs, one per step, at most every 250 ms, so that the page redraws its charts a few times a
// second rather than after every log.
import { nextTick } from './common.js';

const EVERY_MS = 250;

export async function* positionBias(rv, state, cancelled) {
  const run = new rv.LessonRun('position-bias', state);
  try {
    let last = -Infinity;
    let held;
    for (;;) {
      const out = run.step();
      if (cancelled()) return;
      if (out === undefined) {
        if (held) yield held;
        return;
      }
      const now = performance.now();
      if (out.done <= 1 || now - last >= EVERY_MS) {
        last = now;
        held = undefined;
        yield out;
      } else {
        held = out;
      }
      await nextTick();
      if (cancelled()) return;
    }
  } finally {
    run.free();
  }
}
