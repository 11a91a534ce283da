// Charts over Observable Plot (served from ../vendor, loaded as a classic script before the page's
// modules). Every chart shows the truth when there is one and uncertainty (intervals or spread),
// has labelled axes with units, an accessible description, and a data table beside it, so the
// numbers are there for screen readers, for copying, and for tests (`data-digest` changes exactly
// when the data does).

/** Okabe–Ito: distinguishable by colour-blind readers. */
export const COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
export const TRUTH = '#000000';

const Plot = () => globalThis.Plot;

/** A short fingerprint of a chart's data (the tests compare them to see that a chart changed). */
export function digest(value) {
  const s = JSON.stringify(value, (k, v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v));
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36);
}

export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return x.toFixed(digits);
}

export function pct(x, digits = 1) {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '—';
}

/** A count with thousands separators: 12345.6 → "12,346". */
export const count = (x) => Math.round(x).toLocaleString('en');

/** Set an element's text, leaving the DOM (and screen readers) alone when it is unchanged. */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/**
 * Put a chart into `el` (a <figure> with a chart slot and a caption). `make()` returns a Plot
 * element; `table` is { columns: [label...], rows: [[...]] } for the data table.
 */
export function show(el, { make, data, table, description }) {
  const d = digest(data);
  if (el.dataset.digest === d) return;
  // the digest is written only once the chart is built: a chart that failed to draw has none
  delete el.dataset.digest;
  let slot = el.querySelector('.chart-slot');
  if (!slot) {
    slot = document.createElement('div');
    slot.className = 'chart-slot';
    el.prepend(slot);
  }
  slot.replaceChildren();
  if (Plot()) {
    const chart = make(Plot());
    // One accessible image per chart (its description; the numbers are in the table below):
    // Plot labels every mark group, which is not allowed on elements without a role. The name
    // stays as data-mark, for the tests ("x-axis tick label", "dot", …).
    for (const g of chart.querySelectorAll('[aria-label]')) {
      g.dataset.mark = g.getAttribute('aria-label');
      g.removeAttribute('aria-label');
    }
    // The plot itself is the last direct <svg> of a figure (legends come first: swatches in divs,
    // colour ramps as svgs whose class ends in "-ramp").
    const svgs = chart.tagName === 'svg' ? [chart] : [...chart.querySelectorAll(':scope > svg')];
    const svg = svgs.filter((x) => !/-ramp\b/.test(x.getAttribute('class') ?? '')).pop() ?? chart;
    svg.setAttribute('role', 'img');
    if (description) svg.setAttribute('aria-label', description);
    for (const legend of chart.querySelectorAll('svg')) if (legend !== svg) legend.setAttribute('aria-hidden', 'true');
    slot.append(chart);
    fitAxisLabelsSoon(el, svg);
    el.dataset.marks = String(svg.querySelectorAll('[data-mark] > *').length);
  } else {
    const p = document.createElement('p');
    p.className = 'status';
    p.textContent = 'The chart library did not load; the numbers are in the table below.';
    slot.append(p);
  }
  if (table) renderTable(el, table);
  el.dataset.digest = d;
}

/**
 * An axis label wider than the chart (a long label on a phone) would be cut off: show it under the
 * chart as text instead, where it can wrap. Measuring forces a layout of the whole page, so the
 * charts drawn in one go (a lesson redraws several at once) are measured together, in a microtask
 * after the last of them: one layout instead of one per chart.
 */
let unfitted = [];
function fitAxisLabelsSoon(el, svg) {
  if (!unfitted.length) queueMicrotask(moveUnfittingAxisLabels);
  unfitted.push([el, svg]);
}

function moveUnfittingAxisLabels() {
  const charts = unfitted.filter(([el, svg]) => svg.isConnected && el.contains(svg));
  unfitted = [];
  for (const [el] of charts) el.querySelector('.axis-note')?.remove();
  // every read first (one layout), then every write
  const moves = charts.map(([el, svg]) => {
    const box = svg.getBoundingClientRect();
    const cut = [];
    for (const g of svg.querySelectorAll('[data-mark$="-axis label"]')) {
      for (const t of g.querySelectorAll('text')) {
        const b = t.getBoundingClientRect();
        if (b.left < box.left - 1 || b.right > box.right + 1) cut.push([g, t]);
      }
    }
    return [el, cut];
  });
  for (const [el, cut] of moves) {
    if (!cut.length) continue;
    const notes = cut.map(([g, t]) => `${g.dataset.mark.startsWith('y') ? 'Up' : 'Across'}: ${t.textContent.replace(/[↑→]/g, '').trim()}`);
    for (const [, t] of cut) t.setAttribute('display', 'none');
    const p = document.createElement('p');
    p.className = 'axis-note';
    p.textContent = notes.join(' · ');
    el.querySelector('.chart-slot').after(p);
  }
}

