// The one HTTP client: adds the token, turns problem documents into ApiError,
// and sends the app back to the login form on a 401.

const TOKEN_KEY = 'segue.token';
const USER_KEY = 'segue.user';

export const session = {
  token: localStorage.getItem(TOKEN_KEY),
  user: JSON.parse(localStorage.getItem(USER_KEY) || 'null'),
};

/** Fired on window when the token is refused: the app shows the login form. */
export const LOGGED_OUT = 'segue:logged-out';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

function query(params) {
  const pairs = Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

/** Call the API: `api('/tracks', {query: {limit: 10}})`; answers the JSON body (null for 204). */
export async function api(path, { method = 'GET', body, params, headers = {}, signal, keepalive = false } = {}) {
  const init = { method, headers: { ...headers }, signal, keepalive };
  if (session.token) init.headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}${query(params)}`, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'the server cannot be reached; check your connection');
  }
  if (response.status === 401 && session.token) {
    forget();
    window.dispatchEvent(new Event(LOGGED_OUT));
  }
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch {
      // Not a problem document: keep the status line.
    }
    throw new ApiError(response.status, detail);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : null;
}

/** A URL usable where headers cannot be set (<img>, <audio>): the token goes in the query. */
export function withToken(url, params = {}) {
  const all = { ...params, token: session.token };
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}${new URLSearchParams(Object.entries(all).filter(([, v]) => v != null))}`;
}

export async function login(username, password) {
  const answer = await api('/auth/login', { method: 'POST', body: { username, password } });
  session.token = answer.token;
  session.user = answer.user;
  localStorage.setItem(TOKEN_KEY, answer.token);
  localStorage.setItem(USER_KEY, JSON.stringify(answer.user));
  return answer.user;
}

function forget() {
  session.token = null;
  session.user = null;
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

export async function logout() {
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch {
    // The token may already be gone; forgetting it locally is what matters.
  }
  forget();
}

/** Read every page of a list endpoint (up to `max` items). */
export async function all(path, params = {}, max = 2000) {
  const items = [];
  for (let offset = 0; offset < max; ) {
    const page = await api(path, { params: { ...params, offset, limit: 500 } });
    items.push(...page.items);
    offset += page.items.length;
    if (!page.items.length || offset >= page.total) break;
  }
  return items;
}
