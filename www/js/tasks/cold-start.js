// Lesson 8, "Ask the new user": the scenario lives in the core (src/lessons/cold_start.rs); this
// task streams its partial outputs to the page. Called with `state.play = { moves, listener }`
// (the page's second worker), the same scenario replays one onboarding session for the "be the
// new listener" panel.
//
// The comparison adds one simulated listener per step, about a hundred steps: the page redraws the
// first two outputs (the first listener, then the played session's start), the last one, and at
// most four a second in between; the others only move the progress bar.
import { runLesson } from './common.js';

const REDRAW_MS = 250;
const PROGRESS_MS = 40;

export async function* coldStart(rv, state, cancelled) {
  let drawn = 0;
  let lastDraw = 0;
  let lastBeat = 0;
  let pending = null;
  for await (const out of runLesson(rv, 'cold-start', state, cancelled)) {
    const now = performance.now();
    const complete = out.progress.done >= out.progress.total;
    if (!out.curves || drawn < 2 || complete || now - lastDraw >= REDRAW_MS) {
      drawn++;
      lastDraw = lastBeat = now;
      pending = null;
      yield out;
    } else {
      pending = out;
      if (now - lastBeat >= PROGRESS_MS) {
        lastBeat = now;
        yield { progress: out.progress };
      }
    }
  }
  if (pending && !cancelled()) yield pending;
}
