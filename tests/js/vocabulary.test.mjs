// One vocabulary across the course (issue 13 §4), checked on every lesson page's prose: each
// glossary term's first use in running text links to its glossary entry, and the prose says IPS and
// SNIPS (OBP's code names IPW and SNIPW appear at most once per lesson, as "also called").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const dir = new URL('../../www/lessons/', import.meta.url);
const glossary = readFileSync(new URL('../../www/glossary.html', import.meta.url), 'utf8');
const ids = new Set([...glossary.matchAll(/<dt[^>]*id="([a-z0-9-]+)"/g)].map((m) => m[1]));

// term id → how it reads in prose (the first match in running text must sit in its link)
export const TERMS = {
  ips: /(?<![-\w])IPS(?![-\w])/,
  snips: /(?<![-\w])SNIPS(?![-\w])/,
  dm: /(?<![-\w])DM(?![-\w])/,
  dr: /(?<![-\w])DR(?![-\w])/,
  ess: /effective sample size/i,
  propensity: /\bpropensit(?:y|ies)\b/i,
  'importance-weight': /\bimportance weights?\b/i,
  'position-bias': /\bposition bias\b/i,
  'kendall-tau': /\bKendall/,
  positivity: /\bpositivity\b/i,
  confounder: /\bconfound(?:er|ers|ing)\b/i,
  'a-b-test': /\bA\/B test/,
};

/** Running text of a page, in order, with the glossary id of the link each piece sits in. */
function prose(html) {
  const body = html.slice(html.indexOf('<main'), html.lastIndexOf('</main>'));
  const SKIP = ['script', 'style', 'math', 'h1', 'h2', 'h3', 'summary', 'figcaption', 'nav', 'button', 'label', 'code'];
  const VOID = ['br', 'img', 'input', 'hr', 'meta', 'link', 'source', 'wbr'];
  const out = [];
  const open = []; // [{ tag, skip }]
  let link = null;
  for (const m of body.matchAll(/<!--[\s\S]*?-->|<(\/?)([a-zA-Z0-9-]+)([^>]*)>|([^<]+)/g)) {
    const [, close, tag, attrs, text] = m;
    if (text !== undefined) {
      if (!open.some((o) => o.skip)) out.push({ text: text.replace(/&nbsp;/g, ' '), link });
      continue;
    }
    if (tag === undefined) continue; // a comment
    const t = tag.toLowerCase();
    if (t === 'a') link = close ? null : (attrs.match(/href="\.\.\/glossary\.html#([a-z0-9-]+)"/) ?? [])[1] ?? '';
    if (VOID.includes(t) || /\/$/.test(attrs)) continue;
    if (close) {
      const i = open.map((o) => o.tag).lastIndexOf(t);
      if (i >= 0) open.length = i;
    } else open.push({ tag: t, skip: SKIP.includes(t) || /data-tex=/.test(attrs) });
  }
  return out;
}

for (const f of readdirSync(dir).filter((f) => f.endsWith('.html'))) {
  test(`${f}: each glossary term's first use links to its entry; IPS and SNIPS are the prose names`, () => {
    const html = readFileSync(new URL(f, dir), 'utf8');
    const pieces = prose(html);
    const problems = [];
    for (const [id, re] of Object.entries(TERMS)) {
      assert.ok(ids.has(id), `glossary has #${id}`);
      // text inside another link (another term's name, "inverse propensity scoring", or another
      // lesson's title) is not a use of this term; an acronym right after its term's link
      // ("<a>Inverse propensity scoring</a> (IPS)") counts as linked
      const i = pieces.findIndex((p) => (p.link === null || p.link === id) && re.test(p.text));
      const first = pieces[i];
      const afterItsLink = i > 0 && pieces[i - 1].link === id && new RegExp(`^\\s*[(,—–-]?\\s*${re.source}`, re.flags).test(first.text);
      if (first && first.link !== id && !afterItsLink) problems.push(`${id}: first used in "${first.text.trim().slice(0, 70)}" ${first.link ? `(linked to #${first.link})` : '(no link)'}`);
    }
    assert.deepEqual(problems, []);
    const text = pieces.map((p) => p.text).join(' ');
    for (const name of ['IPW', 'SNIPW']) {
      const n = (text.match(new RegExp(`(?<![-\\w])${name}(?![-\\w])`, 'g')) ?? []).length;
      assert.ok(n <= 1, `${name} appears ${n} times in the prose (say ${name.replace('W', 'S')}; mention ${name} once)`);
    }
  });
}
