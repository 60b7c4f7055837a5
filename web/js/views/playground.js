import { listAll } from '../api.js';
import { h, icon, clear, formatNumber } from '../dom.js';
import { renderMarkdown } from '../markdown.js';
import { PlaygroundSocket } from '../playground_socket.js';
import { pageHeader, errorBox, emptyState } from '../ui.js';

function newConversationId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `pg-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export default function playgroundView(main) {
  const statusDot = h('span', { class: 'status-dot', 'data-status': 'closed' });
  const statusText = h('span', { class: 'muted small' }, 'Not connected');
  const socket = new PlaygroundSocket({ onStatus: (s) => {
    statusDot.dataset.status = s;
    statusText.textContent = { connecting: 'Connecting…', ready: 'Connected', closed: 'Not connected' }[s];
  } });

  const modelSelect = h('select', { id: 'pg-model', name: 'model' });
  const systemPrompt = h('textarea', { id: 'pg-system', rows: 4, placeholder: 'You are a helpful assistant.' });
  const temperature = h('input', { id: 'pg-temperature', type: 'range', min: 0, max: 2, step: 0.1, value: 0.7 });
  const temperatureValue = h('output', { for: 'pg-temperature', class: 'mono' }, '0.7');
  temperature.addEventListener('input', () => { temperatureValue.textContent = temperature.value; });
  const maxTokens = h('input', { id: 'pg-max-tokens', type: 'number', min: 1, step: 1, placeholder: 'Model default' });
  const newChat = h('button', { type: 'button', class: 'btn', onclick: () => reset() }, icon('plus'), ' New conversation');

  const transcript = h('div', { class: 'transcript', 'aria-live': 'polite', 'aria-label': 'Conversation' });
  const input = h('textarea', { id: 'pg-input', rows: 3, placeholder: 'Send a message… (Enter to send, Shift+Enter for a new line)', 'aria-label': 'Message' });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', id: 'pg-send' }, icon('paper-plane'), ' Send');
  const stop = h('button', { type: 'button', class: 'btn btn-danger', id: 'pg-stop', hidden: true }, icon('stop'), ' Stop');
  const composer = h('form', { class: 'composer' }, input, h('div', { class: 'composer-actions' }, stop, send));

  const settings = h('aside', { class: 'card pg-settings', 'aria-label': 'Settings' },
    h('div', { class: 'field' }, h('label', { for: 'pg-model' }, 'Model'), modelSelect),
    h('div', { class: 'field' }, h('label', { for: 'pg-system' }, 'System prompt'), systemPrompt),
    h('div', { class: 'field' }, h('label', { for: 'pg-temperature' }, 'Temperature ', temperatureValue), temperature),
    h('div', { class: 'field' }, h('label', { for: 'pg-max-tokens' }, 'Max tokens'), maxTokens),
    h('div', { class: 'pg-status' }, statusDot, statusText));
  const chat = h('section', { class: 'card pg-chat' }, transcript, composer);
  const layout = h('div', { class: 'pg-layout' }, settings, chat);
  main.append(pageHeader('Playground', 'Try any model live. Replies stream as they are written and count like any other call.', newChat), layout);

  let history = [];
  let conversationId = newConversationId();
  let running = null;
  let counter = 0;

  function reset() {
    if (running) socket.cancel(running.id);
    history = [];
    conversationId = newConversationId();
    showEmpty();
    input.focus();
  }

  function showEmpty() {
    clear(transcript).append(emptyState('comments', 'Start a conversation', 'Pick a model, write a message and watch the answer stream in.'));
  }

  function bubble(role, text) {
    const content = h('div', { class: 'bubble-content' });
    if (role === 'user') content.textContent = text;
    const meta = h('div', { class: 'bubble-meta muted small' });
    const el = h('div', { class: `bubble bubble-${role}` },
      h('div', { class: 'bubble-role' }, icon(role === 'user' ? 'user' : 'robot'), role === 'user' ? ' You' : ' Assistant'), content, meta);
    if (transcript.querySelector('.empty')) clear(transcript);
    transcript.append(el);
    transcript.scrollTop = transcript.scrollHeight;
    return { el, content, meta };
  }

  function setRunning(value) {
    running = value;
    stop.hidden = !value;
    send.disabled = Boolean(value);
  }

  async function submit(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || running) return;
    if (!modelSelect.value) { bubble('error', '').content.textContent = 'Add a provider and a model first.'; return; }
    input.value = '';
    bubble('user', text);
    history.push({ role: 'user', content: text });
    const reply = bubble('assistant', '');
    reply.el.classList.add('streaming');
    let answer = '';
    let frame = 0;
    const id = `c${++counter}`;
    setRunning({ id });
    const messages = systemPrompt.value.trim() ? [{ role: 'system', content: systemPrompt.value.trim() }, ...history] : [...history];
    const request = { id, model: modelSelect.value, messages, temperature: Number(temperature.value), conversation_id: conversationId };
    if (maxTokens.value) request.max_tokens = Number(maxTokens.value);
    const paint = () => { frame = 0; renderMarkdown(reply.content, answer); transcript.scrollTop = transcript.scrollHeight; };
    try {
      await socket.chat(request, (message) => {
        if (message.type === 'delta') {
          answer += message.content;
          if (!frame) frame = requestAnimationFrame(paint);
        } else if (message.type === 'done') {
          if (frame) cancelAnimationFrame(frame);
          paint();
          reply.el.classList.remove('streaming');
          const u = message.usage || {};
          reply.meta.textContent = [
            message.cancelled ? 'stopped' : null,
            u.total_tokens !== undefined ? `${formatNumber(u.prompt_tokens)} in · ${formatNumber(u.completion_tokens)} out tokens` : null,
            `${formatNumber(message.latency_ms)} ms`,
            message.ttft_ms !== null && message.ttft_ms !== undefined ? `first token ${formatNumber(message.ttft_ms)} ms` : null,
          ].filter(Boolean).join(' · ');
          history.push({ role: 'assistant', content: answer });
          setRunning(null);
        } else if (message.type === 'error') {
          reply.el.classList.remove('streaming');
          reply.el.classList.add('bubble-error');
          reply.content.textContent = (message.error && message.error.message) || 'The request failed.';
          history.pop();
          setRunning(null);
        }
      });
    } catch (err) {
      reply.el.classList.add('bubble-error');
      reply.content.textContent = err.message;
      history.pop();
      setRunning(null);
    }
  }

  composer.addEventListener('submit', submit);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); composer.requestSubmit(); }
  });
  stop.addEventListener('click', () => { if (running) socket.cancel(running.id); });

  async function loadModels() {
    try {
      const models = (await listAll('/api/admin/models')).filter((m) => m.enabled);
      const names = [...new Set(models.map((m) => m.name))].sort();
      clear(modelSelect).append(...names.map((n) => h('option', { value: n }, n)));
      if (!names.length) modelSelect.append(h('option', { value: '' }, 'No models yet'));
    } catch (err) { errorBox(transcript, err, loadModels); }
  }

  showEmpty();
  loadModels();
  socket.connect().catch(() => {});
  return () => socket.close();
}
