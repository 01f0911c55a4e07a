// The JSON API, as every page uses it: same-origin fetch with the session cookie, the CSRF header
// on writes, and problem+json refusals raised as ApiError (with their JSON pointers).

let csrfToken = null;
let sessionPromise = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = (problem && problem.errors) || [];
  }
}

function signInUrl() {
  const here = location.pathname + location.search;
  return `/sign-in?next=${encodeURIComponent(here)}`;
}

/** The signed-in session ({user, csrf_token}), fetched once per page; null when signed out. */
export function session() {
  if (!sessionPromise) {
    sessionPromise = fetch("/api/session", { credentials: "same-origin" }).then(async (r) => {
      if (!r.ok) return null;
      const found = await r.json();
      csrfToken = found.csrf_token;
      return found;
    });
  }
  return sessionPromise;
}

/** The session, or a trip to the sign-in page (which brings the user back here). */
export async function requireSession() {
  const found = await session();
  if (!found) {
    location.assign(signInUrl());
    throw new ApiError(401, { detail: "Sign in first." });
  }
  return found;
}

export function setSession(found) {
  csrfToken = found.csrf_token;
  sessionPromise = Promise.resolve(found);
}

async function readProblem(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try { return await response.json(); } catch { return null; }
  }
  return { detail: (await response.text()).slice(0, 300) };
}

/** Calls /api{path}; returns the parsed JSON (null for 204) or throws ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") {
    if (csrfToken === null) await session();
    if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  }
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api${path}`, init);
  if (response.status === 204) return null;
  if (response.status === 401 && path !== "/session") location.assign(signInUrl()); // the session ended
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  return response.json();
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});
export const patch = (path, body) => api("PATCH", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

/** The caller's first workspace (the one their GPTs live in). */
export async function currentWorkspace() {
  const found = await get("/workspaces");
  return found.items[0] || null;
}
