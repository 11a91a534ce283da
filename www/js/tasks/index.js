// Every lesson's worker task, by name. A task is an async generator: (rv, state, cancelled) →
// partial results, the last one complete.
import { biasedLogs } from './biased-logs.js';
import { randomBucket } from './random-bucket.js';
import { estimators } from './estimators.js';
import { positionBias } from './position-bias.js';
import { offlineOnline } from './offline-online.js';

export const tasks = {
  'biased-logs': biasedLogs,
  'random-bucket': randomBucket,
  estimators,
  'position-bias': positionBias,
  'offline-online': offlineOnline,
};
