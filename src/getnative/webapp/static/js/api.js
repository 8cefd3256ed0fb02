// The Get Native API, same origin: the page lives at <root>/app/, the API at <root>/.
// Keeps the sliding session token: every authenticated answer carries a fresh X-GN-Auth-Token.

const ROOT = new URL("../", document.baseURI);
const TOKEN_KEY = "gn.token";
const EXPIRE_KEY = "gn.expire";
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
    super(first && first.message ? first.message : `The server answered ${status}.`);
    this.status = status;
    this.code = first ? first.code : null;
  }
}

export const auth = {
  get token() {
    const token = localStorage.getItem(TOKEN_KEY);
    const expire = Number(localStorage.getItem(EXPIRE_KEY) || 0);
    if (token && expire && expire <= Date.now()) {
      this.clear();
      return null;
    }
    return token;
  },
  get loggedIn() {
    return Boolean(this.token);
  },
  store(token, expire) {
    const was = this.loggedIn;
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(EXPIRE_KEY, String(Number(expire) || 0));
    if (!was) listeners.forEach((fn) => fn(true));
  },
  clear() {
    const was = localStorage.getItem(TOKEN_KEY) !== null;
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(EXPIRE_KEY);
    if (was) listeners.forEach((fn) => fn(false));
  },
  onChange(fn) {
    listeners.add(fn);
  },
};

function urlFor(path, query) {
  const url = new URL(path.replace(/^\//, ""), ROOT);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

/** One API call. Resolves to the JSON body (null for 204); rejects with ApiError. */
export async function api(path, { method = "GET", body, query, signal } = {}) {
  const headers = { Accept: "application/json" };
  const token = auth.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(urlFor(path, query), {
    method,
    headers,
    signal,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const fresh = response.headers.get("X-GN-Auth-Token");
  if (fresh) auth.store(fresh, response.headers.get("X-GN-Auth-Expire"));
  if (response.status === 401 && token) auth.clear(); // revoked or expired: log out here too
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** The records of a Get Native record list (`{count, records}`), or of a plain array. */
export function records(list) {
  if (Array.isArray(list)) return list;
  return list && Array.isArray(list.records) ? list.records : [];
}
