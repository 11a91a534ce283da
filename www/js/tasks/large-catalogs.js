// Lesson "Large catalogs": the scenario lives in the core (src/lessons/large_catalogs.rs, which
// keeps the replicated logs of a setting between runs, so that moving the catalog slider redraws
// from memory); this task streams its partial outputs, at most one every ~250 ms.
import { runLesson } from './common.js';
import { throttled } from './throttle.js';

export const largeCatalogs = (rv, state, cancelled) => throttled(runLesson(rv, 'large-catalogs', state, cancelled), 250);
