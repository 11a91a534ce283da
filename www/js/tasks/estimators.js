// Lesson 3, "IPS, SNIPS, DM, DR and friends": the scenario lives in the core
// (src/lessons/estimators.rs, which keeps the replicated logs of a setting between runs, so that
// moving λ redraws from memory); this task streams its partial outputs, at most one every ~250 ms.
import { runLesson } from './common.js';
import { throttled } from './throttle.js';

export const estimators = (rv, state, cancelled) => throttled(runLesson(rv, 'estimators', state, cancelled), 250);
