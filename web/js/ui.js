import { h, icon, clear } from './dom.js';

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}` },
    icon(kind === 'error' ? 'circle-exclamation' : 'circle-check'), h('span', {}, message));
  box.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 7000 : 3500);
}

// A modal <dialog> with a form; resolves with the form's values, or null when cancelled.
// `build(form)` returns the fields; `submit(values)` may throw an ApiError shown inside the dialog.
export function formDialog({ title, submitLabel = 'Save', fields, submit, danger = false }) {
  return new Promise((resolve) => {
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const cancel = h('button', { type: 'button', class: 'btn btn-ghost' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}` }, submitLabel);
    const form = h('form', { class: 'dialog-form', method: 'dialog', novalidate: true },
      h('h2', {}, title), ...fields, error, h('div', { class: 'dialog-actions' }, cancel, ok));
    const dialog = h('dialog', { class: 'dialog', 'aria-label': title }, form);
    document.body.appendChild(dialog);
    const close = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    cancel.addEventListener('click', () => close(null));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      ok.disabled = true;
      error.hidden = true;
      try {
        const result = await submit(form);
        close(result === undefined ? true : result);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
        if (err.param) {
          const input = form.querySelector(`[name="${CSS.escape(err.param)}"]`);
          if (input) input.focus();
        }
      } finally {
        ok.disabled = false;
      }
    });
    dialog.showModal();
    const first = form.querySelector('input, select, textarea');
    if (first) first.focus();
  });
}

export function confirmDialog({ title, message, confirmLabel = 'Delete', action }) {
  return formDialog({
    title, submitLabel: confirmLabel, danger: true,
    fields: [h('p', {}, message)],
    submit: action,
  });
}

export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    hint ? h('small', { class: 'hint' }, hint) : null);
}

export function checkbox(label, name, checked) {
  const input = h('input', { type: 'checkbox', name, checked });
  return h('label', { class: 'check' }, input, h('span', {}, label));
}

export function emptyState(iconName, title, text, action) {
  return h('div', { class: 'empty' }, h('div', { class: 'empty-icon' }, icon(iconName)),
    h('h3', {}, title), h('p', { class: 'muted' }, text), action || null);
}

export function pageHeader(title, subtitle, ...actions) {
  return h('div', { class: 'page-header' },
    h('div', {}, h('h1', {}, title), subtitle ? h('p', { class: 'muted' }, subtitle) : null),
    h('div', { class: 'page-actions' }, ...actions));
}

export function errorBox(container, err, retry) {
  clear(container);
  container.appendChild(h('div', { class: 'error-box', role: 'alert' }, icon('triangle-exclamation'),
    h('span', {}, err.message || String(err)),
    retry ? h('button', { type: 'button', class: 'btn btn-small', onclick: retry }, 'Try again') : null));
}

export function badge(text, kind) { return h('span', { class: `badge badge-${kind}` }, text); }
