// Lesson 9: "Who else does the recommender serve?".
import { defineControls } from '../js/state.js';
import { startLesson } from '../js/lesson.js';
import { show, groupedBarsChart, COLORS, TRUTH, fmt, pct } from '../js/charts.js';
import spec from './stakeholders.json' with { type: 'json' };

const controls = defineControls(spec.controls);
const { presets } = spec;

/**
 * Figure widths. Reading clientWidth after a chart was replaced forces a layout of the whole page,
 * which costs more than drawing the chart, so the widths are read once and again only on resize.
 */
let widths = new WeakMap();
globalThis.addEventListener?.('resize', () => (widths = new WeakMap()));
const chartWidth = (el) => Math.max(300, Math.min(760, widths.get(el) || el.clientWidth || 720));
const g2 = (g) => g.toFixed(2);

/** Engagement against creator-exposure Gini for every γ, coloured by revenue, with the selected policy and its estimate. */
function frontierChart(el, r, s) {
  const pts = r.frontier.map((p) => ({ ...p, dominated: r.frontier.some((q) => q !== p && q.engagement >= p.engagement && q.gini <= p.gini && (q.engagement > p.engagement || q.gini < p.gini)) }));
  const sel = r.selected;
  const e = r.estimates;
  const est = e ? { x: e.gini.estimate, xlo: e.gini.lower, xhi: e.gini.upper, y: e.clicks.ips.estimate, ylo: e.clicks.ips.lower, yhi: e.clicks.ips.upper } : null;
  const labelled = pts.filter((p) => [0, 0.2, 0.4, 0.6].some((g) => Math.abs(p.gamma - g) < 1e-9));
  const ys = [...pts.map((p) => p.engagement), ...(est ? [est.ylo, est.yhi] : [])];
  const revs = r.frontier.map((p) => p.revenue);
  const xMax = Math.min(1, Math.ceil(10 * (Math.max(...pts.map((p) => p.gini), est ? est.xhi : 0) + 0.04)) / 10);
  show(el, {
    data: { pts, sel: sel.gamma, est, narrow: chartWidth(el) < 520 },
    description: `Trade-off frontier: engagement (clicks per visit) against the Gini coefficient of creator exposure for fairness weights γ from 0 to ${g2(Math.max(...pts.map((p) => p.gamma)))}, coloured by revenue per visit. Selected γ = ${g2(sel.gamma)}: ${fmt(sel.engagement)} clicks per visit, Gini ${fmt(sel.gini, 2)}, revenue ${fmt(sel.revenue)} per visit.`,
    table: {
      columns: ['fairness weight γ', 'clicks per visit (exact)', 'creator exposure Gini (exact)', 'revenue per visit (exact)', 'bottom-half creators’ share of impressions', 'long-tail items’ share of impressions', 'dominated by another γ'],
      rows: pts.map((p) => [g2(p.gamma), p.engagement, p.gini, p.revenue, pct(p.smallExposure), pct(p.tail), p.dominated ? 'yes' : 'no']),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: chartWidth(el),
        height: 380,
        marginLeft: 52,
        marginRight: 28,
        marginBottom: 44,
        x: { label: chartWidth(el) < 520 ? 'Creator exposure Gini (0 = equal) →' : 'Gini of creator exposure (0 = every creator shown equally) →', domain: [0, xMax], grid: true, labelOffset: 38 },
        y: { label: '↑ Engagement (expected clicks per visit)', domain: [Math.max(0, Math.min(...ys) - 0.03), Math.max(...ys) + 0.03], grid: true },
        color: { type: 'linear', scheme: 'viridis', domain: [Math.min(...revs), Math.max(...revs)], label: 'Revenue per visit (price units) →', legend: true, tickFormat: (d) => d.toFixed(2) },
        marks: [
          // one item per visit: at most one click; an IPS interval can still reach past it
          Math.max(...ys) > 1 ? P.ruleY([1], { stroke: '#666', strokeDasharray: '2 3' }) : null,
          Math.max(...ys) > 1 ? P.text([1], { y: (d) => d, frameAnchor: 'right', dy: -7, textAnchor: 'end', text: () => 'the most possible: 1 click per visit', fill: '#555', fontSize: 11.5 }) : null,
          P.line(pts, { x: 'gini', y: 'engagement', stroke: '#999', strokeWidth: 1.5 }),
          P.dot(pts, { x: 'gini', y: 'engagement', fill: 'revenue', stroke: '#222', strokeWidth: 1, r: 5.5, fillOpacity: (p) => (p.dominated ? 0.3 : 1), strokeOpacity: (p) => (p.dominated ? 0.4 : 1), title: (p) => `γ = ${g2(p.gamma)}: ${fmt(p.engagement)} clicks per visit, Gini ${fmt(p.gini, 2)}, revenue ${fmt(p.revenue)} per visit${p.dominated ? ' (dominated)' : ''}` }),
          P.text(labelled.filter((p) => p.gamma === 0), { x: 'gini', y: 'engagement', text: () => 'γ = 0: clicks only', dx: 6, dy: -18, textAnchor: 'end', fill: '#333', fontSize: 11.5 }),
          P.text(labelled.filter((p) => p.gamma > 0), { x: 'gini', y: 'engagement', text: (p) => `γ = ${g2(p.gamma)}`, dx: 12, dy: 14, textAnchor: 'start', fill: '#333', fontSize: 11.5 }),
          P.dot([sel], { x: 'gini', y: 'engagement', r: 11, stroke: TRUTH, strokeWidth: 2.5, fill: 'none' }),
          est ? P.ruleY([est], { y: 'y', x1: 'xlo', x2: 'xhi', stroke: COLORS[3], strokeWidth: 2.5 }) : null,
          est ? P.ruleX([est], { x: 'x', y1: 'ylo', y2: 'yhi', stroke: COLORS[3], strokeWidth: 2.5 }) : null,
          est ? P.dot([est], { x: 'x', y: 'y', symbol: 'diamond', r: 5, fill: COLORS[3], stroke: 'white' }) : null,
          est ? P.text(['◆ The selected γ estimated from the production log, 95% intervals'], { frameAnchor: 'bottom-left', dx: 8, dy: -8, fill: COLORS[3], fontSize: 12, fontWeight: 600, lineWidth: 22 }) : null,
        ],
      }),
  });
}

