// The admin REST API client: the admin token from sessionStorage, errors in plain words.
const TOKEN_KEY = 'nexus.adminToken';

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY) || ''; },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, message, param) {
    super(message);
    this.status = status;
    this.param = param || null;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function plainMessage(status, error) {
  if (status === 0) return 'The hub cannot be reached. Check that it is running and try again.';
  if (status === 401) return 'Your admin token is not valid. Please sign in again.';
  if (status === 503) return 'A backend service is not reachable right now. Try again in a moment.';
  if (error && error.message) {
    const text = error.message.replace(/^[a-z_.]+: /, '');
    return error.param ? `${label(error.param)} ${text}` : text.charAt(0).toUpperCase() + text.slice(1);
  }
  return `The request failed (HTTP ${status}).`;
}

function label(param) {
  const words = param.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export async function api(method, path, body, { token } = {}) {
  const headers = { Authorization: `Bearer ${token || session.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, plainMessage(0));
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const error = data && data.error;
    if (response.status === 401 && !token) onUnauthorized();
    throw new ApiError(response.status, plainMessage(response.status, error), error && error.param);
  }
  return data;
}

// Every page of a list endpoint (lists are paginated with limit and cursor).
export async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}
