// The Lesson widget's front end: the <receval-lesson> custom element of the course site
// (www/js/receval-lesson.js), loaded from the copy of the site that the wheel carries and that the
// package's Jupyter server extension serves at {baseUrl}receval-widget/site/. The model's `state`
// is synced both ways with the element's setState / statechange; progress events are appended to
// the model's `progress` list.

/** The URL of the course site served by the server extension (JupyterLab, Notebook 7). */
function siteUrl() {
  const config = document.getElementById('jupyter-config-data');
  if (!config) throw new Error('receval_widget: this front end is not a Jupyter server page (no #jupyter-config-data); the widgets need JupyterLab or Jupyter Notebook 7 with the receval_widget server extension');
  const base = JSON.parse(config.textContent).baseUrl ?? '/';
  return new URL(`${base.replace(/\/?$/, '/')}receval-widget/site/`, location.href).href;
}

const same = (a, b) => {
  if (!a || !b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

function showError(el, message) {
  const p = document.createElement('p');
  p.className = 'receval-widget-error';
  p.style.color = '#b00020';
  p.textContent = message;
  el.replaceChildren(p);
}

async function render({ model, el }) {
  try {
    await import(`${siteUrl()}js/receval-lesson.js`);
  } catch (e) {
    showError(el, `receval_widget: the lesson could not be loaded: ${e.message}`);
    return undefined;
  }
  const lesson = document.createElement('receval-lesson');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(model.get('state'))) params.set(k, String(v));
  lesson.setAttribute('lesson', model.get('slug'));
  lesson.setAttribute('state', params.toString());
  lesson.setAttribute('hide', model.get('hide').join(','));
  lesson.setAttribute('height', String(model.get('height')));
  if (model.get('full')) lesson.setAttribute('full', '');
  if (!model.get('learn')) lesson.setAttribute('learn', 'false');

  let ready = false;
  const push = (state) => {
    if (!state || same(state, model.get('state'))) return;
    model.set('state', state);
    model.save_changes();
  };
  lesson.addEventListener('ready', (e) => {
    ready = true;
    // a state set from Python before the lesson was ready: send it now
    if (!same(e.detail.state, model.get('state'))) lesson.setState(model.get('state'));
  });
  lesson.addEventListener('statechange', (e) => {
    if (model.get('error')) {
      model.set('error', '');
      model.save_changes();
    }
    push(e.detail.state);
  });
  lesson.addEventListener('lessonerror', (e) => {
    model.set('error', e.detail.message ?? 'the lesson refused the state');
    model.save_changes();
    push(lesson.state); // back to what the lesson shows
  });
  lesson.addEventListener('progress', (e) => {
    model.set('progress', [...model.get('progress'), e.detail]);
    model.save_changes();
  });
  const onState = () => {
    const state = model.get('state');
    if (ready && !same(state, lesson.state)) lesson.setState(state);
  };
  model.on('change:state', onState);
  el.append(lesson);
  return () => model.off('change:state', onState);
}

export default { render };
