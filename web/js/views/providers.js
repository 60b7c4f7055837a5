import { api, listAll } from '../api.js';
import { h, icon, clear, formatDate } from '../dom.js';
import { toast, formDialog, confirmDialog, field, checkbox, emptyState, pageHeader, errorBox, badge } from '../ui.js';

function providerFields(p = {}) {
  return [
    field('Name', h('input', { name: 'name', required: true, value: p.name || '', maxlength: 100, autocomplete: 'off' })),
    field('Base URL', h('input', { name: 'base_url', type: 'url', required: true, value: p.base_url || '', placeholder: 'https://api.example.com/v1' }),
      'The OpenAI-style base including its version path; the hub appends /chat/completions.'),
    field('API key', h('input', { name: 'api_key', type: 'password', autocomplete: 'new-password', value: '', placeholder: p.id ? `Unchanged (${p.api_key_hint || 'none'})` : 'sk-…' }),
      p.id ? 'Leave empty to keep the current key. Keys are stored encrypted and never shown again.' : 'Stored encrypted; only a masked hint is ever shown.'),
    field('Description', h('textarea', { name: 'description', rows: 2, maxlength: 1000 }, p.description || '')),
    h('div', { class: 'field-row' },
      field('Priority', h('input', { name: 'priority', type: 'number', value: p.priority ?? 0, step: 1 }), 'Lower is tried first.'),
      h('div', { class: 'field checks' }, checkbox('Enabled', 'enabled', p.enabled ?? true),
        checkbox('Ask for usage on streams', 'stream_usage', p.stream_usage ?? true))),
  ];
}

function readProvider(form, editing) {
  const v = (name) => form.elements[name].value.trim();
  const body = {
    name: v('name'), base_url: v('base_url'), description: form.elements.description.value,
    priority: Number.parseInt(v('priority') || '0', 10),
    enabled: form.elements.enabled.checked, stream_usage: form.elements.stream_usage.checked,
  };
  if (v('api_key') || !editing) body.api_key = v('api_key');
  return body;
}

function modelFields(m = {}) {
  return [
    field('Model name', h('input', { name: 'name', required: true, value: m.name || '', placeholder: 'gpt-4o-mini', autocomplete: 'off' }), 'What clients ask for.'),
    field('Upstream name', h('input', { name: 'upstream_name', value: m.upstream_name || '', placeholder: 'Same as the model name' }), 'What the provider is sent, if different.'),
    field('Description', h('input', { name: 'description', value: m.description || '' })),
    field('Tokenizer', h('select', { name: 'tokenizer' },
      ['', 'cl100k_base', 'o200k_base'].map((t) => h('option', { value: t, selected: (m.tokenizer || '') === t }, t || 'Derive from the name')))),
    checkbox('Enabled', 'enabled', m.enabled ?? true),
  ];
}

function readModel(form) {
  const v = (name) => form.elements[name].value.trim();
  return { name: v('name'), upstream_name: v('upstream_name'), description: v('description'), tokenizer: v('tokenizer'), enabled: form.elements.enabled.checked };
}

