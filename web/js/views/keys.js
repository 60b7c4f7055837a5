import { api, listAll } from '../api.js';
import { h, icon, clear, formatDate } from '../dom.js';
import { toast, formDialog, confirmDialog, field, checkbox, emptyState, pageHeader, errorBox, badge } from '../ui.js';

const STATUS_KIND = { active: 'ok', disabled: 'muted', expired: 'warn', revoked: 'danger' };

function toLocalInput(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function keyFields(k, providers, models) {
  const allowed = new Set(k.allowed_models || []);
  const names = [...new Set(models.map((m) => m.name))].sort();
  return [
    field('Name', h('input', { name: 'name', required: true, value: k.name || '', placeholder: 'e.g. Alice’s laptop', autocomplete: 'off' })),
    h('fieldset', { class: 'field' }, h('legend', {}, 'Allowed models'),
      h('small', { class: 'hint' }, 'None ticked means every model.'),
      names.length ? h('div', { class: 'chips' }, names.map((n) => checkbox(n, `model:${n}`, allowed.has(n))))
        : h('p', { class: 'muted small' }, 'No models yet: the key will allow every model.')),
    field('Provider', h('select', { name: 'provider_id' }, h('option', { value: '' }, 'Any provider'),
      providers.map((p) => h('option', { value: String(p.id), selected: k.provider_id === p.id }, p.name)))),
    h('div', { class: 'field-row' },
      field('Requests per minute', h('input', { name: 'requests_per_minute', type: 'number', min: 0, step: 1, value: k.requests_per_minute ?? 0 }), '0 means unlimited.'),
      field('Concurrent requests', h('input', { name: 'max_concurrency', type: 'number', min: 0, step: 1, value: k.max_concurrency ?? 0 }), '0 means unlimited.')),
    field('Expires', h('input', { name: 'expires_at', type: 'datetime-local', value: toLocalInput(k.expires_at_ms) }), 'Leave empty for a key that never expires.'),
    checkbox('Enabled', 'enabled', k.enabled ?? true),
  ];
}

function readKey(form) {
  const allowed = [...form.querySelectorAll('input[name^="model:"]')].filter((i) => i.checked).map((i) => i.name.slice(6));
  const expires = form.elements.expires_at.value;
  const provider = form.elements.provider_id.value;
  return {
    name: form.elements.name.value.trim(),
    allowed_models: allowed,
    provider_id: provider ? Number(provider) : null,
    requests_per_minute: Number.parseInt(form.elements.requests_per_minute.value || '0', 10),
    max_concurrency: Number.parseInt(form.elements.max_concurrency.value || '0', 10),
    expires_at_ms: expires ? new Date(expires).getTime() : null,
    enabled: form.elements.enabled.checked,
  };
}

function secretDialog(created) {
  const input = h('input', { class: 'mono secret', readonly: true, value: created.key, 'aria-label': 'New key', id: 'new-key-secret' });
  const copy = h('button', { type: 'button', class: 'btn btn-primary', id: 'copy-key' }, icon('copy'), ' Copy');
  copy.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(created.key); toast('Key copied to the clipboard.'); } catch (e) {
      input.select(); toast('Select the key and copy it with Ctrl+C.', 'error');
    }
  });
  return formDialog({ title: 'Your new key', submitLabel: 'I have saved it', fields: [
    h('p', {}, 'Copy this key now. For your safety it is shown only this once; the hub keeps only a hash.'),
    h('div', { class: 'secret-row' }, input, copy),
    h('p', { class: 'muted small' }, 'Use it as the bearer token with any OpenAI client pointed at this hub’s /v1 base URL.'),
  ], submit: async () => true });
}

