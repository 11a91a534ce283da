// The Web Worker that runs the Wasm module off the main thread. It receives { id, task, state, data },
// runs the lesson's task (an async generator of partial results), posts each partial result, and
// abandons a job as soon as a newer one arrives (the next slider move cancels the previous run).
import * as rv from '../pkg/receval.js';
import { tasks, taskData } from './tasks/index.js';

let latest = 0;

/** Let queued messages (a newer job) run before continuing. */
const yieldNow = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The files an exercise reads (a lesson that reads files gets its defaults filled in). */
const filesFor = async (a) => (typeof a.lesson === 'string' && Object.hasOwn(taskData, a.lesson) ? taskData[a.lesson](a.data ?? {}) : a.data);

/** Calls into the core that do not replace the running job (exercises). */
const calls = new Map([
  ['exercise', async (a) => rv.lessonExercise(a.lesson, a.id, a.seed, await filesFor(a))],
  ['checkExercise', async (a) => rv.checkExercise(a.lesson, a.id, a.seed, a.answer, await filesFor(a))],
]);

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg && typeof msg === 'object' && typeof msg.callId === 'number' && typeof msg.call === 'string') {
    const fn = calls.get(msg.call);
    try {
      if (!fn) throw new Error(`unknown call ${msg.call}`);
      self.postMessage({ callId: msg.callId, type: 'result', result: await fn(msg.args ?? {}) });
    } catch (e) {
      self.postMessage({ callId: msg.callId, type: 'call-error', message: e?.message ?? String(e) });
    }
    return;
  }
  if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number' || typeof msg.task !== 'string') return;
  latest = msg.id;
  // an own property only: a task name such as 'toString' must not reach Object.prototype
  const run = Object.hasOwn(tasks, msg.task) ? tasks[msg.task] : undefined;
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
