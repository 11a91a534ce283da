// Lesson 6, "A skip is not always a dislike": the scenario lives in the core
// (src/lessons/intent.rs); this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const intent = (rv, state, cancelled) => runLesson(rv, 'intent', state, cancelled);
