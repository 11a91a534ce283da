// Every lesson's worker task, by name. A task is an async generator: (rv, state, cancelled) →
// partial results, the last one complete.
import { biasedLogs } from './biased-logs.js';
import { randomBucket } from './random-bucket.js';
import { estimators } from './estimators.js';
import { positionBias } from './position-bias.js';
import { offlineOnline } from './offline-online.js';
import { intent } from './intent.js';
import { feedback } from './feedback.js';
import { coldStart } from './cold-start.js';
import { stakeholders } from './stakeholders.js';
import { causalGraph } from './causal-graph.js';
import { markets } from './markets.js';
import { realLogs, realLogsFiles } from './real-logs.js';
import { largeCatalogs } from './large-catalogs.js';
import { choosingEstimators } from './choosing-estimators.js';

export const tasks = {
  'biased-logs': biasedLogs,
  'random-bucket': randomBucket,
  estimators,
  'position-bias': positionBias,
  'offline-online': offlineOnline,
  intent,
  feedback,
  'cold-start': coldStart,
  stakeholders,
  'causal-graph': causalGraph,
  markets,
  'real-logs': realLogs,
  'large-catalogs': largeCatalogs,
  'choosing-estimators': choosingEstimators,
};

/** The files a lesson's exercise reads, from what the page sends (lessons that read files only). */
export const taskData = {
  'real-logs': realLogsFiles,
};
