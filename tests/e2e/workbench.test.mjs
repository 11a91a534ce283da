// The evaluation workbench (www/evaluate.html) in Chromium: both samples give a report whose
// numbers are the node report's on the same file; CSV, Parquet and OBP JSON uploads; one malformed
// file per kind of error, each refused with its line and column and without a blank page; cancel;
// downloads; mountWorkbench(el, { file }); and no request carries the data anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as rv from '../../pkg/receval.js';
import { site, newPage, teardown } from './helpers.mjs';
import { inspect, read } from '../../www/js/workbench/read.js';
import { buildReport } from '../../www/js/workbench/report.js';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let url;
before(async () => { ({ url } = await site()); });
after(teardown);

const sample = (f) => readFileSync(new URL(`../../www/data/workbench/${f}`, import.meta.url), 'utf8');
const WORLD = sample('world-softmax.csv');

async function nodeReport(name, text) {
  const source = { name, text };
  const info = await inspect(source);
  return buildReport(rv, await read(rv, source, info, info.mapping), { name });
}

/** Open the workbench page, recording every request and the reports it produces. */
async function open() {
  const page = await newPage();
  page.requests = [];
  page.on('request', (r) => page.requests.push({ url: r.url(), method: r.method(), body: r.postData() }));
  await page.goto(`${url}evaluate.html`);
  await page.waitForSelector('.workbench .drop');
  await page.evaluate(() => {
    window.__reports = [];
    document.getElementById('workbench').addEventListener('workbench:report', (e) => window.__reports.push(e.detail.report));
  });
  return page;
}

const state = (page) => page.locator('#workbench').getAttribute('data-state');
async function waitState(page, s, timeout = 60000) {
  await page.waitForFunction((want) => document.getElementById('workbench').dataset.state === want, s, { timeout });
}
const lastReport = (page) => page.evaluate(() => window.__reports.at(-1));

async function upload(page, name, content, mimeType = 'text/csv') {
  await page.locator('.workbench input[type=file]').setInputFiles({ name, mimeType, buffer: Buffer.from(content) });
  await page.waitForFunction(() => ['mapping', 'error', 'report'].includes(document.getElementById('workbench').dataset.state), null, { timeout: 180000 });
}

function assertSameReport(got, want) {
  assert.deepEqual(got.rows.map((r) => r.estimator), want.rows.map((r) => r.estimator));
  for (const [a, b] of got.rows.map((r, i) => [r, want.rows[i]])) {
    for (const k of ['estimate', 'lower', 'upper']) {
      assert.ok(Math.abs(a[k] - b[k]) <= 1e-12 * Math.max(1, Math.abs(b[k])), `${a.estimator}.${k}: browser ${a[k]}, node ${b[k]}`);
    }
    assert.equal(a.lambda, b.lambda);
  }
  assert.equal(got.recommendation.estimator, want.recommendation.estimator);
}

function noDataLeft(page) {
  for (const r of page.requests) {
    assert.equal(r.method, 'GET', `only GET requests (${r.method} ${r.url})`);
    assert.ok(r.url.startsWith(url) || r.url.startsWith('data:') || r.url.startsWith('blob:'), `same origin only: ${r.url}`);
    assert.ok(!r.body, `no request body (${r.url})`);
  }
}

test('the page says the evaluation is private and loads without errors; the course map links it', async () => {
  const page = await open();
  assert.match(await page.locator('.workbench .privacy').innerText(), /never uploaded/);
  assert.match(readFileSync(new URL('../../www/index.html', import.meta.url), 'utf8'), /href="evaluate\.html"/);
  assert.deepEqual(page.problems, []);
  await page.closeAll();
});

