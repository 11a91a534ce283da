// The workbench's Web Worker: reads the file (streamed), checks every value, runs the estimators in
// the Wasm core and posts the report, with progress messages on the way. The page cancels a run by
// terminating this worker. Nothing here sends data anywhere but back to the page.
import * as rv from '../../pkg/estimators/receval.js';
import { FileProblem } from './columns.js';
import { inspect, read } from './read.js';
import { buildReport } from './report.js';

const post = (msg) => self.postMessage(msg);

async function sourceOf(msg) {
  if (msg.url) {
    const res = await fetch(msg.url);
    if (!res.ok) throw new Error(`the sample ${msg.url} could not be loaded (HTTP ${res.status})`);
    return { name: msg.name, text: await res.text() };
  }
  return msg.file ?? { name: msg.name, text: msg.text };
}

self.onmessage = async (event) => {
  const msg = event.data ?? {};
  const t0 = performance.now();
  try {
    const source = await sourceOf(msg);
    if (msg.type === 'inspect') {
      post({ type: 'inspected', info: await inspect(source) });
      return;
    }
    if (msg.type !== 'evaluate') return;
    const info = msg.info ?? (await inspect(source));
    post({ type: 'progress', phase: 'Reading the file', fraction: 0 });
    const cols = await read(rv, source, info, msg.mapping, (fraction) => post({ type: 'progress', phase: 'Reading the file', fraction }));
    const readMs = performance.now() - t0;
    const report = buildReport(rv, cols, { name: source.name ?? msg.name ?? 'file', format: info.format, layout: info.layout, mapping: msg.mapping }, {
      onProgress: ({ phase, done, total }) => post({ type: 'progress', phase, fraction: total ? done / total : undefined }),
    });
    report.timing = { readMs: Math.round(readMs), totalMs: Math.round(performance.now() - t0) };
    post({ type: 'report', report });
  } catch (e) {
    post({ type: 'error', problem: e instanceof FileProblem, message: e?.message ?? String(e) });
  }
};

post({ type: 'ready', version: rv.version() });
