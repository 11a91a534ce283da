// Copy the course site's assets from www/ (as scripts/build.sh leaves it) into the Python package,
// so that the wheel carries the lessons' pages, ES modules, vendored libraries and the Wasm: the
// widgets work offline, with no CDN. Run by the hatch build hook (hatch_build.py); the copy is
// gitignored.
import { cpSync, existsSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const WWW = join(HERE, '..', 'www');
const OUT = join(HERE, 'src', 'receval_widget', 'static', 'site');

const required = ['pkg/receval_bg.wasm', 'pkg/receval.js', 'pkg/estimators/receval_bg.wasm', 'pkg/estimators/receval.js', 'vendor/charts.min.js'];
for (const f of required) {
  if (!existsSync(join(WWW, f))) {
    console.error(`build.mjs: ${join(WWW, f)} is missing: run scripts/build.sh first (it builds www/pkg and www/vendor)`);
    process.exit(1);
  }
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const entry of ['css', 'data', 'js', 'lessons', 'pkg', 'vendor', 'glossary.html']) {
  if (existsSync(join(WWW, entry))) cpSync(join(WWW, entry), join(OUT, entry), { recursive: true });
}
// the page that hosts the workbench inside the widget's iframe
cpSync(join(HERE, 'src', 'receval_widget', 'frame'), join(OUT, 'widget'), { recursive: true });
const lessons = readdirSync(join(OUT, 'lessons')).filter((f) => f.endsWith('.json')).length;
console.log(`build.mjs: copied www/ into ${OUT} (${lessons} lesson specs)`);