test('try the simulated-world sample: every standard estimator, diagnostics and charts, the node report’s numbers', async () => {
  const page = await open();
  await page.getByRole('button', { name: 'Simulated world sample' }).click();
  await waitState(page, 'report');
  const got = await lastReport(page);
  assertSameReport(got, await nodeReport('world-softmax.csv', WORLD));
  for (const e of ['dm', 'ipw', 'snipw', 'dr', 'sndr', 'switch-dr', 'dr-os', 'sg-ipw', 'sg-dr']) {
    assert.equal(await page.locator(`.estimates-table tr[data-estimator="${e}"]`).count(), 1, `${e} row`);
  }
  const ipsCell = await page.locator('.estimates-table tr[data-estimator="ipw"] td').nth(1).innerText();
  assert.equal(Number(ipsCell), Number(got.rows.find((r) => r.estimator === 'ipw').estimate.toFixed(4)));
  assert.ok(await page.locator('figure[data-chart="estimates"]').getAttribute('data-digest'));
  assert.ok(await page.locator('figure[data-chart="weights"]').getAttribute('data-digest'));
  assert.ok(Number(await page.locator('figure[data-chart="weights"]').getAttribute('data-marks')) > 0);
  assert.match(await page.locator('.recommendation').innerText(), new RegExp(got.recommendation.text.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.match(await page.locator('dl.diagnostics').innerText(), /Effective sample size/);
  noDataLeft(page);
  // the workbench loads the estimators package (a third of the course module), not the course's
  const wasm = page.requests.map((r) => new URL(r.url).pathname).filter((p) => p.endsWith('.wasm'));
  assert.deepEqual(wasm, ['/pkg/estimators/receval_bg.wasm']);
  assert.deepEqual(page.problems, []);
  await page.closeAll();
});

test('try the Open Bandit Dataset sample: recognised as OBD, π_e of the logged item only (IPS, SNIPS)', async () => {
  const page = await open();
  await page.getByRole('button', { name: 'Open Bandit Dataset sample' }).click();
  await waitState(page, 'report');
  const got = await lastReport(page);
  assertSameReport(got, await nodeReport('obd-random-bts.csv', sample('obd-random-bts.csv')));
  assert.deepEqual(got.rows.map((r) => r.estimator), ['ipw', 'snipw']);
  assert.match(await page.locator('.report .note').innerText(), /Replay is left out/);
  assert.equal(got.nPositions, 3);
  assert.match(await page.locator('.layout-note').innerText(), /Open Bandit Dataset/);
  assert.match(await page.locator('dl.diagnostics').innerText(), /none \(DM and DR need/);
  assert.deepEqual(page.problems, []);
  await page.closeAll();
});

test('the raw Open Bandit Dataset layout is parsed by the core and evaluates the uniform policy, with a warning saying so', async () => {
  const page = await open();
  await upload(page, 'random_all.csv', readFileSync(new URL('../../www/data/obd/random_all.csv', import.meta.url)));
  await waitState(page, 'report');
  const got = await lastReport(page);
  assert.equal(got.file.layout, 'obd');
  assert.equal(got.policy, 'uniform');
  assert.ok(got.warnings.some((w) => w.id === 'uniform-target'));
  assert.equal(await page.locator('.warnings li[data-warning="uniform-target"]').count(), 1);
  assert.ok(got.rows.some((r) => r.estimator === 'dr'), 'a fitted reward model gives DR');
  await page.closeAll();
});

test('a support problem is named in words: rounds whose target probability of the logged action is 0', async () => {
  // the world sample with a target that never takes actions 0–4: half its mass is where the weights are 0
  const lines = WORLD.trim().split('\n');
  const out = [lines[0]];
  for (const l of lines.slice(1)) {
    const c = l.split(',');
    const p = c.slice(3).map(Number);
    const s = p.slice(5).reduce((a, b) => a + b, 0);
    out.push([...c.slice(0, 3), ...p.map((x, j) => (j < 5 ? 0 : x / s))].join(','));
  }
  const page = await open();
  await upload(page, 'half.csv', out.join('\n'));
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await waitState(page, 'report');
  const got = await lastReport(page);
  const zero = got.warnings.find((w) => w.id === 'zero-weight');
  assert.ok(zero, 'a zero-weight warning');
  assert.match(zero.text, /^\d+\.\d% of rounds give the target probability 0 to the logged action/);
  assert.ok(got.diagnostics.zeroWeightShare > 0);
  await page.closeAll();
});

// One malformed file per kind of error: [title, edit the world sample's lines, expected message]
const MALFORMED = [
  ['a non-numeric reward', (l) => { l[5] = l[5].replace(/^[^,]*/, 'yes'); }, /Line 6, column "reward": expected a number \(the reward\), got "yes"/],
  ['a pscore of 0', (l) => { l[3] = l[3].replace(/^([^,]*,[^,]*,)[^,]*/, '$10'); }, /Line 4, column "pscore": .*in \(0, 1\], got 0/],
  ['a pscore above 1', (l) => { l[7] = l[7].replace(/^([^,]*,[^,]*,)[^,]*/, '$11.2'); }, /Line 8, column "pscore": .*got 1\.2/],
  ['an action out of range', (l) => { l[9] = l[9].replace(/^([^,]*,)[^,]*/, '$112'); }, /Line 10, column "action": action 12 is out of range/],
  ['a row whose π_e does not sum to 1', (l) => { l[11] = l[11].replace(/,[^,]*$/, ',0.9'); }, /Line 12: the evaluation policy’s probabilities pi_e_0…pi_e_9 sum to [\d.]+, not 1/],
  ['a ragged row', (l) => { l[13] = l[13].replace(/,[^,]*$/, ''); }, /Line 14: expected 13 fields like the header, got 12/],
];

for (const [title, edit, message] of MALFORMED) {
  test(`a file with ${title} is refused with its line and column`, async () => {
    const lines = WORLD.trim().split('\n');
    edit(lines);
    const page = await open();
    await upload(page, 'bad.csv', lines.join('\n'));
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await waitState(page, 'error');
    const text = await page.locator('.workbench .problem').innerText();
    assert.match(text, message);
    assert.ok(await page.locator('.workbench .drop').isVisible(), 'the page stays usable');
    // and a good file still works afterwards
    await page.getByRole('button', { name: 'Simulated world sample' }).click();
    await waitState(page, 'report');
    assert.deepEqual(page.problems, []);
    await page.closeAll();
  });
}

test('an empty file and a JSON that is not OBP’s get a message, not a blank page', async () => {
  const page = await open();
  await upload(page, 'empty.csv', '');
  assert.equal(await state(page), 'error');
  assert.match(await page.locator('.workbench .problem').innerText(), /empty/);
  await upload(page, 'x.json', '{"rows": []}', 'application/json');
  assert.equal(await state(page), 'error');
  assert.match(await page.locator('.workbench .problem').innerText(), /no array "action"/);
  await page.closeAll();
});

test('Parquet: the same log as Parquet gives the same report as its CSV', async () => {
  const { parquetWriteBuffer } = await import(require.resolve('hyparquet-writer'));
  const lines = WORLD.trim().split('\n');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  const columnData = header.map((name, j) => (j === 1
    ? { name, data: Int32Array.from(rows, (r) => r[j]), type: 'INT32' }
    : { name, data: Float64Array.from(rows, (r) => r[j]), type: 'DOUBLE' }));
  const buf = Buffer.from(parquetWriteBuffer({ columnData }));
  const page = await open();
  await upload(page, 'world.parquet', buf, 'application/octet-stream');
  assert.equal(await state(page), 'mapping');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await waitState(page, 'report');
  const got = await lastReport(page);
  assert.equal(got.file.format, 'parquet');
  const want = await nodeReport('world-softmax.csv', WORLD);
  for (const e of ['ipw', 'snipw', 'dr']) {
    const a = got.rows.find((r) => r.estimator === e);
    const b = want.rows.find((r) => r.estimator === e);
    assert.ok(Math.abs(a.estimate - b.estimate) < 1e-12, `${e}: ${a.estimate} vs ${b.estimate}`);
  }
  await page.closeAll();
});

test('OBP JSON from log.toObpJson(): evaluates the uniform policy; with action_dist added, the target', async () => {
  const world = new rv.World({ seed: 3, nUsers: 200, nItems: 6 });
  const logger = { kind: 'softmax', beta: 1, score: { relevance: 1 } };
  const target = { kind: 'softmax', beta: 2, score: { relevance: 1 } };
  const log = world.collect(logger, { nRounds: 2000, seed: 4 });
  const json = log.toObpJson();
  const page = await open();
  await upload(page, 'log.json', json, 'application/json');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await waitState(page, 'report');
  let got = await lastReport(page);
  assert.equal(got.file.layout, 'obp-json');
  assert.equal(got.policy, 'uniform');
  // with the target's action_dist (OBP's n × n_actions × len_list)
  const obj = JSON.parse(json);
  const dist = log.actionDist(target);
  obj.action_dist = Array.from({ length: obj.n_rounds }, (_, i) => Array.from({ length: obj.n_actions }, (_, a) => [dist[i * obj.n_actions + a]]));
  await upload(page, 'log-with-target.json', JSON.stringify(obj), 'application/json');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await waitState(page, 'report');
  got = await lastReport(page);
  assert.equal(got.policy, 'columns');
  const want = rv.estimatePolicyValue('ipw', { reward: log.reward, action: log.action, pscore: log.pscore, actionDist: dist, nActions: log.nActions });
  const ips = got.rows.find((r) => r.estimator === 'ipw').estimate;
  assert.ok(Math.abs(ips - want) < 1e-12, `IPS ${ips} vs ${want}`);
  await page.closeAll();
});

test('downloads: the report as CSV and JSON, the charts as SVG and PNG', async () => {
  const page = await open();
  await page.getByRole('button', { name: 'Simulated world sample' }).click();
  await waitState(page, 'report');
  const got = await lastReport(page);
  const fetchDownload = async (id) => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.locator(`button[data-download="${id}"]`).click()]);
    return { name: d.suggestedFilename(), body: readFileSync(await d.path()) };
  };
  const csv = await fetchDownload('csv');
  assert.equal(csv.name, 'world-softmax-report.csv');
  const csvLines = csv.body.toString().split('\n');
  assert.equal(csvLines[0], 'estimator,lambda,estimate,lower,upper,effective_sample_size,warnings');
  const ipsLine = csvLines.find((l) => l.startsWith('ipw,'));
  assert.equal(Number(ipsLine.split(',')[2]), got.rows.find((r) => r.estimator === 'ipw').estimate);
  const json = JSON.parse((await fetchDownload('json')).body.toString());
  assert.equal(json.rows.length, got.rows.length);
  assert.equal(json.recommendation.estimator, got.recommendation.estimator);
  const svg = (await fetchDownload('estimates-svg')).body.toString();
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const png = (await fetchDownload('weights-png')).body;
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(png.length > 1000);
  noDataLeft(page);
  await page.closeAll();
});

