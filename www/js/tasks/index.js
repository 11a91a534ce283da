// Every lesson's worker task, by name. A task is an async generator: (rv, state, cancelled) →
// partial results, the last one complete.
import { biasedLogs } from './biased-logs.js';

export const tasks = {
  'biased-logs': biasedLogs,
};
