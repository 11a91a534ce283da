// The course's chart library, www/vendor/charts.min.js: Observable Plot's functions that the
// lessons and the workbench call, with the parts of d3 they need, in one classic script that sets
// `globalThis.Plot` (and `globalThis.d3`, for the one animation that moves circles with a d3
// transition). Built with esbuild from node_modules by scripts/build.sh; nothing is fetched at
// run time.
//
// Why not the whole of Plot and d3 (plot.umd.min.js + d3.min.js): they are 162 KB gzip on every
// page's first load, this is 98 KB (issue 16: learners on slow phone networks are users
// too). The cost: a chart that calls a Plot function missing below gets "P.x is not a function".
// tests/js/site.test.mjs reads every `P.x(` and `Plot.x` in www/ and fails if one is not listed.
//
//   node scripts/vendor-charts.mjs [out]     (default www/vendor/charts.min.js)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The Plot functions the course calls (`P.x(…)` in www/, and `Plot.legend`). */
export const PLOT = ['areaY', 'barX', 'barY', 'dot', 'frame', 'legend', 'line', 'link', 'plot', 'rectY', 'ruleX', 'ruleY', 'text', 'tickX', 'tickY'];
/** The d3 functions the course calls directly (`d3.x(…)`), and the module of each. */
export const D3 = { select: 'd3-selection', selectAll: 'd3-selection', transition: 'd3-transition' };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundle's source: named imports (so that esbuild leaves out every mark and module not used). */
export function entry() {
  const modules = [...new Set(Object.values(D3))];
  return [
    `import { ${PLOT.join(', ')} } from '@observablehq/plot';`,
    ...modules.map((m) => `import { ${Object.keys(D3).filter((n) => D3[n] === m).join(', ')} } from '${m}';`),
    // d3-transition adds selection.transition() to d3-selection's prototype when imported
    `import 'd3-transition';`,
    `globalThis.Plot = Object.freeze({ ${PLOT.join(', ')} });`,
    `globalThis.d3 = Object.freeze({ ${Object.keys(D3).join(', ')} });`,
  ].join('\n');
}

/** Write the bundle to `outfile`, and beside it `<outfile>.LICENSE.txt`: the licence of every
 * package the bundle holds code of (ISC for Plot and most of d3, BSD-3-Clause for d3-ease: each
 * asks that its notice go with copies). */
export async function bundle(outfile = resolve(root, 'www/vendor/charts.min.js')) {
  const { metafile } = await build({
    stdin: { contents: entry(), resolveDir: root, sourcefile: 'charts-entry.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    // Plot's and d3's licence comments (ISC), at the end of the file
    legalComments: 'eof',
    banner: { js: '/* receval course charts: Observable Plot and d3 modules, bundled by scripts/vendor-charts.mjs; licences in charts.min.js.LICENSE.txt */' },
    outfile,
    metafile: true,
    logLevel: 'warning',
  });
  // the packages with code in the output (an import that tree shaking removed brings none)
  const packages = new Set();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(metafile.outputs)[0].inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m && bytesInOutput > 0) packages.add(m[1]);
  }
  const notices = [...packages].sort().map((name) => {
    const dir = resolve(root, 'node_modules', name);
    const { version, license } = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8'));
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].map((f) => resolve(dir, f)).find(existsSync);
    if (!file) throw new Error(`${name}: no licence file to go with the bundle`);
    return `${name} ${version} (${license})\n\n${readFileSync(file, 'utf8').trim()}\n`;
  });
  writeFileSync(`${outfile}.LICENSE.txt`, notices.join('\n' + '-'.repeat(72) + '\n\n'));
  return outfile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