test('a large file shows progress and can be cancelled; the page works afterwards', async () => {
  // 200,000 rows: the world sample repeated
  const lines = WORLD.trim().split('\n');
  const body = lines.slice(1).join('\n');
  const big = `${lines[0]}\n${Array.from({ length: 40 }, () => body).join('\n')}\n`;
  const page = await open();
  await upload(page, 'big.csv', big);
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.waitForSelector('.workbench .progress:not([hidden])');
  assert.equal(await state(page), 'running');
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await state(page), 'cancelled');
  assert.ok(await page.locator('.workbench .progress').isHidden());
  await page.getByRole('button', { name: 'Simulated world sample' }).click();
  await waitState(page, 'report');
  assert.deepEqual(page.problems, []);
  await page.closeAll();
});

test('mountWorkbench(el, { file }) renders the workbench into an element and evaluates the file at once', async () => {
  const page = await open();
  const result = await page.evaluate(async (text) => {
    const { mountWorkbench } = await import('/js/workbench/mount.js');
    const el = document.createElement('div');
    document.body.append(el);
    const done = new Promise((resolve) => el.addEventListener('workbench:report', (e) => resolve(e.detail.report)));
    await mountWorkbench(el, { file: { name: 'mine.csv', text } });
    const report = await done;
    return { estimators: report.rows.map((r) => r.estimator), name: report.file.name, state: el.dataset.state, hasDrop: Boolean(el.querySelector('.drop')) };
  }, WORLD);
  assert.equal(result.name, 'mine.csv');
  assert.ok(result.estimators.includes('dr'));
  assert.equal(result.state, 'report');
  assert.ok(result.hasDrop);
  await assert.rejects(page.evaluate(async () => {
    const { mountWorkbench } = await import('/js/workbench/mount.js');
    await mountWorkbench(document.body, { file: 42 });
  }), /`file` must be a File or \{ name, text \}/);
  await page.closeAll();
});

test('axe-core finds no accessibility violations in the report, and the keyboard reaches the sample buttons and the file chooser', async () => {
  const page = await open();
  await page.keyboard.press('Tab'); // skip link
  const reached = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement?.textContent?.trim() || document.activeElement?.type || ''));
  }
  assert.ok(reached.includes('Simulated world sample') && reached.includes('file'), `keyboard focus order: ${reached.join(' | ')}`);
  await page.getByRole('button', { name: 'Simulated world sample' }).focus();
  await page.keyboard.press('Enter');
  await waitState(page, 'report');
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`), []);
  await page.closeAll();
});

test('on a phone-sized screen the mapping step and the report fit without horizontal scrolling', async () => {
  const page = await newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${url}evaluate.html`);
  await page.waitForSelector('.workbench .drop');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
  await page.locator('.workbench input[type=file]').setInputFiles({ name: 'w.csv', mimeType: 'text/csv', buffer: Buffer.from(WORLD) });
  await waitState(page, 'mapping');
  assert.ok(await fits(), 'the mapping step fits');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await waitState(page, 'report');
  assert.ok(await fits(), 'the report fits');
  await page.closeAll();
});