/**
 * Every objective of the selected policy estimated from the log, as the error relative to its
 * exact value (so that clicks, revenue, shares and a Gini fit one axis), with 95% intervals.
 */
function estimatesChart(el, r, s) {
  const e = r.estimates;
  const t = r.selected;
  const OUTCOME = 'From clicks: IPS / SNIPS, needs the logging propensities';
  const EXPOSURE = 'From π_e and the logged users only (no clicks)';
  const rows = [
    { label: 'Clicks per visit, IPS', v: e.clicks.ips, exact: t.engagement, kind: OUTCOME },
    { label: 'Clicks per visit, SNIPS', v: e.clicks.snips, exact: t.engagement, kind: OUTCOME },
    { label: 'Revenue per visit, IPS', v: e.revenue.ips, exact: t.revenue, kind: OUTCOME },
    { label: 'Revenue per visit, SNIPS', v: e.revenue.snips, exact: t.revenue, kind: OUTCOME },
    { label: 'Bottom half’s revenue share, IPS', v: e.smallRevenue, exact: t.smallRevenue, kind: OUTCOME },
    { label: 'Creator exposure Gini', v: e.gini, exact: t.gini, kind: EXPOSURE },
    { label: 'Bottom half’s impression share', v: e.smallExposure, exact: t.smallExposure, kind: EXPOSURE },
    { label: 'Long-tail items’ impression share', v: e.tail, exact: t.tail, kind: EXPOSURE },
  ].map((d) => ({ ...d, err: (100 * (d.v.estimate - d.exact)) / d.exact, lo: (100 * (d.v.lower - d.exact)) / d.exact, hi: (100 * (d.v.upper - d.exact)) / d.exact }));
  const narrow = chartWidth(el) < 560;
  const reach = Math.max(2, ...rows.flatMap((d) => [Math.abs(d.lo), Math.abs(d.hi)]).filter(Number.isFinite));
  const lim = Math.min(100, Math.ceil(reach * 1.1));
  // Errors beyond ±100% are drawn to the edge, with an arrow and the real value: nothing leaves the
  // chart silently.
  const clampX = (x) => Math.max(-lim, Math.min(lim, x));
  const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(0)}%`;
  for (const d of rows) {
    d.label = d.v.caution ? `${d.label} ⚠` : d.label;
    d.x1 = clampX(d.lo);
    d.x2 = clampX(d.hi);
    d.x = clampX(d.err);
    d.beyond = [d.lo < -lim ? `◀ ${signed(d.lo)}` : '', Math.abs(d.err) > lim ? `estimate ${signed(d.err)}` : '', d.hi > lim ? `${signed(d.hi)} ▶` : ''].filter(Boolean).join(' · ');
  }
  const cut = rows.filter((d) => d.beyond);
  show(el, {
    data: { rows: rows.map((d) => [d.label, d.v, d.exact]), narrow },
    description: `Estimates of every objective of the policy with γ = ${g2(r.gamma)} from one production log of ${e.n} visits, as the percentage error against the exact value, with 95% intervals${cut.length ? `; ${cut.length} of them reach beyond ±${lim}%, drawn to the edge and labelled with their real value` : ''}.`,
    table: {
      columns: ['objective', 'estimate', '95% interval: from', 'to', 'exact value', 'error of the estimate', 'caution'],
      rows: rows.map((d) => [d.label, d.v.estimate, d.v.lower, d.v.upper, d.exact, `${d.err >= 0 ? '+' : ''}${d.err.toFixed(1)}%`, d.v.caution ?? '']),
    },
    make: (P) => {
      const h = narrow ? 44 : 30;
      const domain = rows.map((d) => d.label);
      return P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: chartWidth(el),
        height: 110 + h * rows.length,
        marginTop: 28,
        marginLeft: narrow ? 8 : 236,
        marginRight: 24,
        marginBottom: 44,
        x: { label: 'Error of the estimate, % of the exact value →', domain: [-lim, lim], grid: true, labelOffset: 38, tickFormat: (d) => `${d > 0 ? '+' : ''}${d}%` },
        y: narrow ? { axis: null, domain, padding: 0.5 } : { label: null, domain, padding: 0.3 },
        color: { domain: [OUTCOME, EXPOSURE], range: [COLORS[0], COLORS[2]], legend: true },
        marks: [
          narrow ? P.text(rows, { y: 'label', text: 'label', frameAnchor: 'left', textAnchor: 'start', lineAnchor: 'bottom', dy: -h / 4 - 2, fill: '#222' }) : null,
          P.ruleX([0], { stroke: TRUTH, strokeWidth: 2, strokeDasharray: '4 3' }),
          P.text([0], { x: (d) => d, frameAnchor: 'top', dy: -10, text: () => 'exact value', fill: TRUTH }),
          P.ruleY(rows, { y: 'label', x1: 'x1', x2: 'x2', stroke: 'kind', strokeWidth: 3 }),
          P.dot(rows, { y: 'label', x: 'x', fill: 'kind', r: 5, stroke: 'white', title: (d) => `${d.label}: ${fmt(d.v.estimate)} (95% ${fmt(d.v.lower)} to ${fmt(d.v.upper)}), exact ${fmt(d.exact)}${d.v.caution ? `. Careful: ${d.v.caution}` : ''}` }),
          P.text(cut, { y: 'label', x: (d) => (d.hi > lim || d.err > lim ? lim : -lim), text: 'beyond', textAnchor: (d) => (d.hi > lim || d.err > lim ? 'end' : 'start'), dy: -9, fill: '#222', fontSize: 11.5 }),
        ],
      });
    },
  });
}

function sharesChart(el, r) {
  const groups = ['1–8', '9–16', '17–24', '25–32', '33–40'];
  const sel = `γ = ${g2(r.gamma)}`;
  const series = ['Impressions, clicks only', `Impressions, ${sel}`, 'Revenue, clicks only', `Revenue, ${sel}`];
  const g = r.groups;
  const data = groups.flatMap((group, i) => [
    { group, series: series[0], value: g.production.exposure[i] },
    { group, series: series[1], value: g.selected.exposure[i] },
    { group, series: series[2], value: g.production.revenue[i] },
    { group, series: series[3], value: g.selected.revenue[i] },
  ]);
  groupedBarsChart(el, {
    groups,
    series,
    data,
    percent: true,
    width: chartWidth(el),
    xLabel: chartWidth(el) < 520 ? 'Creators, most shown by production first' : 'Creators, ranked by how much production shows them (most shown first)',
    yLabel: '↑ Share of all impressions or of all revenue',
    description: `Share of impressions and of revenue that each fifth of the 40 creators receives under clicks only and under γ = ${g2(r.gamma)} (exact values).`,
  });
}

/** One quantity of the creator loop over rounds: clicks only against the selected γ (exact, no estimates). */
function loopChart(el, r, s, { key, yLabel, yDomain, description }) {
  const L = r.loop;
  const sel = `γ = ${g2(r.gamma)}`;
  const series = [{ label: 'Clicks only (γ = 0)', color: COLORS[1], rows: L.clicksOnly }];
  if (r.gamma > 0) series.push({ label: sel, color: COLORS[0], rows: L.fair });
  const pts = series.flatMap((x) => x.rows.map((row) => ({ series: x.label, round: row.round, y: row[key] })));
  show(el, {
    data: { pts },
    description,
    table: {
      columns: ['round', ...series.map((x) => x.label)],
      rows: L.clicksOnly.map((row, i) => [row.round, ...series.map((x) => x.rows[i]?.[key] ?? NaN)]),
    },
    make: (P) =>
      P.plot({
        style: { fontSize: '13px', overflow: 'visible' },
        width: chartWidth(el),
        height: 260,
        marginLeft: 52,
        marginRight: 24,
        marginBottom: 44,
        x: { label: 'Round of the creator loop →', grid: true, labelOffset: 38, tickFormat: 'd', ticks: Math.min(10, s.rounds) },
        y: { label: yLabel, grid: true, domain: yDomain, nice: !yDomain },
        color: { domain: series.map((x) => x.label), range: series.map((x) => x.color), legend: true },
        marks: [
          yDomain ? P.ruleY([yDomain[0]]) : null,
          P.line(pts, { x: 'round', y: 'y', stroke: 'series', strokeWidth: 2.5, marker: 'circle' }),
          P.text(series.map((x) => ({ series: x.label, ...x.rows.at(-1), y: x.rows.at(-1)[key] })), { x: 'round', y: 'y', text: (d) => (key === 'engagement' ? fmt(d.y) : String(d.y)), fill: 'series', dx: -4, dy: -10, textAnchor: 'end', fontWeight: 600 }),
        ],
      }),
  });
}

function loopCharts(fig, r, s) {
  const sel = `γ = ${g2(r.gamma)}`;
  loopChart(fig.loopCreators, r, s, {
    key: 'activeCreators',
    yLabel: '↑ Creators still on the platform (of 40)',
    yDomain: [0, 40],
    description: `Creators still active after each of ${s.rounds} rounds when creators below ${pct(s.threshold, 0)} of a fair share of impressions leave: clicks only against ${sel} (exact).`,
  });
  loopChart(fig.loopEngagement, r, s, {
    key: 'engagement',
    yLabel: '↑ Engagement (expected clicks per visit)',
    description: `Expected clicks per visit after each round of the creator loop, clicks only against ${sel} (exact).`,
  });
}

function render(r, s, fig, root) {
  if (!r.selected) return;
  for (const el of Object.values(fig)) if (!widths.has(el)) widths.set(el, el.clientWidth);
  frontierChart(fig.frontier, r, s);
  if (r.groups) sharesChart(fig.shares, r);
  if (r.estimates) estimatesChart(fig.estimates, r, s);
  if (r.loop?.fair) loopCharts(fig, r, s);
  const p = r.production;
  const t = r.selected;
  const change = (a, b) => `${b >= a ? '+' : '−'}${Math.abs((100 * (b - a)) / a).toFixed(1)}%`;
  const known = Number.isFinite(t.smallRevenue);
  let text = r.gamma === 0
    ? `Clicks only (production): ${fmt(p.engagement)} clicks and ${fmt(p.revenue)} revenue per visit; creator exposure Gini ${fmt(p.gini, 2)}; the bottom half of creators get ${pct(p.smallExposure)} of impressions${known ? ` and ${pct(p.smallRevenue)} of revenue` : ''}.`
    : `γ = ${g2(r.gamma)} against clicks only: ${fmt(t.engagement)} clicks per visit (${change(p.engagement, t.engagement)}), revenue ${fmt(t.revenue)} per visit (${change(p.revenue, t.revenue)}), creator exposure Gini ${fmt(t.gini, 2)} instead of ${fmt(p.gini, 2)}; the bottom half of creators get ${pct(t.smallExposure)} of impressions (instead of ${pct(p.smallExposure)})${known ? ` and ${pct(t.smallRevenue)} of revenue (instead of ${pct(p.smallRevenue)})` : ''}.`;
  const e = r.estimates;
  if (e) text += ` From ${e.n.toLocaleString('en')} logged visits, IPS estimates ${fmt(e.clicks.ips.estimate)} clicks per visit (95% ${fmt(e.clicks.ips.lower)} to ${fmt(e.clicks.ips.upper)}${e.clicks.ips.caution ? `; careful: ${e.clicks.ips.caution}` : ''}) and the Gini at ${fmt(e.gini.estimate, 3)} (${fmt(e.gini.lower, 3)} to ${fmt(e.gini.upper, 3)}${e.gini.caution ? `; careful: ${e.gini.caution}` : ''}).`;
  const L = r.loop;
  if (L?.fair) {
    const a = L.clicksOnly.at(-1);
    const b = L.fair.at(-1);
    text += r.gamma === 0
      ? ` After ${s.rounds} rounds of the creator loop, ${a.activeCreators} of 40 creators remain and engagement is ${fmt(a.engagement)}.`
      : ` After ${s.rounds} rounds of the creator loop: clicks only keeps ${a.activeCreators} of 40 creators and ${fmt(a.engagement)} clicks per visit, γ = ${g2(r.gamma)} keeps ${b.activeCreators} and ${fmt(b.engagement)}.`;
  }
  root.querySelector('.readout').textContent = text;
}

// ----- predict, then check -----
const preset = (id) => presets.find((p) => p.id === id).state;

const learning = {
  prompts: [
    {
      id: 'fairness-cost',
      question: 'A small fairness weight, γ = 0.2, boosts the creators production under-exposes. How many clicks per visit will it cost, compared with ranking by clicks only?',
      answer: { kind: 'choice', options: [{ value: 'small', label: 'Less than 5%' }, { value: 'medium', label: '5% to 20%' }, { value: 'large', label: 'More than 20%' }] },
      state: { ...preset('little-fairness') },
      reveal(r, s, guess) {
        const cost = 1 - r.selected.engagement / r.production.engagement;
        const happened = cost < 0.05 ? 'small' : cost <= 0.2 ? 'medium' : 'large';
        const outcome = `At γ = ${s.gamma} users click ${fmt(r.selected.engagement)} times per visit against ${fmt(r.production.engagement)} with clicks only (${pct(cost, 1)} fewer), while the smallest creators’ share of exposure goes from ${pct(r.production.smallExposure)} to ${pct(r.selected.smallExposure)}.`;
        const why = happened === 'small'
          ? 'Near the clicks-only end the frontier is flat: many under-exposed creators make songs users like almost as much as the hits, so the first steps of fairness are cheap. Further along, each step costs more.'
          : 'This time even a small γ costs noticeably: at this setting the under-exposed creators’ songs are much less liked than the hits.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
    {
      id: 'creators-left',
      question: 'Rank by clicks only for 20 rounds; a creator whose exposure falls below the viability threshold leaves. Of the 40 creators, how many will still be there at the end?',
      answer: { kind: 'choice', options: [{ value: 'most', label: '30 or more' }, { value: 'some', label: '10 to 29' }, { value: 'few', label: 'Fewer than 10' }] },
      state: { ...preset('long-run') },
      reveal(r, s, guess) {
        const last = r.loop.clicksOnly.at(-1);
        const fair = r.loop.fair.at(-1);
        const n = last.activeCreators;
        const happened = n >= 30 ? 'most' : n >= 10 ? 'some' : 'few';
        const outcome = `After ${last.round} rounds ${n} creators remain with clicks only (engagement ${fmt(last.engagement)}); with γ = ${s.gamma}, ${fair.activeCreators} remain (engagement ${fmt(fair.engagement)}).`;
        const why = happened === 'few'
          ? 'Clicks only concentrates exposure on the hits; the creators left out leave, which concentrates it further. Engagement even drops in the end, because the catalog users could like has shrunk: a cost no single-round evaluation sees.'
          : 'This time more creators survive than usual: at this threshold the exposure clicks only leaves them is still enough for many.';
        return { correct: guess === happened, answer: happened, outcome, why };
      },
    },
  ],
  exercise: {
    id: 'exposure-target',
    title: 'Exercise: the smallest γ that reaches a target',
    answerLabel: 'Fairness weight γ',
    answer: { kind: 'number', min: 0, max: 0.6, step: 0.05, start: 0, unit: '' },
  },
};

startLesson({ slug: 'stakeholders', controls, presets, task: 'stakeholders', render, learning });
