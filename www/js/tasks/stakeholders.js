// Lesson 9, "Who else does the recommender serve?": the scenario lives in the core
// (src/lessons/stakeholders.rs); this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const stakeholders = (rv, state, cancelled) => runLesson(rv, 'stakeholders', state, cancelled);
