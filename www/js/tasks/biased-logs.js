// Lesson 1, "Your logs are biased": the scenario lives in the core (src/lessons/biased_logs.rs);
// this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const biasedLogs = (rv, state, cancelled) => runLesson(rv, 'biased-logs', state, cancelled);
