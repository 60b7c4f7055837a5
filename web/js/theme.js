// Light and dark themes: the system preference unless the user picked one (remembered).
const KEY = 'nexus.theme';
const listeners = new Set();
const media = window.matchMedia('(prefers-color-scheme: dark)');

export function currentTheme() {
  const forced = document.documentElement.dataset.theme;
  if (forced === 'light' || forced === 'dark') return forced;
  return media.matches ? 'dark' : 'light';
}

function apply() {
  const dark = currentTheme() === 'dark';
  document.getElementById('hljs-light').disabled = dark;
  document.getElementById('hljs-dark').disabled = !dark;
  for (const fn of listeners) fn(currentTheme());
}

export function toggleTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try { localStorage.setItem(KEY, next); } catch (e) { /* not remembered */ }
  apply();
}

export function onThemeChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function initTheme() {
  media.addEventListener('change', apply);
  for (const button of document.querySelectorAll('[data-theme-toggle]')) {
    button.addEventListener('click', toggleTheme);
  }
  apply();
}
