// The Web Worker that runs the Wasm module off the main thread. It receives { id, task, state, data },
// runs the lesson's task (an async generator of partial results), posts each partial result, and
// abandons a job as soon as a newer one arrives (the next slider move cancels the previous run).
import * as rv from '../pkg/receval.js';
import { tasks } from './tasks/index.js';

let latest = 0;

/** Let queued messages (a newer job) run before continuing. */
const yieldNow = () => new Promise((resolve) => setTimeout(resolve, 0));

self.onmessage = async (event) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number' || typeof msg.task !== 'string') return;
  latest = msg.id;
  const run = tasks[msg.task];
  if (!run) {
    self.postMessage({ id: msg.id, type: 'error', message: `unknown task ${msg.task}` });
    return;
  }
  const cancelled = () => latest !== msg.id;
  try {
    for await (const partial of run(rv, msg.state, cancelled, msg.data)) {
      if (cancelled()) return;
      self.postMessage({ id: msg.id, type: 'partial', result: partial });
      await yieldNow();
      if (cancelled()) return;
    }
    if (!cancelled()) self.postMessage({ id: msg.id, type: 'done' });
  } catch (e) {
    if (!cancelled()) self.postMessage({ id: msg.id, type: 'error', message: e?.message ?? String(e) });
  }
};

self.postMessage({ type: 'ready', version: rv.version() });
