// The main-thread side of the worker: start a job, receive its partial results, drop the results
// of any job that a newer one replaced.

export class TaskRunner {
  constructor(url = new URL('./worker.js', import.meta.url)) {
    this.seq = 0;
    this.current = null;
    this.worker = new Worker(url, { type: 'module' });
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener('message', (e) => { if (e.data?.type === 'ready') resolve(e.data.version); }, { once: false });
      this.worker.addEventListener('error', (e) => reject(new Error(e.message || 'the worker failed to start (could the WebAssembly module load?)')));
    });
    this.worker.addEventListener('message', (e) => this.#receive(e.data));
    this.worker.addEventListener('error', (e) => {
      this.current?.onError?.(new Error(e.message || 'the worker failed'));
    });
  }

  /**
   * Run `task` with `state` (and optional `data` that is not part of the URL state, e.g. a file
   * the learner loaded); callbacks: onPartial(result), onDone(), onError(error).
   */
  run(task, state, callbacks, data = undefined) {
    const id = ++this.seq;
    this.current = { id, ...callbacks, started: performance.now() };
    this.worker.postMessage({ id, task, state, data });
    return id;
  }

  /** Call a synchronous core function in the worker (it does not replace the running job). */
  call(fn, args) {
    this.calls ??= new Map();
    this.callSeq = (this.callSeq ?? 0) + 1;
    const callId = this.callSeq;
    return new Promise((resolve, reject) => {
      this.calls.set(callId, { resolve, reject });
      this.worker.postMessage({ callId, call: fn, args });
    });
  }

  #receive(msg) {
    if (msg && typeof msg.callId === 'number') {
      const pending = this.calls?.get(msg.callId);
      if (!pending) return;
      this.calls.delete(msg.callId);
      if (msg.type === 'result') pending.resolve(msg.result);
      else pending.reject(new Error(msg.message));
      return;
    }
    const job = this.current;
    if (!msg || !job || msg.id !== job.id) return;
    if (msg.type === 'partial') job.onPartial?.(msg.result);
    else if (msg.type === 'done') job.onDone?.();
    else if (msg.type === 'error') job.onError?.(new Error(msg.message));
  }

  terminate() {
    this.worker.terminate();
  }
}
