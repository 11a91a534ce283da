// A fuzz worker: loads receval once, then runs the case indices it is sent. Before each case it
// writes the case's index to shared memory (so that the main thread can tell which case hangs
// and terminate it); after each case it posts the record. When a case leaves the module broken
// (the health check fails) it says so and exits: the main thread starts a fresh worker.
import { parentPort, workerData } from 'node:worker_threads';
import { loadReceval, runCase, health, SPECS } from './engine.mjs';

const ctrl = new Int32Array(workerData.ctrl);
const h = await loadReceval(workerData.module, workerData.pkg);
const only = workerData.only ? new RegExp(workerData.only) : null;

parentPort.on('message', ({ type, seed, from, to }) => {
  if (type !== 'run') return;
  for (let i = from; i < to; i++) {
    Atomics.store(ctrl, 0, i + 1);
    const rec = runCase(h, seed, i, only);
    Atomics.store(ctrl, 0, 0);
    parentPort.postMessage({ type: 'case', rec });
    if (h.broken) {
      // the main thread terminates this worker and finishes the chunk in a fresh one
      parentPort.postMessage({ type: 'broken', next: i + 1, to });
      return;
    }
  }
  parentPort.postMessage({ type: 'done', memory: h.exports.memory.buffer.byteLength });
});
// a module that fails before any case is no fuzz finding (e.g. pkg/ copied in the middle of a rebuild)
const sick = health(h);
parentPort.postMessage(sick ? { type: 'unhealthy', why: sick } : { type: 'ready', sp: !!h.sp, targets: SPECS.length });
