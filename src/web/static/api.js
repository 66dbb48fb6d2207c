// The page's client of the service's own API. The token lives in this module's
// memory only (never localStorage or a cookie) and travels in X-Auth-Token, so
// another site cannot make the browser send it (CSRF); a reload logs out.

const COMPUTE_VERSION = "compute 2.95";

const session = { token: null, expiresAt: null, user: null, project: null, roles: [] };
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function currentSession() {
  return session.token === null ? null : { ...session };
}

export function isAdmin() {
  return session.roles.includes("admin");
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) listener(currentSession());
}

/** Nova's, Keystone's or Neutron's fault shape → its message. */
function faultMessage(json) {
  if (json === null || typeof json !== "object") return undefined;
  const first = Object.values(json)[0];
  if (first !== null && typeof first === "object" && typeof first.message === "string") return first.message;
  return undefined;
}

export async function call(method, path, body, headers = {}) {
  const request = { method, headers: { accept: "application/json", "openstack-api-version": COMPUTE_VERSION, ...headers }, credentials: "omit", cache: "no-store" };
  if (session.token !== null) request.headers["x-auth-token"] = session.token;
  if (body !== undefined) {
    request.headers["content-type"] = "application/json";
    request.body = JSON.stringify(body);
  }
  const response = await fetch(path, request);
  const text = await response.text();
  let json = null;
  if (text.startsWith("{") || text.startsWith("[")) json = JSON.parse(text);
  if (response.status === 401 && session.token !== null && path !== "/identity/v3/auth/tokens") {
    forget();
    throw new ApiError(401, "Your session has ended; log in again.");
  }
  if (!response.ok) throw new ApiError(response.status, faultMessage(json) ?? `${method} ${path}: HTTP ${response.status}`);
  return { status: response.status, headers: response.headers, json };
}

export const get = (path) => call("GET", path).then((answer) => answer.json);

function remember(answer) {
  const token = answer.headers.get("x-subject-token");
  if (token === null) throw new ApiError(500, "The identity API issued no token.");
  const doc = answer.json.token;
  session.token = token;
  session.expiresAt = doc.expires_at;
  session.user = doc.user;
  session.project = doc.project ?? null;
  session.roles = (doc.roles ?? []).map((role) => role.name);
  changed();
}

function forget() {
  session.token = null;
  session.expiresAt = null;
  session.user = null;
  session.project = null;
  session.roles = [];
  changed();
}

/** Keystone v3 password authentication, scoped to the project named. */
export async function login(user, password, project) {
  const scope = project === "" ? undefined : { project: { name: project, domain: { id: "default" } } };
  const body = {
    auth: { identity: { methods: ["password"], password: { user: { name: user, domain: { id: "default" }, password } } }, ...(scope === undefined ? {} : { scope }) },
  };
  remember(await call("POST", "/identity/v3/auth/tokens?nocatalog=1", body));
}

/** Re-scopes the current token to another of the user's projects. */
export async function switchProject(projectId) {
  const body = { auth: { identity: { methods: ["token"], token: { id: session.token } }, scope: { project: { id: projectId } } } };
  const old = session.token;
  remember(await call("POST", "/identity/v3/auth/tokens?nocatalog=1", body));
  await call("DELETE", "/identity/v3/auth/tokens", undefined, { "x-subject-token": old }).catch(() => undefined);
}

export async function logout() {
  const token = session.token;
  if (token !== null) await call("DELETE", "/identity/v3/auth/tokens", undefined, { "x-subject-token": token }).catch(() => undefined);
  forget();
}
