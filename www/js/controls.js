// Render a lesson's controls from its registry: labelled native inputs (so keyboard, screen
// readers and zoom work as the browser intends), grouped, each with its current value shown.
import { formatValue } from './state.js';

let uid = 0;

/**
 * Build the controls into `container`. `onChange(key, value)` fires on every input event, after
 * the value shown beside the control (and its aria-valuetext) has been updated to the new value.
 * Returns { update(state, hidden) } to reflect a state set from elsewhere (presets, messages).
 */
export function renderControls(container, registry, state, hidden, onChange) {
  container.replaceChildren();
  const prefix = `ctl${++uid}`;
  const rows = new Map();
  const groups = new Map();
  for (const [key, c] of registry) {
    let parent = container;
    if (c.group) {
      if (!groups.has(c.group)) {
        const fs = document.createElement('fieldset');
        fs.className = 'control-group';
        const lg = document.createElement('legend');
        lg.textContent = c.group;
        fs.append(lg);
        container.append(fs);
        groups.set(c.group, fs);
      }
      parent = groups.get(c.group);
    }
    const row = document.createElement('div');
    row.className = 'control';
    row.dataset.key = key;
    const id = `${prefix}-${key}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = c.label;
    let input;
    const out = document.createElement('output');
    out.htmlFor = id;
    out.className = 'control-value';
    if (c.type === 'choice') {
      input = document.createElement('select');
      for (const o of c.options) {
        const opt = document.createElement('option');
        opt.value = String(o.value);
        opt.textContent = o.label;
        input.append(opt);
      }
      input.addEventListener('change', () => {
        const o = c.options.find((x) => String(x.value) === input.value);
        if (o) changed(key, o.value);
      });
    } else if (c.type === 'bool') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.addEventListener('change', () => changed(key, input.checked));
    } else {
      input = document.createElement('input');
      input.type = 'range';
      if (c.type === 'steps') {
        input.min = '0';
        input.max = String(c.values.length - 1);
        input.step = '1';
      } else {
        input.min = String(c.min);
        input.max = String(c.max);
        input.step = String(c.step ?? (c.type === 'int' ? 1 : (c.max - c.min) / 100));
      }
      input.addEventListener('input', () => {
        const v = c.type === 'steps' ? c.values[Number(input.value)] : Number(input.value);
        changed(key, v);
      });
    }
    input.id = id;
    input.name = key;
    const head = document.createElement('div');
    head.className = 'control-head';
    head.append(label, out);
    row.append(head, input);
    if (c.help) {
      const help = document.createElement('p');
      help.className = 'control-help';
      help.id = `${id}-help`;
      help.textContent = c.help;
      input.setAttribute('aria-describedby', help.id);
      row.append(help);
    }
    parent.append(row);
    rows.set(key, { row, input, out, c });
  }

  /** Show `v` beside its control (and to screen readers). */
  function show(key, v) {
    const { input, out, c } = rows.get(key);
    const text = formatValue(c, v);
    out.textContent = text;
    if (input.type === 'range') input.setAttribute('aria-valuetext', text);
  }

  function changed(key, v) {
    show(key, v);
    onChange(key, v);
  }

  function update(s, hide) {
    for (const [key, { row, input, c }] of rows) {
      const v = s[key];
      if (c.type === 'choice') input.value = String(v);
      else if (c.type === 'bool') input.checked = Boolean(v);
      else if (c.type === 'steps') input.value = String(Math.max(0, c.values.indexOf(v)));
      else input.value = String(v);
      show(key, v);
      row.hidden = hide.has(key);
    }
    for (const fs of groups.values()) {
      fs.hidden = [...fs.querySelectorAll('.control')].every((r) => r.hidden);
    }
  }
  update(state, hidden);
  return { update };
}
