// Frontend mutation testing: each hand-made mutation below breaks the site the way a real bug
// would (numbers print as dashes, a chart throws, a value label stops following its slider, a
// preset is ignored, the page never draws, formulas stay raw TeX). For each, a copy of www/ is
// mutated and the browser suite of one lesson runs against it: the suite must FAIL. A mutation
// the suite survives is a hole in the tests.
//
//   node scripts/mutate-frontend.mjs            every mutation (make mutants runs it; ~6 min)
//   node scripts/mutate-frontend.mjs fmt-dash   only these
//
// Needs the built site (scripts/build.sh). Exit code 1 if any mutation survives.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LESSON = process.env.MUTANT_LESSON ?? 'biased-logs';

export const MUTATIONS = [
  { id: 'fmt-dash', what: 'every number prints as "—"', file: 'js/charts.js', find: 'export function fmt(x, digits = 3) {', replace: "export function fmt(x, digits = 3) {\n  return '—';" },
  { id: 'chart-throws', what: 'a chart throws while drawing', file: 'js/charts.js', find: 'export function show(el, { make, data, table, description }) {', replace: "export function show(el, { make, data, table, description }) {\n  throw new Error('mutant: chart failed');" },
  { id: 'label-stuck', what: "a control's value label never follows it", file: 'js/controls.js', find: 'out.textContent = text;', replace: 'out.textContent = out.textContent || text;' },
  { id: 'preset-ignored', what: "a preset's state is ignored", file: 'js/lesson.js', find: 'state = presetState(p);', replace: 'state = { ...state };' },
  { id: 'no-render', what: 'results arrive but the page never draws them', file: 'js/lesson.js', find: 'def.render(result, snapshot, figures, root);', replace: 'void result;' },
  { id: 'raw-tex', what: 'the math typesetter fails and leaves raw TeX', file: 'js/math.js', find: 'const temml = globalThis.temml;', replace: "const temml = { render() { throw new Error('mutant'); } };" },
];

const only = process.argv.slice(2);
const chosen = MUTATIONS.filter((m) => !only.length || only.includes(m.id));
let survived = 0;
for (const m of chosen) {
  const dir = mkdtempSync(join(tmpdir(), `receval-mutant-${m.id}-`));
  try {
    cpSync(join(ROOT, 'www'), dir, { recursive: true });
    const path = join(dir, m.file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(m.find)) throw new Error(`${m.id}: ${m.file} no longer contains ${JSON.stringify(m.find)}; update the mutation`);
    writeFileSync(path, text.replace(m.find, m.replace));
    const t = Date.now();
    const r = spawnSync(
      process.execPath,
      ['--test', `--test-name-pattern=lesson ${LESSON}`, 'tests/e2e/lessons-a.test.mjs', 'tests/e2e/lessons-b.test.mjs'],
      { cwd: ROOT, env: { ...process.env, RECEVAL_WWW: dir }, encoding: 'utf8' },
    );
    const failed = (r.stdout.match(/^# fail (\d+)/m) ?? [])[1];
    const caught = r.status !== 0 && Number(failed) > 0;
    if (!caught) survived++;
    console.log(`${caught ? 'caught  ' : 'SURVIVED'} ${m.id.padEnd(15)} ${m.what} (${failed ?? '?'} failing tests, ${Math.round((Date.now() - t) / 1000)} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`${chosen.length - survived} of ${chosen.length} frontend mutations caught by the browser suite (lesson ${LESSON})`);
process.exit(survived ? 1 : 0);
