// Lesson "Which estimator should I trust?": the scenario lives in the core
// (src/lessons/choosing_estimators.rs); this task streams its partial outputs, at most one every ~250 ms.
import { runLesson } from './common.js';
import { throttled } from './throttle.js';

export const choosingEstimators = (rv, state, cancelled) => throttled(runLesson(rv, 'choosing-estimators', state, cancelled), 250);
