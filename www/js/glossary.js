// The glossary page: typeset its formulas, and mark the term a lesson linked to (the #id in the URL).
import { renderMath } from './math.js';

renderMath(document);
function mark() {
  for (const el of document.querySelectorAll('dt.linked')) el.classList.remove('linked');
  const id = decodeURIComponent(location.hash.slice(1));
  const dt = id && document.getElementById(id);
  if (dt?.tagName === 'DT') dt.classList.add('linked');
}
addEventListener('hashchange', mark);
mark();