export function renderTable(el, { columns, rows }) {
  let details = el.querySelector('details.data');
  if (!details) {
    details = document.createElement('details');
    details.className = 'data';
    const summary = document.createElement('summary');
    summary.textContent = 'Numbers behind this chart';
    details.append(summary);
    el.append(details);
  }
  const tableEl = document.createElement('table');
  const thead = tableEl.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c;
    thead.append(th);
  }
  const body = tableEl.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    r.forEach((cell, i) => {
      const td = i === 0 ? document.createElement('th') : document.createElement('td');
      if (i === 0) td.scope = 'row';
      td.textContent = typeof cell === 'number' ? fmt(cell, 4) : String(cell);
      tr.append(td);
    });
  }
  details.querySelector('table')?.remove();
  details.append(tableEl);
}

/** Room for the longest row label (about 7 px per character at 13 px). */
const labelMargin = (labels) => Math.min(280, 16 + 7.2 * Math.max(8, ...labels.map((l) => String(l).length)));

const base = (opts) => ({
  style: { fontSize: '13px', overflow: 'visible' },
  marginBottom: 46,
  marginRight: 24,
  width: Math.max(320, Math.min(760, opts.width ?? 720)),
  ...opts,
});

/**
 * Point estimates with intervals against the truth: rows = [{ label, value, lower, upper, color,
 * truth? }]. `truth` draws one dashed line; a row's own `truth` draws a black tick on that row
 * (for rows whose true values differ, e.g. per segment).
 */
