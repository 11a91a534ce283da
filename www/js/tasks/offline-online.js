// Lesson 5, "Does offline predict online?": the scenario lives in the core
// (src/lessons/offline_online.rs); this task streams its partial outputs to the page.
import { runLesson } from './common.js';

export const offlineOnline = (rv, state, cancelled) => runLesson(rv, 'offline-online', state, cancelled);
