// The "share / embed" panel: a link to the exact current run, a checklist of controls to hide
// (TensorFlow Playground's classroom feature), and copy-paste snippets for an iframe and for the
// <receval-lesson> custom element. Everything is built with DOM APIs and textContent/value, never
// from HTML strings.
import { serialize } from './state.js';

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
}

export function buildSharePanel(container, { registry, slug, getState, getHidden }) {
  if (!container) return null;
  const hideSet = new Set(getHidden());
  let widgetOnly = true;

  const summary = el('summary', { textContent: 'Share or embed this setup' });
  const linkLabel = el('label', { textContent: 'Link to exactly this run (seed included)' });
  const link = el('input', { type: 'text', readOnly: true, className: 'share-link', id: `${slug}-share-link` });
  linkLabel.htmlFor = link.id;
  const copy = el('button', { type: 'button', textContent: 'Copy link' });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link.value);
      copy.textContent = 'Copied';
    } catch {
      link.select();
      copy.textContent = 'Press Ctrl+C to copy';
    }
    setTimeout(() => (copy.textContent = 'Copy link'), 2000);
  });

  const hideBox = el('fieldset', { className: 'share-hide' }, el('legend', { textContent: 'Hide these controls from learners' }));
  for (const [key, c] of registry) {
    const id = `${slug}-hide-${key}`;
    const cb = el('input', { type: 'checkbox', id, checked: hideSet.has(key) });
    cb.dataset.key = key;
    cb.addEventListener('change', () => {
      if (cb.checked) hideSet.add(key);
      else hideSet.delete(key);
      refresh();
    });
    const lab = el('label', { textContent: c.label });
    lab.htmlFor = id;
    hideBox.append(el('div', { className: 'check' }, cb, lab));
  }
  const onlyId = `${slug}-widget-only`;
  const only = el('input', { type: 'checkbox', id: onlyId, checked: widgetOnly });
  only.addEventListener('change', () => {
    widgetOnly = only.checked;
    refresh();
  });
  const onlyLabel = el('label', { textContent: 'Embed the interactive widget only (without this page’s text)' });
  onlyLabel.htmlFor = onlyId;

  const iframeLabel = el('label', { textContent: 'iframe (works on any course platform)' });
  const iframeCode = el('textarea', { readOnly: true, rows: 3, className: 'share-code', id: `${slug}-iframe-code` });
  iframeLabel.htmlFor = iframeCode.id;
  const elementLabel = el('label', { textContent: 'Custom element (for pages that allow scripts; resizes itself)' });
  const elementCode = el('textarea', { readOnly: true, rows: 3, className: 'share-code', id: `${slug}-element-code` });
  elementLabel.htmlFor = elementCode.id;

  container.replaceChildren(
    summary,
    el('div', { className: 'share-body' }, linkLabel, el('div', { className: 'share-row' }, link, copy), hideBox, el('div', { className: 'check' }, only, onlyLabel), iframeLabel, iframeCode, elementLabel, elementCode),
  );

  function refresh() {
    const state = getState();
    const base = `${location.origin}${location.pathname}`;
    link.value = `${base}#${serialize(state, registry, { hidden: hideSet })}`;
    const embedHash = serialize(state, registry, { hidden: hideSet, embed: widgetOnly });
    iframeCode.value = `<iframe src="${base}#${embedHash}" title="receval lesson: ${slug}" width="100%" height="760" style="border:0" loading="lazy"></iframe>`;
    const stateAttr = serialize(state, registry).replace(/^v=1&/, '');
    const script = new URL('../js/receval-lesson.js', location.href).href;
    const hideAttr = [...hideSet].join(',');
    elementCode.value = `<script type="module" src="${script}"></script>\n<receval-lesson lesson="${slug}" state="${stateAttr}"${hideAttr ? ` hide="${hideAttr}"` : ''}${widgetOnly ? '' : ' full'}></receval-lesson>`;
  }
  refresh();
  return { refresh };
}
