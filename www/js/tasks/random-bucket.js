// Lesson 2, "The 1% randomized bucket": the scenario lives in the core
// (src/lessons/random_bucket.rs); this task streams its partial outputs to the page, at most one
// every ~120 ms (a replicate is a step; redrawing every chart after each would slow the run).
import { runLesson } from './common.js';
import { throttled } from './throttle.js';

export const randomBucket = (rv, state, cancelled) => throttled(runLesson(rv, 'random-bucket', state, cancelled), 120);
