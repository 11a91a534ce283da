// Lesson 10, "Draw the graph before you trust the data": the scenario lives in the core
// (src/lessons/causal_graph.rs); this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const causalGraph = (rv, state, cancelled) => runLesson(rv, 'causal-graph', state, cancelled);
