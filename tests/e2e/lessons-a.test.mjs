// Half of the lessons (every other one in www/index.html): see lesson-suite.mjs.
import { after } from 'node:test';
import { teardown } from './helpers.mjs';
import { lessonSuites } from './lesson-suite.mjs';

after(teardown);
lessonSuites(0, 2);