export default function providersView(main) {
  const list = h('div', { class: 'stack', 'aria-busy': 'true' });
  const addButton = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => addProvider() }, icon('plus'), ' Add provider');
  main.append(pageHeader('Providers', 'Upstream services and the models they serve.', addButton), list);

  async function load() {
    try {
      const [providers, models] = await Promise.all([listAll('/api/admin/providers'), listAll('/api/admin/models')]);
      render(providers, models);
    } catch (err) { errorBox(list, err, load); }
    list.removeAttribute('aria-busy');
  }

  function render(providers, models) {
    clear(list);
    if (!providers.length) {
      list.append(emptyState('server', 'No providers yet', 'Add an upstream provider, then the models it serves.',
        h('button', { type: 'button', class: 'btn btn-primary', onclick: () => addProvider() }, icon('plus'), ' Add your first provider')));
      return;
    }
    for (const p of providers) list.append(providerCard(p, models.filter((m) => m.provider_id === p.id)));
  }

  function providerCard(p, models) {
    const toggle = h('button', { type: 'button', class: 'btn btn-small', onclick: () => patchProvider(p, { enabled: !p.enabled }) },
      icon(p.enabled ? 'pause' : 'play'), p.enabled ? ' Disable' : ' Enable');
    return h('section', { class: 'card provider', 'aria-label': `Provider ${p.name}` },
      h('div', { class: 'card-head' },
        h('div', { class: 'card-title' },
          h('h2', {}, p.name), p.enabled ? badge('enabled', 'ok') : badge('disabled', 'muted'),
          h('span', { class: 'muted mono small' }, p.base_url)),
        h('div', { class: 'card-actions' }, toggle,
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => editProvider(p) }, icon('pen'), ' Edit'),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', onclick: () => deleteProvider(p), 'aria-label': `Delete provider ${p.name}` }, icon('trash'), ' Delete'))),
      p.description ? h('p', { class: 'description' }, p.description) : null,
      h('dl', { class: 'meta' },
        h('div', {}, h('dt', {}, 'API key'), h('dd', { class: 'mono' }, p.api_key_hint || 'none')),
        h('div', {}, h('dt', {}, 'Priority'), h('dd', {}, String(p.priority))),
        h('div', {}, h('dt', {}, 'Stream usage'), h('dd', {}, p.stream_usage ? 'asked' : 'counted locally')),
        h('div', {}, h('dt', {}, 'Updated'), h('dd', {}, formatDate(p.updated_at_ms)))),
      modelsTable(p, models));
  }

  function modelsTable(p, models) {
    const add = h('button', { type: 'button', class: 'btn btn-small btn-primary-ghost', onclick: () => addModel(p) }, icon('plus'), ' Add model');
    if (!models.length) return h('div', { class: 'models-empty' }, h('span', { class: 'muted' }, 'No models yet.'), add);
    return h('div', { class: 'models' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', class: 'optional' }, 'Upstream name'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', {}, models.map((m) => h('tr', {},
          h('td', {}, h('span', { class: 'mono' }, m.name), m.description ? h('div', { class: 'muted small' }, m.description) : null),
          h('td', { class: 'mono optional' }, m.upstream_name || m.name),
          h('td', {}, m.enabled ? badge('enabled', 'ok') : badge('disabled', 'muted')),
          h('td', { class: 'row-actions' },
            h('button', { type: 'button', class: 'btn btn-icon btn-small', title: m.enabled ? 'Disable' : 'Enable', 'aria-label': `${m.enabled ? 'Disable' : 'Enable'} model ${m.name}`, onclick: () => patchModel(m, { enabled: !m.enabled }) }, icon(m.enabled ? 'pause' : 'play')),
            h('button', { type: 'button', class: 'btn btn-icon btn-small', title: 'Edit', 'aria-label': `Edit model ${m.name}`, onclick: () => editModel(m) }, icon('pen')),
            h('button', { type: 'button', class: 'btn btn-icon btn-small btn-danger-ghost', title: 'Delete', 'aria-label': `Delete model ${m.name}`, onclick: () => deleteModel(m) }, icon('trash')))))))),
      add);
  }

  async function addProvider() {
    const done = await formDialog({ title: 'Add provider', submitLabel: 'Add provider', fields: providerFields(),
      submit: (form) => api('POST', '/api/admin/providers', readProvider(form, false)) });
    if (done) { toast(`Provider “${done.name}” added.`); load(); }
  }
  async function editProvider(p) {
    const done = await formDialog({ title: `Edit ${p.name}`, fields: providerFields(p),
      submit: (form) => api('PATCH', `/api/admin/providers/${p.id}`, readProvider(form, true)) });
    if (done) { toast('Provider saved.'); load(); }
  }
  async function patchProvider(p, body) {
    try { await api('PATCH', `/api/admin/providers/${p.id}`, body); load(); } catch (err) { toast(err.message, 'error'); }
  }
  async function deleteProvider(p) {
    const done = await confirmDialog({ title: `Delete ${p.name}?`, message: 'The provider and all of its models are removed. Clients asking for those models will get an error.',
      confirmLabel: 'Delete provider', action: () => api('DELETE', `/api/admin/providers/${p.id}`) });
    if (done) { toast('Provider deleted.'); load(); }
  }
  async function addModel(p) {
    const done = await formDialog({ title: `Add a model to ${p.name}`, submitLabel: 'Add model', fields: modelFields(),
      submit: (form) => api('POST', `/api/admin/providers/${p.id}/models`, readModel(form)) });
    if (done) { toast(`Model “${done.name}” added.`); load(); }
  }
  async function editModel(m) {
    const done = await formDialog({ title: `Edit ${m.name}`, fields: modelFields(m),
      submit: (form) => api('PATCH', `/api/admin/models/${m.id}`, readModel(form)) });
    if (done) { toast('Model saved.'); load(); }
  }
  async function patchModel(m, body) {
    try { await api('PATCH', `/api/admin/models/${m.id}`, body); load(); } catch (err) { toast(err.message, 'error'); }
  }
  async function deleteModel(m) {
    const done = await confirmDialog({ title: `Delete ${m.name}?`, message: 'Clients asking for this model through this provider will get an error.',
      confirmLabel: 'Delete model', action: () => api('DELETE', `/api/admin/models/${m.id}`) });
    if (done) { toast('Model deleted.'); load(); }
  }

  load();
}
