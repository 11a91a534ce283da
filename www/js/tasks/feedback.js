// Lesson 7, "Explicit and implicit signals": the scenario lives in the core
// (src/lessons/feedback.rs); this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const feedback = (rv, state, cancelled) => runLesson(rv, 'feedback', state, cancelled);
