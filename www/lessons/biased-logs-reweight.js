// Lesson 1's reweighting view: the page's log as bubbles — one per tenth of the catalog (by
// popularity) and click / no click — whose areas are how much those visits count, first read
// naively, then with IPS. A gauge below shows the estimate they add up to, against the truth.
// Two buttons step between the readings; the change is animated unless the learner asked for
// reduced motion (then it is an instant step). The numbers come from the core (output.reweighting).

const W = 640;
const H = 250;
const TOP = 26;
const LEFT = 92;
const RIGHT = 16;
const GAUGE = 206;

/** The estimate the bins add up to in a reading. */
function estimate(bins, mode) {
  if (mode === 'ips') {
    const n = bins.reduce((a, b) => a + b.visits, 0);
    return bins.filter((b) => b.clicked).reduce((a, b) => a + b.ipsWeight, 0) / n;
  }
  const total = bins.reduce((a, b) => a + b.naiveWeight, 0);
  return bins.filter((b) => b.clicked).reduce((a, b) => a + b.naiveWeight, 0) / total;
}

const NS = 'http://www.w3.org/2000/svg';
const svgEl = (tag, attrs = {}) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

export function reweightView(fig, r, { digest, renderTable, fmt, COLORS }) {
  const d = digest({ bins: r.reweighting, truth: r.truth });
  if (fig.dataset.digest === d) return;
  delete fig.dataset.digest;
  let slot = fig.querySelector('.chart-slot');
  if (!slot) {
    slot = document.createElement('div');
    slot.className = 'chart-slot';
    fig.prepend(slot);
    const bar = document.createElement('div');
    bar.className = 'reweight-steps';
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'How the visits count');
    for (const [mode, label] of [['naive', '1. Read naively (weight π_e)'], ['ips', '2. IPS (weight π_e / π₀)']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.mode = mode;
      b.textContent = label;
      b.addEventListener('click', () => draw(fig, mode, true, fmt));
      bar.append(b);
    }
    fig.insertBefore(bar, slot);
  }
  const bins = r.reweighting;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': '' });
  svg.style.width = '100%';
  svg.style.maxWidth = `${W}px`;
  svg.style.height = 'auto';
  const colW = (W - LEFT - RIGHT) / 10;
  for (const [row, text] of [[0, 'clicked'], [1, 'not clicked']]) {
    const t = svgEl('text', { x: LEFT - 8, y: TOP + 45 + row * 85, 'text-anchor': 'end', 'font-size': 13 });
    t.textContent = text;
    svg.append(t);
  }
  for (const [k, text, anchor] of [[0, '← most popular', 'start'], [9, 'long tail →', 'end']]) {
    const t = svgEl('text', { x: LEFT + (k + (anchor === 'start' ? 0 : 1)) * colW, y: TOP - 10, 'text-anchor': anchor, 'font-size': 12, fill: '#57606a' });
    t.textContent = text;
    svg.append(t);
  }
  const g = svgEl('g', { 'data-mark': 'bubbles' });
  for (const b of bins) {
    const c = svgEl('circle', { cx: LEFT + (b.decile + 0.5) * colW, cy: TOP + (b.clicked ? 45 : 130), r: 0, fill: b.clicked ? COLORS[0] : '#8c959f', 'fill-opacity': 0.75 });
    c.dataset.decile = b.decile;
    c.dataset.clicked = b.clicked;
    const title = svgEl('title');
    title.textContent = `${b.visits} visits to the ${b.decile === 0 ? 'most popular' : `${10 * b.decile + 1}–${10 * (b.decile + 1)}%`} tenth, ${b.clicked ? 'clicked' : 'not clicked'}`;
    c.append(title);
    g.append(c);
  }
  svg.append(g);
  const gauge = svgEl('g', { 'data-mark': 'gauge' });
  gauge.append(svgEl('line', { x1: LEFT, x2: W - RIGHT, y1: GAUGE, y2: GAUGE, stroke: '#57606a' }));
  const truthX = svgEl('line', { y1: GAUGE - 14, y2: GAUGE + 14, stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '4 3' });
  const truthT = svgEl('text', { y: GAUGE + 30, 'text-anchor': 'middle', 'font-size': 12 });
  const est = svgEl('circle', { cy: GAUGE, r: 7, fill: COLORS[3] });
  const estT = svgEl('text', { y: GAUGE - 14, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600 });
  const label = svgEl('text', { x: LEFT - 8, y: GAUGE + 4, 'text-anchor': 'end', 'font-size': 13 });
  label.textContent = 'estimate';
  gauge.append(truthX, truthT, est, estT, label);
  svg.append(gauge);
  slot.replaceChildren(svg);
  fig.reweight = { bins, truth: r.truth, circles: [...g.querySelectorAll('circle')], truthX, truthT, est, estT, svg };
  draw(fig, fig.dataset.mode ?? 'naive', false, fmt);
  renderTable(fig, {
    columns: ['popularity tenth', 'clicked', 'visits', 'weight read naively (Σ π_e)', 'weight in IPS (Σ π_e/π₀)'],
    rows: bins.map((b) => [`${10 * b.decile + 1}–${10 * (b.decile + 1)}%`, b.clicked ? 'yes' : 'no', b.visits, b.naiveWeight, b.ipsWeight]),
  });
  fig.dataset.digest = d;
}

/** Show reading `mode` ("naive" or "ips"), animated unless reduced motion is asked for. */
function draw(fig, mode, animate, fmt) {
  const v = fig.reweight;
  if (!v) return;
  fig.dataset.mode = mode;
  for (const b of fig.querySelectorAll('.reweight-steps button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  const key = mode === 'ips' ? 'ipsWeight' : 'naiveWeight';
  const max = Math.max(...v.bins.map((b) => b[key]));
  const colW = (W - LEFT - RIGHT) / 10;
  const rMax = Math.min(colW * 0.55, 40);
  const e = estimate(v.bins, mode);
  const other = estimate(v.bins, mode === 'ips' ? 'naive' : 'ips');
  const top = Math.max(e, other, v.truth) * 1.15 || 1;
  const x = (val) => LEFT + (Math.min(val, top) / top) * (W - LEFT - RIGHT);
  const still = !animate || matchMedia('(prefers-reduced-motion: reduce)').matches || !globalThis.d3;
  const radii = v.bins.map((b) => (max > 0 ? Math.sqrt(b[key] / max) * rMax : 0));
  if (still) {
    v.circles.forEach((c, i) => c.setAttribute('r', radii[i]));
    v.est.setAttribute('cx', x(e));
    v.estT.setAttribute('x', x(e));
  } else {
    const t = globalThis.d3.transition().duration(900);
    globalThis.d3.selectAll(v.circles).data(radii).transition(t).attr('r', (d) => d);
    globalThis.d3.select(v.est).transition(t).attr('cx', x(e));
    globalThis.d3.select(v.estT).transition(t).attr('x', x(e));
  }
  v.estT.textContent = `${mode === 'ips' ? 'IPS' : 'naive'} ${fmt(e)}`;
  v.truthX.setAttribute('x1', x(v.truth));
  v.truthX.setAttribute('x2', x(v.truth));
  v.truthT.setAttribute('x', x(v.truth));
  v.truthT.textContent = `truth ${fmt(v.truth)}`;
  v.svg.setAttribute(
    'aria-label',
    `The page's log grouped by item popularity and click, ${mode === 'ips' ? 'weighted as IPS weights them' : 'weighted as the naive reading does'}: the estimate is ${fmt(e)} against a true click rate of ${fmt(v.truth)}.`,
  );
}
