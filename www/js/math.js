// Render LaTeX in elements with a data-tex attribute as MathML with Temml (vendor/temml.min.js,
// loaded as a classic script before the modules): browsers typeset MathML natively and screen
// readers read it. <div data-tex> renders in display mode.
export function renderMath(root = document) {
  const temml = globalThis.temml;
  if (!temml) return;
  for (const el of root.querySelectorAll('[data-tex]')) {
    if (el.dataset.rendered) continue;
    try {
      temml.render(el.dataset.tex, el, { displayMode: el.tagName === 'DIV', throwOnError: true });
      el.dataset.rendered = '1';
    } catch (e) {
      el.textContent = el.dataset.tex;
      el.title = `could not render: ${e.message}`;
    }
  }
}
