// Readers for the workbench's file formats: CSV (streamed with papaparse), Parquet (hyparquet), the
// JSON of OBP's bandit_feedback (what `log.toObpJson()` exports), and the Open Bandit Dataset's CSV
// layout (parsed by the core's `ObdLog`, as the real-logs lesson does). Each reader first inspects
// a file (its columns, a preview and a guessed mapping), then reads it whole into a ColumnBuilder.
import Papa from '../../vendor/papaparse.mjs';
import { parquetMetadataAsync, parquetRead, parquetSchema } from '../../vendor/hyparquet/index.js';
import { ColumnBuilder, FileProblem, guessMapping, isObdHeader } from './columns.js';

/** What a source is: a File/Blob, or { name, text }. */
export function sourceName(source) {
  return source?.name ?? 'file';
}

/** The format of a source, from its name (and first bytes for Parquet). */
export async function detectFormat(source) {
  const name = sourceName(source).toLowerCase();
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const head = new Uint8Array(await source.slice(0, 4).arrayBuffer());
    if (String.fromCharCode(...head) === 'PAR1') return 'parquet';
    if (name.endsWith('.parquet') || name.endsWith('.pq')) return 'parquet';
    if (name.endsWith('.json')) return 'json';
    const first = (await source.slice(0, 64).text()).trimStart();
    return first.startsWith('{') ? 'json' : 'csv';
  }
  if (typeof source?.text !== 'string') throw new FileProblem('Nothing to read: expected a file, or { name, text } with the file’s text.');
  if (name.endsWith('.json') || source.text.trimStart().startsWith('{')) return 'json';
  return 'csv';
}

const textOf = (source) => (typeof source.text === 'string' ? source.text : source.text());
const size = (source) => (typeof source.text === 'string' ? source.text.length : source.size);

/** Whether a header is OBD's (timestamp optional), with positions starting at 1. */
function obdLike(header) {
  return ['item_id', 'position', 'click', 'propensity_score'].every((c) => header.includes(c));
}

/** Header, preview rows and guessed mapping of a CSV source. */
async function inspectCsv(source) {
  const input = typeof source.text === 'string' ? source.text : source;
  const res = await new Promise((resolve, reject) => {
    Papa.parse(input, { preview: 6, skipEmptyLines: true, complete: resolve, error: reject });
  });
  const rows = res.data;
  if (!rows.length || (rows.length === 1 && rows[0].every((c) => c.trim() === ''))) throw new FileProblem('The file is empty: expected a header line with column names, then one line per round.');
  const header = rows[0].map((h, j) => (j === 0 ? h.replace(/^\ufeff/, '') : h).trim());
  const mapping = guessMapping(header);
  let layout = 'csv';
  if (isObdHeader(header)) layout = 'obd';
  else if (obdLike(header)) {
    layout = 'obd-with-policy';
    mapping.positionBase = 1;
  }
  return { format: 'csv', layout, header, preview: rows.slice(1, 6), mapping };
}

/** Header, preview and guess of a Parquet file. */
async function inspectParquet(file) {
  const buf = asyncBuffer(file);
  let meta;
  try {
    meta = await parquetMetadataAsync(buf);
  } catch (e) {
    throw new FileProblem(`This does not read as a Parquet file: ${e.message}`);
  }
  const header = parquetSchema(meta).children.map((c) => c.element.name);
  const preview = await readParquetRows(buf, meta, header, 0, Math.min(5, Number(meta.num_rows)));
  return { format: 'parquet', layout: 'table', header, preview, mapping: guessMapping(header), nRows: Number(meta.num_rows) };
}

function asyncBuffer(file) {
  return { byteLength: file.size, slice: (start, end) => file.slice(start, end).arrayBuffer() };
}

function readParquetRows(file, metadata, columns, rowStart, rowEnd) {
  return new Promise((resolve, reject) => {
    parquetRead({ file, metadata, columns, rowStart, rowEnd, onComplete: resolve }).catch(reject);
  });
}

/** OBP's bandit_feedback JSON as a table: header and a row getter. */
function obpTable(obj) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new FileProblem('Expected a JSON object like OBP’s bandit_feedback (what log.toObpJson() exports): { n_actions, action, reward, pscore, … }.');
  for (const key of ['action', 'reward', 'pscore']) {
    if (!Array.isArray(obj[key])) throw new FileProblem(`The JSON has no array "${key}": expected OBP’s bandit_feedback (what log.toObpJson() exports), with arrays action, reward and pscore, one entry per round.`);
  }
  const n = obj.action.length;
  for (const key of ['reward', 'pscore', 'position']) {
    if (obj[key] !== undefined && (!Array.isArray(obj[key]) || obj[key].length !== n)) throw new FileProblem(`The JSON array "${key}" has ${obj[key]?.length ?? 'no'} entries, but "action" has ${n}: every per-round array must have one entry per round.`);
  }
  const lenList = Number.isInteger(obj.len_list) ? obj.len_list : 1;
  const header = ['reward', 'action', 'pscore'];
  if (Array.isArray(obj.position) && lenList > 1) header.push('position');
  const dist = obj.action_dist ?? obj.evaluation_policy_action_dist;
  const q = obj.estimated_rewards_by_reg_model;
  const m = Number.isInteger(obj.n_actions) ? obj.n_actions : null;
  if (dist !== undefined) {
    if (!Array.isArray(dist) || dist.length !== n) throw new FileProblem(`The JSON array "action_dist" must have one entry per round (${n}), an n_actions × len_list array each.`);
    if (m === null) throw new FileProblem('The JSON has "action_dist" but no integer "n_actions".');
    for (let a = 0; a < m; a++) header.push(`pi_e_${a}`);
    if (q !== undefined) for (let a = 0; a < m; a++) header.push(`q_${a}`);
  }
  const at = (v, i, a, k) => {
    const row = v[i];
    if (!Array.isArray(row)) return undefined;
    const cell = row[a];
    return Array.isArray(cell) ? cell[k] : cell;
  };
  const row = (i) => {
    const k = Array.isArray(obj.position) ? obj.position[i] : 0;
    const out = [obj.reward[i], obj.action[i], obj.pscore[i]];
    if (header.includes('position')) out.push(k);
    if (dist !== undefined) {
      for (let a = 0; a < m; a++) out.push(at(dist, i, a, k));
      if (q !== undefined) for (let a = 0; a < m; a++) out.push(at(q, i, a, k));
    }
    return out;
  };
  return { header, n, row, nActions: m };
}