export default function keysView(main) {
  const body = h('div', { class: 'stack', 'aria-busy': 'true' });
  let providers = [];
  let models = [];
  main.append(pageHeader('Client keys', 'Personal keys for people and apps, with their own limits.',
    h('button', { type: 'button', class: 'btn btn-primary', onclick: () => createKey() }, icon('plus'), ' Create key')), body);

  async function load() {
    try {
      const [keys, p, m] = await Promise.all([listAll('/api/admin/keys'), listAll('/api/admin/providers'), listAll('/api/admin/models')]);
      providers = p; models = m;
      render(keys);
    } catch (err) { errorBox(body, err, load); }
    body.removeAttribute('aria-busy');
  }

  function limits(k) {
    const parts = [];
    if (k.requests_per_minute) parts.push(`${k.requests_per_minute}/min`);
    if (k.max_concurrency) parts.push(`${k.max_concurrency} at once`);
    return parts.length ? parts.join(', ') : 'unlimited';
  }

  function render(keys) {
    clear(body);
    if (!keys.length) {
      body.append(emptyState('key', 'No client keys yet', 'Create a key for each person or app that calls the hub.'));
      return;
    }
    const providerName = (id) => (providers.find((p) => p.id === id) || {}).name || `#${id}`;
    body.append(h('div', { class: 'card flush' }, h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Name', 'Key', 'Models', 'Limits', 'Expires', 'Status'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', {}, keys.map((k) => h('tr', {},
        h('td', {}, h('strong', {}, k.name), h('div', { class: 'muted small' }, `created ${formatDate(k.created_at_ms)}`)),
        h('td', { class: 'mono' }, `${k.prefix}…`),
        h('td', {}, k.allowed_models.length ? k.allowed_models.join(', ') : h('span', { class: 'muted' }, 'all'),
          k.provider_id ? h('div', { class: 'muted small' }, `via ${providerName(k.provider_id)}`) : null),
        h('td', {}, limits(k)),
        h('td', {}, k.expires_at_ms ? formatDate(k.expires_at_ms) : h('span', { class: 'muted' }, 'never')),
        h('td', {}, badge(k.status, STATUS_KIND[k.status] || 'muted')),
        h('td', { class: 'row-actions' },
          k.revoked ? null : h('button', { type: 'button', class: 'btn btn-icon btn-small', title: 'Edit', 'aria-label': `Edit key ${k.name}`, onclick: () => editKey(k) }, icon('pen')),
          k.revoked ? null : h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', 'aria-label': `Revoke key ${k.name}`, onclick: () => revokeKey(k) }, icon('ban'), ' Revoke'),
          k.revoked ? h('button', { type: 'button', class: 'btn btn-icon btn-small btn-danger-ghost', title: 'Delete', 'aria-label': `Delete key ${k.name}`, onclick: () => deleteKey(k) }, icon('trash')) : null))))))));
  }

  async function createKey() {
    const created = await formDialog({ title: 'Create a client key', submitLabel: 'Create key', fields: keyFields({}, providers, models),
      submit: (form) => { const b = readKey(form); if (b.provider_id === null) delete b.provider_id; if (b.expires_at_ms === null) delete b.expires_at_ms; return api('POST', '/api/admin/keys', b); } });
    if (!created) return;
    load();
    await secretDialog(created);
  }
  async function editKey(k) {
    const done = await formDialog({ title: `Edit ${k.name}`, fields: keyFields(k, providers, models),
      submit: (form) => api('PATCH', `/api/admin/keys/${k.id}`, readKey(form)) });
    if (done) { toast('Key saved.'); load(); }
  }
  async function revokeKey(k) {
    const done = await confirmDialog({ title: `Revoke ${k.name}?`, message: 'Apps using this key stop working at once. Revocation cannot be undone.',
      confirmLabel: 'Revoke key', action: () => api('POST', `/api/admin/keys/${k.id}/revoke`) });
    if (done) { toast('Key revoked.'); load(); }
  }
  async function deleteKey(k) {
    const done = await confirmDialog({ title: `Delete ${k.name}?`, message: 'The revoked key is removed from the list. Its usage statistics stay.',
      action: () => api('DELETE', `/api/admin/keys/${k.id}`) });
    if (done) { toast('Key deleted.'); load(); }
  }

  load();
}
