// The Lesson widget in a real notebook: JupyterLab from PyPI, with the receval-widget wheel
// installed in the same virtual environment, driven headless in Debian's Chromium.
//
//   RECEVAL_WIDGET_VENV=target/widget-venv node --test python/tests/notebook.test.mjs
//
// (python/test.sh makes the venv and installs the wheel first.) Checks that a lesson created in a
// cell draws (charts with marks, numbers on screen), that a state set from Python reaches the
// chart and the control, and that a slider moved in the lesson reaches Python (`w.state` read back
// by running a cell). SCREENSHOT=path.png also saves a picture of the notebook.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { browser, teardown } from '../../tests/e2e/helpers.mjs';

const VENV = resolve(process.env.RECEVAL_WIDGET_VENV ?? new URL('../../target/widget-venv', import.meta.url).pathname);
const SLUG = 'random-bucket';
const CELLS = [
  `from receval_widget import Lesson\nw = Lesson("${SLUG}", share=0.01, seed=7, hide=["seed"])\nw`,
  'w.state = {"share": 0.1}',
  'import json\nprint("STATE=" + json.dumps(w.state, sort_keys=True))',
];

const freePort = () => new Promise((ok, fail) => {
  const s = createServer();
  s.on('error', fail);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});

let server;
let lab;
let serverLog = '';
let page;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'receval-widget-nb-'));
  const notebook = {
    cells: CELLS.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(join(dir, 'lesson.ipynb'), JSON.stringify(notebook));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  // a private Jupyter home: no user settings, no workspace to restore
  const home = mkdtempSync(join(tmpdir(), 'receval-widget-home-'));
  server = spawn(join(VENV, 'bin', 'jupyter'), [
    'lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--IdentityProvider.token=${token}`, '--allow-root',
    `--ServerApp.root_dir=${dir}`, '--LabApp.expose_app_in_browser=True', '--ServerApp.port_retries=0',
    // no extension manager querying PyPI from the server
    '--LabApp.extension_manager=readonly',
  ], {
    env: { ...process.env, PATH: `${join(VENV, 'bin')}:${process.env.PATH}`, JUPYTER_CONFIG_DIR: join(home, 'config'), JUPYTER_RUNTIME_DIR: join(home, 'runtime'), IPYTHONDIR: join(home, 'ipython'), JUPYTERLAB_WORKSPACES_DIR: join(home, 'workspaces') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  lab = `http://127.0.0.1:${port}/`;
  // wait until the server answers
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      const r = await fetch(`${lab}api/status?token=${token}`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`jupyter lab did not start:\n${serverLog}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
  const b = await browser();
  const context = await b.newContext({ viewport: { width: 1500, height: 1150 } });
  page = await context.newPage();
  page.problems = [];
  page.consoleLog = [];
  page.on('console', (m) => page.consoleLog.push(`${m.type()}: ${m.text()}`));
  page.on('requestfailed', (r) => page.consoleLog.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) page.consoleLog.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('pageerror', (e) => { if (/receval/i.test(`${e.message} ${e.stack}`)) page.problems.push(`uncaught: ${e.message}`); });
  page.on('response', (r) => { if (r.status() >= 400 && r.url().includes('receval-widget')) page.problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error' && /receval/i.test(m.text())) page.problems.push(`console error: ${m.text()}`); });
  await page.goto(`${lab}lab/tree/lesson.ipynb?token=${token}&reset`);
  // the notebook open, its kernel started and idle
  await page.waitForFunction(() => {
    const nb = window.jupyterapp?.shell?.currentWidget;
    return nb?.content?.widgets?.length === 3 && nb.sessionContext?.session?.kernel?.status === 'idle';
  }, null, { timeout: 90000 });
});

after(async () => {
  await page?.context().close();
  await teardown();
  server?.kill('SIGTERM');
});

/** Run cell i and wait for it to finish; returns its text output. */
async function runCell(i) {
  return page.evaluate(async (index) => {
    const app = window.jupyterapp;
    const nb = app.shell.currentWidget;
    nb.content.activeCellIndex = index;
    await app.commands.execute('notebook:run-cell');
    const cell = nb.content.widgets[index];
    // wait for the execution to be recorded
    for (let t = 0; t < 600 && (cell.model.executionCount === null || nb.sessionContext.session.kernel.status !== 'idle'); t++) await new Promise((ok) => setTimeout(ok, 100));
    return cell.model.outputs.toJSON().map((o) => {
      const text = o.text ?? (o.ename ? `${o.ename}: ${o.evalue}` : '');
      return Array.isArray(text) ? text.join('') : text;
    }).join('');
  }, i);
}

const lesson = () => page.frameLocator('.jp-OutputArea receval-lesson >> iframe');
const widget = () => lesson().locator(`[data-lesson="${SLUG}"]`);
const done = async () => Number((await widget().getAttribute('data-done')) ?? 0);
const readouts = async () => (await widget().locator('.readout').allTextContents()).join(' ');

test('a lesson drawn in a notebook cell, its state synced with Python both ways', async (t) => {
  try {
    await lessonTest();
  } catch (e) {
    // what the notebook showed, for the log
    const outputs = await page.evaluate(() => [...document.querySelectorAll('.jp-OutputArea')].map((o) => o.innerHTML.slice(0, 2000))).catch(() => []);
    console.log(`--- outputs:\n${outputs.join('\n')}\n--- console:\n${page.consoleLog.join('\n')}\n--- server log (tail):\n${serverLog.slice(-3000)}`);
    await page.screenshot({ path: join(tmpdir(), 'receval-widget-failure.png') }).catch(() => {});
    throw e;
  }
});

async function lessonTest() {
  const t0 = Date.now();
  const out = await runCell(0);
  assert.doesNotMatch(out, /Error/, `the cell ran without error: ${out}`);

  // the lesson draws: charts with marks, numbers in the readouts
  await widget().waitFor({ timeout: 60000 });
  await lesson().locator(`[data-lesson="${SLUG}"][data-done]`).waitFor({ timeout: 60000 });
  // (charts.js moves Plot's aria-label of each mark to data-mark)
  const marks = await widget().locator('figure[data-chart] svg [data-mark]:not([data-mark*="axis"]) > *').count();
  assert.ok(marks > 0, 'the charts have marks');
  const before = await readouts();
  assert.match(before, /\d/, 'numbers on screen');
  assert.equal(await widget().locator('.control[data-key="share"] output').textContent(), '1.0%', 'the state given in Python (share=0.01)');
  assert.equal(await widget().locator('.control[data-key="seed"]').isVisible(), false, 'hide=["seed"] hides the seed');
  console.log(`    lesson drawn ${Date.now() - t0} ms after the cell started`);

  // a state set from Python reaches the lesson: the control shows it, the charts recompute
  const n = await done();
  await runCell(1);
  await lesson().locator(`[data-lesson="${SLUG}"][data-done]:not([data-done="${n}"])`).waitFor({ timeout: 60000 });
  assert.equal(await widget().locator('.control[data-key="share"] output').textContent(), '10.0%');
  const after10 = await readouts();
  assert.notEqual(after10, before, 'the numbers changed with the bucket share');

  // a slider moved in the lesson reaches Python
  const steps = JSON.parse(readFileSync(new URL(`../../www/lessons/${SLUG}.json`, import.meta.url), 'utf8')).controls.find((c) => c.key === 'share').values;
  await widget().locator('.control[data-key="share"] input').fill(String(steps.indexOf(0.05)));
  await page.waitForTimeout(300);
  let state;
  for (let tries = 0; tries < 20; tries++) {
    const text = await runCell(2);
    state = JSON.parse(text.match(/STATE=(.*)/)[1]);
    if (state.share === 0.05) break;
    await page.waitForTimeout(250);
  }
  assert.equal(state.share, 0.05, 'w.state in Python after the slider moved');
  assert.equal(state.seed, 7, 'the rest of the state is kept');
  if (process.env.SCREENSHOT) {
    await lesson().locator(`[data-lesson="${SLUG}"][data-done]`).waitFor();
    // the notebook without the file browser and the news prompt, scrolled to the first cell
    await page.evaluate(async () => {
      const app = window.jupyterapp;
      if (!app.shell.leftCollapsed) await app.commands.execute('application:toggle-left-area');
      app.shell.currentWidget.content.activeCellIndex = 0;
      app.shell.currentWidget.content.widgets[0].node.scrollIntoView();
    });
    await page.getByRole('button', { name: 'No', exact: true }).click({ timeout: 2000 }).catch(() => {});
    await page.waitForTimeout(500);
    await page.screenshot({ path: process.env.SCREENSHOT });
  }
  assert.deepEqual(page.problems, []);
}
