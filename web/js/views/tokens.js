import { api, listAll, session } from '../api.js';
import { h, icon, clear, formatNumber } from '../dom.js';
import { pageHeader } from '../ui.js';

export default function tokensView(main) {
  const model = h('select', { id: 'tok-model' });
  const text = h('textarea', { id: 'tok-text', rows: 12, placeholder: 'Type or paste text to count its tokens…' });
  const count = h('div', { class: 'token-count', id: 'tok-count', 'aria-live': 'polite' }, '0');
  const kind = h('div', { class: 'token-kind', id: 'tok-kind' });
  const chars = h('div', { class: 'muted small', id: 'tok-chars' }, '0 characters');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  main.append(pageHeader('Token calculator', 'Counts tokens the way the hub accounts them.'),
    h('div', { class: 'tok-layout' },
      h('section', { class: 'card' },
        h('div', { class: 'field' }, h('label', { for: 'tok-model' }, 'Model'), model),
        h('div', { class: 'field' }, h('label', { for: 'tok-text' }, 'Text'), text), error),
      h('aside', { class: 'card tok-result' }, h('div', { class: 'stat-label' }, 'Tokens'), count, kind, chars)));

  let timer = null;
  let sequence = 0;

  async function update() {
    const mine = ++sequence;
    chars.textContent = `${formatNumber([...text.value].length)} characters`;
    if (!model.value) return;
    try {
      const response = await fetch('/api/tokens/count', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
        body: JSON.stringify({ model: model.value, text: text.value }),
      });
      const data = await response.json().catch(() => null);
      if (mine !== sequence) return;  // a newer keystroke already asked
      if (!response.ok) throw new Error((data && data.error && data.error.message) || `Counting failed (HTTP ${response.status}).`);
      error.hidden = true;
      count.textContent = formatNumber(data.tokens);
      clear(kind).append(data.exact
        ? h('span', { class: 'badge badge-ok' }, icon('check'), ` exact · ${data.encoding}`)
        : h('span', { class: 'badge badge-warn' }, icon('wave-square'), ' estimated'));
    } catch (err) {
      if (mine !== sequence) return;
      error.textContent = err.message === 'Failed to fetch' ? 'The hub cannot be reached.' : err.message;
      error.hidden = false;
    }
  }

  const schedule = () => { clearTimeout(timer); timer = setTimeout(update, 150); };
  text.addEventListener('input', schedule);
  model.addEventListener('change', update);

  (async () => {
    try {
      const names = [...new Set((await listAll('/api/admin/models')).map((m) => m.name))].sort();
      const choices = names.length ? names : ['gpt-4o', 'gpt-4'];
      model.append(...choices.map((n) => h('option', { value: n }, n)));
      update();
    } catch (err) { error.textContent = err.message; error.hidden = false; }
  })();
  return () => clearTimeout(timer);
}
