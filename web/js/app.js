import { api, session, setUnauthorizedHandler } from './api.js';
import { clear } from './dom.js';
import { initTheme } from './theme.js';
import { toast } from './ui.js';
import providersView from './views/providers.js';
import keysView from './views/keys.js';
import playgroundView from './views/playground.js';
import statsView from './views/stats.js';
import tokensView from './views/tokens.js';

const routes = { providers: providersView, keys: keysView, playground: playgroundView, stats: statsView, tokens: tokensView };
let unmount = null;

function showSignin(message) {
  session.token = '';
  if (unmount) { unmount(); unmount = null; }
  document.getElementById('shell').hidden = true;
  document.getElementById('signin').hidden = false;
  const error = document.getElementById('signin-error');
  error.hidden = !message;
  error.textContent = message || '';
  document.getElementById('signin-token').focus();
}

function showShell() {
  document.getElementById('signin').hidden = true;
  document.getElementById('shell').hidden = false;
  route();
}

function route() {
  if (!session.token) return;
  const name = (location.hash.match(/^#\/([a-z]+)/) || [])[1];
  if (!routes[name]) { location.replace('#/providers'); return; }
  for (const link of document.querySelectorAll('.nav a')) {
    if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (unmount) unmount();
  const main = clear(document.getElementById('main'));
  document.title = `${name.charAt(0).toUpperCase()}${name.slice(1)} · NexusAI Hub`;
  unmount = routes[name](main) || null;
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById('signin-token');
  const token = input.value.trim();
  if (!token) { showSignin('Please enter the admin token.'); return; }
  const button = event.target.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await api('GET', '/api/admin/providers?limit=1', undefined, { token });
    session.token = token;
    input.value = '';
    showShell();
  } catch (err) {
    showSignin(err.status === 401 ? 'That token is not the admin token. Check it and try again.' : err.message);
  } finally {
    button.disabled = false;
  }
}

function start() {
  initTheme();
  setUnauthorizedHandler(() => showSignin('Your session has ended. Please sign in again.'));
  document.getElementById('signin-form').addEventListener('submit', signIn);
  document.getElementById('signout').addEventListener('click', () => { showSignin(''); toast('Signed out.'); });
  window.addEventListener('hashchange', route);
  if (session.token) showShell(); else showSignin('');
}

start();
