// Test host page: embeds a lesson from the site given in ?site=…&lesson=… both ways (or, with
// &iframe=0, as the custom element only), records what the lessons say in window.received, and
// exposes helpers for the test.
const params = new URLSearchParams(location.search);
const site = new URL(params.get('site'));
const lesson = params.get('lesson');
window.received = [];

// 1. iframe + postMessage, by hand, as an instructor would on a platform that allows only iframes
// (left out with ?iframe=0: the custom element alone)
if (params.get('iframe') !== '0') {
  const frame = document.createElement('iframe');
  frame.title = 'embedded lesson';
  frame.style.cssText = 'width:100%;border:0;height:300px';
  frame.src = new URL(`lessons/${lesson}.html#v=1&embed=1`, site).href;
  document.getElementById('iframe-slot').append(frame);
  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || event.origin !== site.origin) return; // only our lesson
    const m = event.data;
    if (!m || typeof m.type !== 'string' || !m.type.startsWith('receval:')) return;
    window.received.push({ via: 'iframe', type: m.type, state: m.state, height: m.height, message: m.message, item: m.item, kind: m.kind, correct: m.correct, attempts: m.attempts });
    if (m.type === 'receval:resize' && m.height > 0) frame.style.height = `${m.height}px`;
  });
  window.sendToIframe = (msg) => frame.contentWindow.postMessage(msg, site.origin);
  window.iframeHeight = () => frame.getBoundingClientRect().height;
}

// 2. the custom element
await import(new URL('js/receval-lesson.js', site).href);
const el = document.createElement('receval-lesson');
el.setAttribute('lesson', lesson);
el.setAttribute('hide', 'seed');
if (params.get('learn') === 'false') el.setAttribute('learn', 'false');
document.getElementById('element-slot').append(el);
for (const type of ['ready', 'statechange', 'lessonerror', 'progress']) {
  el.addEventListener(type, (e) => window.received.push({ via: 'element', type, state: e.detail.state, message: e.detail.message, detail: e.detail }));
}
window.element = el;
window.hostReady = true;
