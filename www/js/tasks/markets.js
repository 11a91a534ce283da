// Lesson 11, "Many markets, many languages": the scenario lives in the core
// (src/lessons/markets.rs); this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const markets = (rv, state, cancelled) => runLesson(rv, 'markets', state, cancelled);