async function parseJson(source) {
  const text = await textOf(source);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileProblem(`The file is not valid JSON: ${e.message}.`);
  }
}

/** Inspect any source: `{ format, layout, header, preview, mapping, nRows? }`. */
export async function inspect(source) {
  const format = await detectFormat(source);
  if (format === 'parquet') return inspectParquet(source);
  if (format === 'json') {
    const t = obpTable(await parseJson(source));
    const mapping = guessMapping(t.header);
    return { format, layout: 'obp-json', header: t.header, preview: [0, 1, 2, 3, 4].filter((i) => i < t.n).map(t.row), mapping, nRows: t.n };
  }
  return inspectCsv(source);
}

/**
 * Read a whole source into columns (ColumnBuilder.finish's object). `onProgress(fraction)` is
 * called as it goes; `rv` is the receval package (for the OBD layout).
 */
export async function read(rv, source, info, mapping, onProgress = () => {}) {
  if (info.layout === 'obd') return readObd(rv, source, mapping);
  if (info.format === 'parquet') {
    const buf = asyncBuffer(source);
    const meta = await parquetMetadataAsync(buf);
    const header = parquetSchema(meta).children.map((c) => c.element.name);
    const b = new ColumnBuilder(header, mapping, { describeRow: (i) => `Row ${i + 1}` });
    const total = Number(meta.num_rows);
    const step = 100_000;
    for (let start = 0; start < total; start += step) {
      const rows = await readParquetRows(buf, meta, header, start, Math.min(total, start + step));
      for (const r of rows) b.add(r);
      onProgress(Math.min(total, start + step) / total);
    }
    return b.finish();
  }
  if (info.format === 'json') {
    const t = obpTable(await parseJson(source));
    const b = new ColumnBuilder(t.header, mapping, { describeRow: (i) => `Round ${i} (index ${i} of the JSON arrays)` });
    for (let i = 0; i < t.n; i++) {
      b.add(t.row(i));
      if (i % 100_000 === 0) onProgress(i / t.n);
    }
    const cols = b.finish();
    if (t.nActions !== null && cols.nActions < t.nActions) cols.nActions = t.nActions;
    return cols;
  }
  return readCsv(source, mapping, onProgress);
}

/** Stream a CSV through papaparse into a ColumnBuilder. */
function readCsv(source, mapping, onProgress) {
  const total = size(source);
  const input = typeof source.text === 'string' ? source.text : source;
  return new Promise((resolve, reject) => {
    let builder = null;
    let line = 0;
    let failed = false;
    const fail = (e, parser) => {
      failed = true;
      parser?.abort();
      reject(e);
    };
    Papa.parse(input, {
      chunkSize: 4 * 1024 * 1024,
      skipEmptyLines: false,
      chunk(results, parser) {
        if (failed) return;
        try {
          const firstError = results.errors.find((e) => e.type === 'Quotes' || e.type === 'Delimiter');
          if (firstError) {
            throw new FileProblem(`Line ${line + (firstError.row ?? 0) + 1}: ${firstError.message} (check the quotes and separators).`);
          }
          for (const row of results.data) {
            line++;
            if (row.length === 1 && row[0].trim() === '') continue;
            if (!builder) {
              const header = row.map((h, j) => (j === 0 ? h.replace(/^\ufeff/, '') : h).trim());
              builder = new ColumnBuilder(header, mapping, { describeRow: () => `Line ${line}` });
              continue;
            }
            builder.add(row);
          }
          onProgress(Math.min(1, (results.meta.cursor ?? 0) / Math.max(1, total)));
        } catch (e) {
          fail(e, parser);
        }
      },
      complete() {
        if (failed) return;
        if (!builder) return reject(new FileProblem('The file is empty: expected a header line with column names, then one line per round.'));
        try {
          resolve(builder.finish());
        } catch (e) {
          reject(e);
        }
      },
      error(e) {
        if (!failed) reject(new FileProblem(`The file could not be read: ${e.message ?? e}.`));
      },
    });
  });
}

/** The Open Bandit Dataset layout, parsed by the core (sorted by timestamp, positions from 0). */
async function readObd(rv, source, mapping) {
  const text = await textOf(source);
  let log;
  try {
    log = new rv.ObdLog(text);
  } catch (e) {
    throw new FileProblem(`Open Bandit Dataset layout: ${e.message.replace(/^`csv`: /, '')}.`);
  }
  try {
    return {
      n: log.nRounds,
      reward: log.reward,
      action: log.action,
      pscore: log.pscore,
      position: log.position,
      nActions: log.nActions,
      nStrata: log.lenList,
      policy: 'uniform',
      rewardModel: mapping.rewardModel === 'none' ? 'none' : 'fit',
    };
  } finally {
    log.free();
  }
}
