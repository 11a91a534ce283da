// <receval-lesson>: embed a lesson in any page that allows a module script.
//
//   <script type="module" src="https://…/js/receval-lesson.js"></script>
//   <receval-lesson lesson="random-bucket" state="share=0.01&days=7" hide="seed"></receval-lesson>
//
// Attributes: lesson (slug), state (control=value pairs, as in a lesson link), hide (comma-separated
// controls to hide), full (show the lesson's text too, not just the widget), height (initial pixels).
// The element renders the lesson page in an iframe from the same site as this script, sizes it to
// its content, and speaks the postMessage protocol of embed-protocol.js for you:
//   el.setState({ share: 0.05 })               → the lesson updates
//   el.addEventListener('statechange', e => e.detail.state)
//   el.addEventListener('ready', …); el.state (last known state)
//   el.addEventListener('progress', e => e.detail)   // { lesson, item, kind, correct, attempts }
// Attribute learn="false" hides the lesson's prompts and exercises.
import { isMessage, LESSON_TYPES } from './embed-protocol.js';

const SITE = new URL('../', import.meta.url);
const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const KEY = /^[a-zA-Z][a-zA-Z0-9]*$/;

class RecevalLesson extends HTMLElement {
  static get observedAttributes() {
    return ['lesson', 'state', 'hide', 'full', 'learn'];
  }

  #iframe = null;
  #state = null;
  #onMessage = (event) => this.#receive(event);

  connectedCallback() {
    if (!this.shadowRoot) {
      const root = this.attachShadow({ mode: 'open' });
      // A constructed stylesheet, not a <style> element: host pages with a strict
      // Content-Security-Policy (no 'unsafe-inline' styles) still apply it.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(':host{display:block}iframe{display:block;width:100%;border:0;min-height:200px}');
      root.adoptedStyleSheets = [sheet];
      this.#iframe = document.createElement('iframe');
      this.#iframe.loading = 'lazy';
      this.#iframe.style.height = `${Number(this.getAttribute('height')) || 760}px`;
      root.append(this.#iframe);
    }
    window.addEventListener('message', this.#onMessage);
    this.#load();
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.#onMessage);
  }

  attributeChangedCallback() {
    if (this.#iframe) this.#load();
  }

  get state() {
    return this.#state ? { ...this.#state } : null;
  }

  /** Change controls of the running lesson: { control: value, … }. */
  setState(state) {
    this.#iframe?.contentWindow?.postMessage({ type: 'receval:set-state', state }, SITE.origin);
  }

  #src() {
    const lesson = this.getAttribute('lesson') ?? '';
    if (!SLUG.test(lesson)) {
      this.#fail(`<receval-lesson>: the lesson attribute must be a lesson slug such as "random-bucket", got ${JSON.stringify(lesson)}`);
      return null;
    }
    const params = new URLSearchParams(this.getAttribute('state') ?? '');
    const hash = new URLSearchParams();
    hash.set('v', '1');
    for (const [k, v] of params) if (KEY.test(k)) hash.set(k, v);
    for (const k of (this.getAttribute('hide') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (KEY.test(k)) hash.set(`${k}_hide`, 'true');
    }
    if (!this.hasAttribute('full')) hash.set('embed', '1');
    if (this.getAttribute('learn') === 'false') hash.set('learn', '0');
    return new URL(`lessons/${lesson}.html#${hash}`, SITE).href;
  }

  #load() {
    const src = this.#src();
    if (!src || this.#iframe.src === src) return;
    this.#iframe.title = `receval lesson: ${this.getAttribute('lesson')}`;
    this.#iframe.src = src;
  }

  #fail(message) {
    console.error(message);
    this.dispatchEvent(new CustomEvent('lessonerror', { detail: { message } }));
  }

  #receive(event) {
    if (!this.#iframe || event.source !== this.#iframe.contentWindow || event.origin !== SITE.origin) return;
    const msg = event.data;
    if (!isMessage(msg, LESSON_TYPES)) return;
    if (Number.isFinite(msg.height) && msg.height > 0 && msg.height < 20000) this.#iframe.style.height = `${Math.ceil(msg.height)}px`;
    if (msg.state && typeof msg.state === 'object') this.#state = { ...msg.state };
    if (msg.type === 'receval:progress') {
      // a prediction or exercise answered: forward the plain fields a course platform records
      const { lesson, item, kind, correct, attempts } = msg;
      if (typeof item === 'string' && (kind === 'prediction' || kind === 'exercise') && typeof correct === 'boolean' && Number.isInteger(attempts)) {
        this.dispatchEvent(new CustomEvent('progress', { detail: { lesson, item, kind, correct, attempts } }));
      }
      return;
    }
    const name = { 'receval:ready': 'ready', 'receval:state-changed': 'statechange', 'receval:error': 'lessonerror' }[msg.type];
    if (name) this.dispatchEvent(new CustomEvent(name, { detail: { state: this.state, message: typeof msg.message === 'string' ? msg.message : undefined } }));
  }
}

if (!customElements.get('receval-lesson')) customElements.define('receval-lesson', RecevalLesson);
export { RecevalLesson };