export function estimatesChart(el, { rows, truth, xLabel, description, width, truthLabel = 'truth', xDomain }) {
  const data = rows.filter((r) => Number.isFinite(r.value));
  show(el, {
    data: { rows, truth, xLabel },
    description,
    table: {
      columns: ['estimator', 'estimate', 'lower', 'upper', 'truth', 'error vs truth'],
      // a row without an estimate says why (`missing`), not a row of dashes
      rows: rows.map((r) => {
        const t = Number.isFinite(r.truth) ? r.truth : truth;
        if (!Number.isFinite(r.value)) return [r.label, r.missing ?? 'no estimate', '', '', t ?? NaN, ''];
        return [r.label, r.value, r.lower ?? NaN, r.upper ?? NaN, t ?? NaN, Number.isFinite(t) ? r.value - t : NaN];
      }),
    },
    make: (P) =>
      P.plot(
        base({
          width: width ?? el.clientWidth,
          height: 56 + 34 * Math.max(1, rows.length),
          marginLeft: labelMargin(rows.map((r) => r.label)),
          x: { label: xLabel, grid: true, nice: !xDomain, domain: xDomain, labelAnchor: 'center', labelOffset: 38 },
          y: { label: null, domain: rows.map((r) => r.label) },
          clip: Boolean(xDomain),
          marks: [
            Number.isFinite(truth) ? P.ruleX([truth], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' }) : null,
            Number.isFinite(truth) ? P.text([truth], { x: (d) => d, frameAnchor: 'top', dy: -6, text: () => truthLabel, fill: TRUTH }) : null,
            P.ruleY(data.filter((r) => Number.isFinite(r.lower)), { y: 'label', x1: 'lower', x2: 'upper', stroke: (r) => r.color ?? COLORS[0], strokeWidth: 3 }),
            P.tickX(rows.filter((r) => Number.isFinite(r.truth)), { y: 'label', x: 'truth', stroke: TRUTH, strokeWidth: 2.5 }),
            P.dot(data, { y: 'label', x: 'value', fill: (r) => r.color ?? COLORS[0], r: 5, stroke: 'white', title: (r) => `${r.label}: ${fmt(r.value)}` }),
          ],
        }),
      ),
  });
}

/**
 * Spread over replicates: rows = [{ label, mean, lo, hi, truth? , color }] where lo/hi are the
 * 2.5% and 97.5% quantiles of the estimates.
 */
export function spreadChart(el, { rows, truth, xLabel, description, width, truthLabel = 'truth', xDomain }) {
  show(el, {
    data: { rows, truth },
    description,
    table: {
      columns: ['estimator', 'mean estimate', '2.5% of replicates', '97.5% of replicates', 'bias', 'RMSE'],
      rows: rows.map((r) => [r.label, r.mean, r.lo, r.hi, r.bias, r.rmse]),
    },
    make: (P) =>
      P.plot(
        base({
          width: width ?? el.clientWidth,
          height: 56 + 34 * Math.max(1, rows.length),
          marginLeft: labelMargin(rows.map((r) => r.label)),
          x: { label: xLabel, grid: true, nice: !xDomain, domain: xDomain, labelAnchor: 'center', labelOffset: 38 },
          y: { label: null, domain: rows.map((r) => r.label) },
          clip: Boolean(xDomain),
          marks: [
            P.ruleX([truth], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' }),
            P.text([truth], { x: (d) => d, frameAnchor: 'top', dy: -6, text: () => truthLabel, fill: TRUTH }),
            P.ruleY(rows, { y: 'label', x1: 'lo', x2: 'hi', stroke: (r) => r.color ?? COLORS[0], strokeWidth: 6, strokeOpacity: 0.35 }),
            P.dot(rows, { y: 'label', x: 'mean', fill: (r) => r.color ?? COLORS[0], r: 5, stroke: 'white' }),
          ],
        }),
      ),
  });
}

export function mean(xs) {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/**
 * Grouped bars: data = [{ group, series, value }], one colour per series (in `series` order).
 */
export function groupedBarsChart(el, { data, series, groups, xLabel, yLabel, description, percent = false, width }) {
  show(el, {
    data: { data, series },
    description,
    table: {
      columns: [xLabel, ...series],
      rows: groups.map((g) => [g, ...series.map((s) => data.find((d) => d.group === g && d.series === s)?.value ?? NaN)]),
    },
    make: (P) => {
      const w = Math.max(320, Math.min(760, width ?? el.clientWidth));
      // Group labels side by side need about 7 px a character. When they do not fit, tilt them
      // by 40° if that is enough, else stand them upright. A tilted label's box is cos 40° of its
      // length plus sin 40° of its line height (16 px) wide; an upright one is one line wide.
      const longest = Math.max(...groups.map((g) => String(g).length));
      const spacing = (w - 60) / groups.length;
      const rotate = spacing >= 8 + 7 * longest ? 0 : spacing >= 0.77 * 7 * longest + 0.64 * 16 ? -40 : -90;
      const drop = rotate === 0 ? 0 : rotate === -40 ? 0.64 * 7 * longest : 7 * longest;
      return P.plot({
        style: { fontSize: '13px' },
        width: w,
        marginLeft: rotate === -40 ? Math.max(48, 5.5 * longest + 12) : undefined,
        height: 300 + drop,
        marginBottom: 40 + drop,
        fx: { label: xLabel, domain: groups, padding: 0.15, tickRotate: rotate, labelOffset: rotate ? 34 + drop : undefined },
        x: { axis: null, domain: series },
        y: { label: yLabel, grid: true, tickFormat: percent ? (d) => `${Math.round(d * 100)}%` : undefined },
        color: { domain: series, range: COLORS, legend: true },
        marks: [
          P.barY(data, { fx: 'group', x: 'series', y: 'value', fill: 'series', title: (d) => `${d.series}, ${d.group}: ${percent ? pct(d.value) : fmt(d.value)}` }),
          P.ruleY([0]),
        ],
      });
    },
  });
}

/**
 * Lines over x with optional interval bands: series = [{ label, color, points: [{ x, y, lo?, hi? }] }];
 * `truth` is a number (horizontal line) or points.
 */
export function linesChart(el, { series, truth, xLabel, yLabel, description, width, xType, yType, percentY = false, yDomain, truthLabel = 'truth' }) {
  const pts = series.flatMap((s) => s.points.map((p) => ({ ...p, label: s.label })));
  const truthPts = Array.isArray(truth) ? truth : null;
  show(el, {
    data: { pts, truth },
    description,
    table: {
      columns: [xLabel, ...series.map((s) => s.label), ...(truth !== undefined ? [truthLabel] : [])],
      rows: [...new Set(pts.map((p) => p.x))].map((x) => [
        x,
        ...series.map((s) => s.points.find((p) => p.x === x)?.y ?? NaN),
        ...(truth !== undefined ? [truthPts ? truthPts.find((p) => p.x === x)?.y ?? NaN : truth] : []),
      ]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px' },
        width: Math.max(320, Math.min(760, width ?? el.clientWidth)),
        height: 300,
        marginBottom: 46,
        x: { label: xLabel, type: xType, grid: true, labelAnchor: 'center', labelOffset: 38 },
        y: { label: yLabel, type: yType, grid: true, nice: !yDomain, domain: yDomain, clamp: false, tickFormat: percentY ? (d) => `${Math.round(d * 100)}%` : yType === 'log' ? '~g' : undefined },
        clip: Boolean(yDomain),
        color: { domain: [...series.map((s) => s.label), ...(truth !== undefined ? [truthLabel] : [])], range: [...series.map((s, i) => s.color ?? COLORS[i]), TRUTH], legend: true },
        marks: [
          ...series.map((s, i) =>
            P.areaY(s.points.filter((p) => Number.isFinite(p.lo)), { x: 'x', y1: 'lo', y2: 'hi', fill: s.color ?? COLORS[i], fillOpacity: 0.15 }),
          ),
          truthPts
            ? P.line(truthPts, { x: 'x', y: 'y', stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' })
            : Number.isFinite(truth)
              ? P.ruleY([truth], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' })
              : null,
          ...series.map((s, i) => P.line(s.points, { x: 'x', y: 'y', stroke: s.color ?? COLORS[i], strokeWidth: 2, marker: 'circle' })),
        ],
      }),
  });
}

/**
 * A scatter of points with optional error bars in x and y: points = [{ label, x, y, xlo?, xhi?,
 * ylo?, yhi?, group? }], coloured by `group` (in `groups` order). `diagonal` draws y = x.
 */
export function scatterChart(el, { points, groups = [], xLabel, yLabel, description, width, diagonal = false, xDomain, yDomain }) {
  const g = groups.length ? groups : [...new Set(points.map((p) => p.group ?? ''))];
  show(el, {
    data: { points, groups: g },
    description,
    table: {
      columns: ['', xLabel, 'x low', 'x high', yLabel, 'y low', 'y high'],
      rows: points.map((p) => [p.label, p.x, p.xlo ?? NaN, p.xhi ?? NaN, p.y, p.ylo ?? NaN, p.yhi ?? NaN]),
    },
    make: (P) => {
      const lo = Math.min(...points.flatMap((p) => [p.x, p.y, p.xlo ?? p.x, p.ylo ?? p.y]).filter(Number.isFinite));
      const hi = Math.max(...points.flatMap((p) => [p.x, p.y, p.xhi ?? p.x, p.yhi ?? p.y]).filter(Number.isFinite));
      return P.plot({
        style: { fontSize: '13px' },
        width: Math.max(320, Math.min(760, width ?? el.clientWidth)),
        height: 360,
        marginBottom: 46,
        x: { label: xLabel, grid: true, nice: !xDomain, domain: xDomain, labelAnchor: 'center', labelOffset: 38 },
        y: { label: yLabel, grid: true, nice: !yDomain, domain: yDomain },
        clip: Boolean(xDomain || yDomain),
        color: { domain: g, range: COLORS, legend: g.length > 1 },
        marks: [
          diagonal && Number.isFinite(lo) ? P.line([[lo, lo], [hi, hi]], { stroke: TRUTH, strokeDasharray: '4 3' }) : null,
          P.ruleY(points.filter((p) => Number.isFinite(p.xlo)), { y: 'y', x1: 'xlo', x2: 'xhi', stroke: (p) => p.group ?? '', strokeOpacity: 0.6 }),
          P.ruleX(points.filter((p) => Number.isFinite(p.ylo)), { x: 'x', y1: 'ylo', y2: 'yhi', stroke: (p) => p.group ?? '', strokeOpacity: 0.6 }),
          P.dot(points, { x: 'x', y: 'y', fill: (p) => p.group ?? '', r: 5, stroke: 'white', title: (p) => `${p.label}: ${fmt(p.x)}, ${fmt(p.y)}` }),
        ],
      });
    },
  });
}
