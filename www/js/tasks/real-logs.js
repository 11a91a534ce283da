// Lesson 12, "Real logs: the Open Bandit Dataset": the scenario lives in the core
// (src/lessons/real_logs.rs). This task hands it the two logs as files — the learner's uploads,
// `data = { logged: { text, id }, target: { text, id } }` (keyed by upload id, never part of the
// URL state), or the shipped sample — and streams the partial outputs.
import { nextTick } from './common.js';
import { throttled } from './throttle.js';

const texts = new Map();
async function shipped(name) {
  if (!texts.has(name)) {
    const res = await fetch(new URL(`../../data/obd/${name}`, import.meta.url));
    if (!res.ok) throw new Error(`could not load ${name} (HTTP ${res.status})`);
    texts.set(name, await res.text());
  }
  return { text: texts.get(name), id: `shipped ${name}` };
}

/** The two logs: the learner's uploads, or else the shipped sample (also what the exercise reads). */
export async function realLogsFiles(data = {}) {
  return {
    logged: data.logged ?? (await shipped('random_all.csv')),
    target: data.target ?? (await shipped('bts_all.csv')),
  };
}

async function* run(rv, state, cancelled, data) {
  const files = await realLogsFiles(data);
  const source = { logged: data.logged ? 'your CSV' : 'OBD random/all', target: data.target ? 'your CSV' : 'OBD bts/all' };
  const lesson = new rv.LessonRun('real-logs', state, files);
  try {
    for (;;) {
      const out = lesson.step();
      if (out === undefined || cancelled()) return;
      yield { ...out, source };
      await nextTick();
      if (cancelled()) return;
    }
  } finally {
    lesson.free();
  }
}

export const realLogs = (rv, state, cancelled, data = {}) => throttled(run(rv, state, cancelled, data), 100);
