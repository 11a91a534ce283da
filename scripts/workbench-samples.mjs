// Regenerate the workbench's two sample files in www/data/workbench/ with the receval package (pkg/):
//   obd-random-bts.csv  the Open Bandit Dataset sample's uniform-random log (www/data/obd/random_all.csv,
//                       parsed and sorted by the core's ObdLog) with the evaluation policy's probability
//                       of each logged item at its slot (pi_e): the Bernoulli TS log's empirical
//                       distribution (bts_all.csv), as in the real-logs lesson.
//   world-softmax.csv   a log collected in receval's simulated world: a popularity-leaning logger and a
//                       relevance-seeking target over 10 items, with pi_e_<a> for every item.
// Usage: node scripts/workbench-samples.mjs   (after scripts/build.sh); prints the exact values.
import { readFileSync, writeFileSync } from 'node:fs';
import * as rv from '../pkg/receval.js';

const dir = new URL('../www/data/workbench/', import.meta.url);
const obd = (f) => new rv.ObdLog(readFileSync(new URL(`../www/data/obd/${f}`, import.meta.url), 'utf8'));
const fmt = (x) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(10))));

// 1. OBD: random log, target = BTS's empirical distribution per slot.
const random = obd('random_all.csv');
const bts = obd('bts_all.csv');
const dist = bts.empiricalActionDist();
const L = random.lenList;
const [a, k, r, p] = [random.action, random.position, random.reward, random.pscore];
let csv = 'item_id,position,click,propensity_score,pi_e\n';
for (let i = 0; i < random.nRounds; i++) csv += `${a[i]},${k[i] + 1},${r[i]},${fmt(p[i])},${fmt(dist[a[i] * L + k[i]])}\n`;
writeFileSync(new URL('obd-random-bts.csv', dir), csv);
console.log(`obd-random-bts.csv: ${random.nRounds} rows; the BTS log's own click rate ${bts.ctr}`);

// 2. The simulated world.
const world = new rv.World({ seed: 11, nUsers: 500, nItems: 10 });
const logger = { kind: 'softmax', beta: 1, score: { relevance: 0.5, popularity: 1 } };
const target = { kind: 'softmax', beta: 2, score: { relevance: 1, popularity: 0 } };
const log = world.collect(logger, { nRounds: 5000, seed: 12 });
const pie = log.actionDist(target);
const m = log.nActions;
const head = ['reward', 'action', 'pscore', ...Array.from({ length: m }, (_, j) => `pi_e_${j}`)];
let w = `${head.join(',')}\n`;
for (let i = 0; i < log.reward.length; i++) {
  const row = [log.reward[i], log.action[i], fmt(log.pscore[i])];
  for (let j = 0; j < m; j++) row.push(String(Number(pie[i * m + j].toPrecision(7))));
  w += `${row.join(',')}\n`;
}
writeFileSync(new URL('world-softmax.csv', dir), w);
console.log(`world-softmax.csv: ${log.reward.length} rows; exact value of the target ${world.policyValue(target)}, of the logger ${world.policyValue(logger)}`);
