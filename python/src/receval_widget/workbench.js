// The Workbench widget's front end: an iframe on the page widget/workbench.html of the course site
// the wheel carries (served by the package's Jupyter server extension, see lesson.js), which loads
// www/js/workbench/mount.js and mounts the workbench on the DataFrame's CSV text.

// (anywidget loads each widget's module from a blob: URL, so this one cannot import lesson.js.)
function siteUrl() {
  const config = document.getElementById('jupyter-config-data');
  if (!config) throw new Error('receval_widget: this front end is not a Jupyter server page (no #jupyter-config-data); the widgets need JupyterLab or Jupyter Notebook 7 with the receval_widget server extension');
  const base = JSON.parse(config.textContent).baseUrl ?? '/';
  return new URL(`${base.replace(/\/?$/, '/')}receval-widget/site/`, location.href).href;
}

async function render({ model, el }) {
  const iframe = document.createElement('iframe');
  iframe.title = 'receval workbench';
  iframe.style.cssText = `display:block;width:100%;border:0;height:${model.get('height')}px`;
  const mount = () => {
    const frame = iframe.contentWindow;
    frame.recevalMount({ name: model.get('name'), text: model.get('text') }).catch((e) => {
      model.set('error', String(e?.message ?? e));
      model.save_changes();
    });
  };
  iframe.addEventListener('load', () => {
    const frame = iframe.contentWindow;
    if (frame.recevalMount) mount();
    else frame.addEventListener('receval-frame-ready', mount, { once: true });
  }, { once: true });
  try {
    iframe.src = `${siteUrl()}widget/workbench.html`;
  } catch (e) {
    el.textContent = e.message;
    return undefined;
  }
  el.append(iframe);
  return undefined;
}

export default { render };
