// The tenancy matrix (issue 16 #5): every route Fastify serves (read from its
// route table, so a route added later fails this test until it has an entry
// below) × every kind of caller: a member of the project owning the seeded
// objects, a member of another project, a reader of the owning project, an
// admin, the service role, no credentials, a wrong password and an expired
// token. Each cell has an expected status, from the route's class (the role it
// declares) and the status its probe gets when allowed. For routes on a
// project's object, the other project's member gets exactly what a random id
// gets: the same status and body shape, the same message once the id is masked.
//
// Probes do not change the seeded objects: allowed callers send a body the
// route refuses (400) — the role check runs in onRequest, before the body is
// validated — or, for DELETE, address a random id. The other project's member
// and the random id get a valid body, so a missing tenant check would show.
// Where the edge role is weaker than the rule (the volume API: reader at the
// edge, admin for register/update/delete in src/compute), the body is validated
// before that rule: a non-admin's refused body is a 400, a valid one a 403.
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIronicServiceUser } from "../../src/dev/ironic-service-user.js";
import { startTestApi, type CallResult, type TestApi } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";
import { requiredRoles, routeKey, servedRoutes, type ServedRoute } from "../support/route-table.js";

const log = captureLog("warn");
let api: TestApi;

type Cell = "member" | "other" | "reader" | "admin" | "service" | "anonymous" | "wrongPassword" | "expiredToken";
const CELLS: readonly Cell[] = ["member", "other", "reader", "admin", "service", "anonymous", "wrongPassword", "expiredToken"];
type RouteClass = "public" | "authenticated" | "reader" | "member" | "admin" | "service";

/**
 * Per class, what each caller gets: "ok" = the route's own answer to its probe
 * (Entry.ok), "cross" = the other project's member: for an object of the owning
 * project the random-id answer, otherwise the route's own answer.
 */
const EXPECTED: Record<RouteClass, Record<Cell, "ok" | "cross" | 401 | 403>> = {
  public: { member: "ok", other: "ok", reader: "ok", admin: "ok", service: "ok", anonymous: "ok", wrongPassword: "ok", expiredToken: "ok" },
  authenticated: { member: "ok", other: "cross", reader: "ok", admin: "ok", service: "ok", anonymous: 401, wrongPassword: 401, expiredToken: 401 },
  reader: { member: "ok", other: "cross", reader: "ok", admin: "ok", service: 403, anonymous: 401, wrongPassword: 401, expiredToken: 401 },
  member: { member: "ok", other: "cross", reader: 403, admin: "ok", service: 403, anonymous: 401, wrongPassword: 401, expiredToken: 401 },
  admin: { member: 403, other: 403, reader: 403, admin: "ok", service: 403, anonymous: 401, wrongPassword: 401, expiredToken: 401 },
  service: { member: 403, other: 403, reader: 403, admin: "ok", service: "ok", anonymous: 401, wrongPassword: 401, expiredToken: 401 },
};

interface Entry {
  class: RouteClass;
  /** What an allowed caller of the owning project gets for the probe. */
  ok: number;
  /**
   * Allowed callers whose answer differs, and why: the admin and the service
   * user are in their own project; keypairs and identity users are per user, so
   * the reader (another user of the owning project) does not see the member's.
   */
  cells?: Partial<Record<Cell, number>>;
  /** The path parameter naming an object of the owning project: the other project's member must get the random-id answer. */
  scoped?: string;
  /** Body of the allowed callers' probe (refused by validation, so nothing changes). */
  probe?: unknown;
  /** A valid body, for the other project's member and the random id. */
  cross?: unknown;
  /**
   * The compute microversion header of every probe (default `compute latest`);
   * null sends none. /v2.1/images and /v2.1/images/:id are Nova's image proxy
   * (404 from 2.36) when a compute microversion is named, Glance's API when none is.
   */
  microversion?: string | null;
}

const REFUSED = { refused: true }; // a body no route accepts
const r = (cls: RouteClass, ok: number, extra: Omit<Entry, "class" | "ok"> = {}): Entry => ({ class: cls, ok, ...extra });

/** Seeded ids, filled in beforeAll. */
const seed = {
  server: "", requestId: "", keypair: "kp-tenancy", group: "", network: "", subnet: "", port: "", volume: "", credential: "",
  node: "", serviceAuth: "", expiredToken: "",
};

const MATRIX: Record<string, Entry> = {
  "GET /openapi.json": r("public", 200),
  "GET /metrics": r("admin", 200),
  "GET /": r("public", 200),
  "GET /v2": r("public", 200),
  "GET /v2/": r("public", 200),
  "GET /v2.1": r("public", 200),
  "GET /v2.1/": r("public", 200),
  "GET /image": r("public", 300),
  "GET /image/": r("public", 300),
  "GET /image/v2": r("public", 300),
  "GET /image/v2/": r("public", 300),
  "GET /network": r("public", 200),
  "GET /network/": r("public", 200),
  "GET /healthz": r("public", 200),
  "GET /readyz": r("public", 200),
  "GET /volume": r("public", 300),
  "GET /volume/": r("public", 300),
  "GET /volume/v3": r("public", 200),
  "GET /volume/v3/": r("public", 200),
  "GET /v2.1/servers": r("reader", 200),
  "POST /v2.1/servers": r("member", 400, { probe: REFUSED }),
  "GET /v2.1/servers/detail": r("reader", 200),
  "GET /v2.1/servers/:id": r("reader", 200, { scoped: "id" }),
  "DELETE /v2.1/servers/:id": r("member", 404, { scoped: "id" }),
  "PUT /v2.1/servers/:id": r("member", 400, { scoped: "id", probe: REFUSED, cross: { server: { name: "renamed" } } }),
  "POST /v2.1/servers/:id/action": r("member", 400, { scoped: "id", probe: REFUSED, cross: { "os-stop": null } }),
  "POST /v2.1/servers/:id/remote-consoles": r("member", 400, { scoped: "id", probe: REFUSED, cross: { remote_console: { protocol: "serial", type: "serial" } } }),
  "GET /v2.1/servers/:id/os-instance-actions": r("reader", 200, { scoped: "id" }),
  "GET /v2.1/servers/:id/os-instance-actions/:requestId": r("reader", 200, { scoped: "id" }),
  "GET /v2.1/servers/:id/metadata": r("reader", 200, { scoped: "id" }),
  "PUT /v2.1/servers/:id/metadata": r("member", 400, { scoped: "id", probe: REFUSED, cross: { metadata: { x: "y" } } }),
  "POST /v2.1/servers/:id/metadata": r("member", 400, { scoped: "id", probe: REFUSED, cross: { metadata: { x: "y" } } }),
  "GET /v2.1/servers/:id/metadata/:key": r("reader", 200, { scoped: "id" }),
  "PUT /v2.1/servers/:id/metadata/:key": r("member", 400, { scoped: "id", probe: REFUSED, cross: { meta: { k1: "changed" } } }),
  "DELETE /v2.1/servers/:id/metadata/:key": r("member", 404, { scoped: "id" }),
  "GET /v2.1/servers/:id/tags": r("reader", 200, { scoped: "id" }),
  "PUT /v2.1/servers/:id/tags": r("member", 400, { scoped: "id", probe: REFUSED, cross: { tags: ["x"] } }),
  "DELETE /v2.1/servers/:id/tags": r("member", 404, { scoped: "id" }),
  "GET /v2.1/servers/:id/tags/:tag": r("reader", 204, { scoped: "id" }),
  "PUT /v2.1/servers/:id/tags/:tag": r("member", 204, { scoped: "id" }), // t1 is there already,
  "DELETE /v2.1/servers/:id/tags/:tag": r("member", 404, { scoped: "id" }),
  "GET /v2.1/flavors": r("reader", 200),
  "POST /v2.1/flavors": r("admin", 400, { probe: REFUSED }),
  "GET /v2.1/flavors/detail": r("reader", 200),
  "GET /v2.1/flavors/:id": r("reader", 200),
  "DELETE /v2.1/flavors/:id": r("admin", 404),
  "GET /v2.1/flavors/:id/os-extra_specs": r("reader", 200),
  "POST /v2.1/flavors/:id/os-extra_specs": r("admin", 400, { probe: REFUSED }),
  "GET /v2.1/flavors/:id/os-extra_specs/:key": r("reader", 200),
  "PUT /v2.1/flavors/:id/os-extra_specs/:key": r("admin", 400, { probe: REFUSED }),
  "DELETE /v2.1/flavors/:id/os-extra_specs/:key": r("admin", 404),
  "POST /v2.1/os-keypairs": r("member", 400, { probe: REFUSED }),
  "GET /v2.1/os-keypairs": r("reader", 200),
  "GET /v2.1/os-keypairs/:name": r("reader", 200, { scoped: "name", cells: { reader: 404, admin: 404 } }),
  "DELETE /v2.1/os-keypairs/:name": r("member", 404, { scoped: "name" }),
  "GET /v2.1/os-hypervisors": r("admin", 200),
  "GET /v2.1/os-hypervisors/detail": r("admin", 200),
  "GET /v2.1/os-hypervisors/statistics": r("admin", 404), // removed at 2.88, as in Nova,
  "GET /v2.1/os-hypervisors/:id/uptime": r("admin", 404), // removed at 2.88, as in Nova,
  "GET /v2.1/os-hypervisors/:id": r("admin", 200),
  "POST /v2.1/os-server-external-events": r("service", 400, { probe: REFUSED }),
  "GET /v2.1/os-availability-zone": r("reader", 200),
  "GET /v2.1/os-availability-zone/detail": r("admin", 200),
  "GET /v2.1/os-aggregates": r("admin", 200),
  "GET /v2.1/os-quota-sets/:project_id": r("reader", 200, { scoped: "project_id" }),
  "PUT /v2.1/os-quota-sets/:project_id": r("admin", 400, { probe: REFUSED }),
  "DELETE /v2.1/os-quota-sets/:project_id": r("admin", 202),
  "GET /v2.1/os-quota-sets/:project_id/defaults": r("reader", 200),
  "GET /v2.1/os-quota-sets/:project_id/detail": r("reader", 200, { scoped: "project_id" }),
  "GET /v2.1/limits": r("reader", 200),
  "GET /v2.1/os-server-groups": r("reader", 200),
  "POST /v2.1/os-server-groups": r("member", 400, { probe: REFUSED }),
  "GET /v2.1/os-server-groups/:id": r("reader", 200, { scoped: "id" }),
  "DELETE /v2.1/os-server-groups/:id": r("member", 404, { scoped: "id" }),
  "GET /v2.1/servers/:id/os-interface": r("reader", 200, { scoped: "id" }),
  "POST /v2.1/servers/:id/os-interface": r("member", 400, { scoped: "id", probe: REFUSED, cross: { interfaceAttachment: {} } }),
  "DELETE /v2.1/servers/:id/os-interface/:port_id": r("member", 404, { scoped: "id" }),
  "GET /v2.1/servers/:id/os-interface/:port_id": r("reader", 404, { scoped: "id" }),
  "GET /v2.1/servers/:id/ips": r("reader", 200, { scoped: "id" }),
  // The seeded server is on no network: an allowed caller gets Nova's "not a member" 404, the other project "server not found".
  "GET /v2.1/servers/:id/ips/:network": r("reader", 404, { scoped: "id" }),
  "GET /v2.1/servers/:id/os-server-password": r("reader", 200, { scoped: "id" }),
  "DELETE /v2.1/servers/:id/os-server-password": r("member", 404, { scoped: "id" }),
  "GET /v2.1/projects": r("authenticated", 200),
  "GET /v2.1/projects/:id": r("authenticated", 200, { scoped: "id", cells: { service: 404 } }),
  "GET /image/v2/images": r("reader", 200),
  "POST /image/v2/images": r("admin", 400, { probe: REFUSED }),
  "GET /image/v2/images/:id": r("reader", 200),
  "DELETE /image/v2/images/:id": r("admin", 404),
  "PUT /image/v2/images/:id/file": r("admin", 204),
  "GET /v2.1/images": r("reader", 200, { microversion: null }),
  "GET /v2.1/images/detail": r("reader", 200, { microversion: "compute 2.1" }),
  "POST /v2.1/images": r("admin", 400, { probe: REFUSED }),
  "GET /v2.1/images/:id": r("reader", 200, { microversion: null }),
  "DELETE /v2.1/images/:id": r("admin", 404),
  "PUT /v2.1/images/:id/file": r("admin", 204),
  "GET /admin/v1/projects": r("admin", 200),
  "POST /admin/v1/projects": r("admin", 400, { probe: REFUSED }),
  "DELETE /admin/v1/projects/:id": r("admin", 404),
  "GET /admin/v1/users": r("admin", 200),
  "POST /admin/v1/users": r("admin", 400, { probe: REFUSED }),
  "PATCH /admin/v1/users/:id": r("admin", 400, { probe: REFUSED }),
  "DELETE /admin/v1/users/:id": r("admin", 404),
  "GET /admin/v1/audit": r("admin", 200),
  "GET /admin/v1/status": r("admin", 200),
  "GET /admin/v1/nodes": r("admin", 200),
  "GET /admin/v1/nodes/:id": r("admin", 200),
  "GET /identity": r("public", 300),
  "GET /identity/": r("public", 300),
  "GET /identity/v3": r("public", 200),
  "GET /identity/v3/": r("public", 200),
  "POST /identity/v3/auth/tokens": r("public", 400, { probe: REFUSED }),
  "GET /identity/v3/auth/tokens": r("authenticated", 400),
  "DELETE /identity/v3/auth/tokens": r("authenticated", 400),
  "GET /identity/v3/auth/catalog": r("authenticated", 200),
  "GET /identity/v3/auth/projects": r("authenticated", 200),
  "GET /identity/v3/users/:id/projects": r("authenticated", 200, { scoped: "id", cells: { reader: 403, service: 403 } }),
  "GET /identity/v3/projects": r("authenticated", 200),
  "GET /identity/v3/projects/:id": r("authenticated", 200, { scoped: "id", cells: { service: 404 } }),
  "GET /identity/v3/users/:id": r("authenticated", 200, { scoped: "id", cells: { reader: 404, service: 404 } }),
  "POST /identity/v3/users/:id/password": r("authenticated", 400, { scoped: "id", probe: REFUSED }),
  "GET /identity/v3/users/:id/application_credentials": r("authenticated", 200, { scoped: "id", cells: { reader: 404, service: 403 } }),
  "POST /identity/v3/users/:id/application_credentials": r("authenticated", 400, { scoped: "id", probe: REFUSED, cross: { application_credential: { name: "cross" } } }),
  "GET /identity/v3/users/:id/application_credentials/:credentialId": r("authenticated", 200, { scoped: "id", cells: { reader: 404, service: 403 } }),
  "DELETE /identity/v3/users/:id/application_credentials/:credentialId": r("authenticated", 404, { scoped: "id", cells: { service: 403 } }),
  "GET /network/v2.0": r("public", 200),
  "GET /network/v2.0/": r("public", 200),
  "GET /network/v2.0/extensions": r("reader", 200),
  "GET /network/v2.0/quotas/:id": r("reader", 200, { scoped: "id" }),
  "GET /network/v2.0/networks": r("reader", 200),
  "POST /network/v2.0/networks": r("member", 400, { probe: REFUSED }),
  "GET /network/v2.0/networks/:id": r("reader", 200, { scoped: "id" }),
  "PUT /network/v2.0/networks/:id": r("member", 400, { scoped: "id", probe: REFUSED, cross: { network: { name: "renamed" } } }),
  "DELETE /network/v2.0/networks/:id": r("member", 404, { scoped: "id" }),
  "GET /network/v2.0/subnets": r("reader", 200),
  "POST /network/v2.0/subnets": r("member", 400, { probe: REFUSED }),
  "GET /network/v2.0/subnets/:id": r("reader", 200, { scoped: "id" }),
  "PUT /network/v2.0/subnets/:id": r("member", 400, { scoped: "id", probe: REFUSED, cross: { subnet: { name: "renamed" } } }),
  "DELETE /network/v2.0/subnets/:id": r("member", 404, { scoped: "id" }),
  "GET /network/v2.0/ports": r("reader", 200),
  "POST /network/v2.0/ports": r("member", 400, { probe: REFUSED }),
  "GET /network/v2.0/ports/:id": r("reader", 200, { scoped: "id" }),
  "PUT /network/v2.0/ports/:id": r("member", 400, { scoped: "id", probe: REFUSED, cross: { port: { name: "renamed" } } }),
  "DELETE /network/v2.0/ports/:id": r("member", 404, { scoped: "id" }),
  "GET /volume/v3/:project_id/volumes": r("reader", 200, { scoped: "project_id" }),
  "POST /volume/v3/:project_id/volumes": r("reader", 400, { probe: REFUSED }),
  "GET /volume/v3/:project_id/volumes/detail": r("reader", 200, { scoped: "project_id" }),
  "GET /volume/v3/:project_id/volumes/:id": r("reader", 200, { scoped: "id" }),
  "PUT /volume/v3/:project_id/volumes/:id": r("reader", 400, { scoped: "id", probe: REFUSED, cross: { volume: { name: "renamed" } } }),
  "DELETE /volume/v3/:project_id/volumes/:id": r("reader", 403, { scoped: "id", cells: { admin: 404 } }),
  "GET /volume/v3/:project_id/os-quota-sets/:target": r("reader", 200, { scoped: "target" }),
  "GET /volume/v3/volumes": r("reader", 200),
  "POST /volume/v3/volumes": r("reader", 400, { probe: REFUSED }),
  "GET /volume/v3/volumes/detail": r("reader", 200),
  "GET /volume/v3/volumes/:id": r("reader", 200, { scoped: "id" }),
  "PUT /volume/v3/volumes/:id": r("reader", 400, { scoped: "id", probe: REFUSED, cross: { volume: { name: "renamed" } } }),
  "DELETE /volume/v3/volumes/:id": r("reader", 403, { scoped: "id", cells: { admin: 404 } }), // admins only, checked by compute,
  "GET /volume/v3/os-quota-sets/:target": r("reader", 200, { scoped: "target" }),
  // The web layer: the page and its files are public (the page is a client of the API above).
  "GET /dashboard": r("public", 200),
  "GET /dashboard/assets/:name": r("public", 200),
  "GET /dashboard/assets/vendor/:name": r("public", 200),
  // The serial console's websocket: its one-time token (none here) is the only credential, whoever asks.
  "GET /dashboard/console": r("public", 401),
};

/** The value of a path parameter for the seeded objects (the owning project's). */
function seededValue(url: string, name: string): string {
  const projectA = api.users.member.projectId;
  if (url.startsWith("/v2.1/servers/")) {
    const values: Record<string, string> = { id: seed.server, requestId: seed.requestId, key: "k1", tag: "t1", port_id: seed.port, network: "n-a" };
    return values[name] ?? "";
  }
  if (url.startsWith("/v2.1/flavors/")) return name === "key" ? "resources:VCPU" : api.flavorId;
  if (url.startsWith("/v2.1/os-keypairs/")) return seed.keypair;
  if (url.startsWith("/v2.1/os-hypervisors/") || url.startsWith("/admin/v1/nodes/")) return seed.node;
  if (url.startsWith("/v2.1/os-server-groups/")) return seed.group;
  if (url.includes("/images/")) return api.imageId;
  if (url.startsWith("/admin/v1/users/")) return api.users.member.id;
  if (url.startsWith("/identity/v3/users/")) return name === "credentialId" ? seed.credential : api.users.member.id;
  if (url.startsWith("/network/v2.0/networks/")) return seed.network;
  if (url.startsWith("/network/v2.0/subnets/")) return seed.subnet;
  if (url.startsWith("/network/v2.0/ports/")) return seed.port;
  if (url === "/dashboard/assets/:name") return "app.js";
  if (url === "/dashboard/assets/vendor/:name") return "xterm.mjs";
  if (url.startsWith("/volume/v3/") && name === "id") return seed.volume;
  return projectA; // project ids: quota sets, projects, volume API prefixes
}

function randomValue(name: string, like: string): string {
  if (name === "name" || name === "key" || name === "tag") return `absent-${randomUUID().slice(0, 8)}`;
  return /^[0-9a-f]{32}$/.test(like) ? randomUUID().replaceAll("-", "") : randomUUID();
}

function pathOf(url: string, replace: { name: string; value: string } | undefined): string {
  return url.replace(/:([A-Za-z_]+)/g, (_all, name: string) =>
    encodeURIComponent(replace !== undefined && replace.name === name ? replace.value : seededValue(url, name)),
  );
}

/** A destructive probe of an allowed caller addresses a random id, so the seed survives. */
function destructiveParam(route: ServedRoute, entry: Entry): string | undefined {
  if (route.method !== "DELETE") return undefined;
  const params = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1] ?? "");
  return entry.scoped ?? params.at(-1);
}

const LATEST = { "openstack-api-version": "compute latest" };

async function send(cell: Cell, method: string, path: string, body: unknown, microversion: string | null = "compute latest"): Promise<CallResult> {
  const as = cell === "member" || cell === "other" || cell === "reader" || cell === "admin" ? cell : "anonymous";
  const authorization: Record<Cell, string | undefined> = {
    member: undefined, other: undefined, reader: undefined, admin: undefined, anonymous: undefined,
    service: seed.serviceAuth,
    wrongPassword: `Basic ${Buffer.from(`${api.users.member.name}:not-the-password`).toString("base64")}`,
    expiredToken: undefined,
  };
  const headers: Record<string, string> = microversion === null ? {} : { "openstack-api-version": microversion };
  const auth = authorization[cell];
  if (auth !== undefined) headers["authorization"] = auth;
  if (cell === "expiredToken") headers["x-auth-token"] = seed.expiredToken;
  return api.call(method as "GET", path, { as, headers, ...(body === undefined ? {} : { body }) });
}

/** Keys and value types of a JSON body, recursively: what "the same body shape" compares. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, shapeOf(inner)]));
  }
  return value === null ? "null" : typeof value;
}

const masked = (text: string, ids: readonly string[]): string => ids.reduce((out, id) => out.split(id).join("<id>"), text);

beforeAll(async () => {
  // Wrong passwords are refused 401 here, never throttled (login-guard.test.ts covers the limits).
  api = await startTestApi("tenancy", { nodes: 1, log: log.logger, login: { maxFailuresPerClient: 1_000_000, maxFailuresPerUser: 1_000_000, failureWindowMs: 60_000, negativeCacheMs: 60_000, maxTrackedKeys: 10_000 } });
  const admin = await api.running.compute.authenticate("admin", api.passwords.admin);
  if (admin === undefined) throw new Error("the test admin cannot log in");
  const service = await createIronicServiceUser(api.running.compute, { ...admin, requestId: `req-${randomUUID()}` }, "tenancy-service");
  seed.serviceAuth = `Basic ${Buffer.from(`${service.username}:${service.password}`).toString("base64")}`;
  seed.node = api.nodes[0] ?? "";
  const ok = async (result: Promise<CallResult>): Promise<Record<string, unknown>> => {
    const done = await result;
    if (done.status >= 300) throw new Error(`seeding: ${done.status} ${done.text}`);
    return done.json;
  };
  const created = await ok(api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name: "tenancy-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none", metadata: { k1: "v1" } } },
  }));
  seed.server = (created["server"] as { id: string }).id;
  await api.waitForStatus(seed.server, "ACTIVE");
  await ok(api.call("PUT", `/v2.1/servers/${seed.server}/tags/t1`, { as: "member", headers: LATEST }));
  const actions = await ok(api.call("GET", `/v2.1/servers/${seed.server}/os-instance-actions`, { as: "member" }));
  seed.requestId = (actions["instanceActions"] as Array<{ request_id: string }>)[0]?.request_id ?? "";
  await ok(api.call("POST", "/v2.1/os-keypairs", { as: "member", body: { keypair: { name: seed.keypair } } }));
  const group = await ok(api.call("POST", "/v2.1/os-server-groups", { as: "member", headers: LATEST, body: { server_group: { name: "g-a", policy: "anti-affinity" } } }));
  seed.group = (group["server_group"] as { id: string }).id;
  const network = await ok(api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "n-a" } } }));
  seed.network = (network["network"] as { id: string }).id;
  const subnet = await ok(api.call("POST", "/network/v2.0/subnets", { as: "member", body: { subnet: { network_id: seed.network, ip_version: 4, cidr: "198.51.100.0/28" } } }));
  seed.subnet = (subnet["subnet"] as { id: string }).id;
  const port = await ok(api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: seed.network, name: "p-a" } } }));
  seed.port = (port["port"] as { id: string }).id;
  const volume = await ok(api.call("POST", `/volume/v3/${api.users.admin.projectId}/volumes`, {
    body: { volume: { name: "v-a", size: 1, project_id: api.users.member.projectId, connection: { protocol: "iscsi", target_portals: ["192.0.2.10:3260"], target_iqn: "iqn.2004-04.com.example:tenancy", target_lun: 1 } } },
  }));
  seed.volume = (volume["volume"] as { id: string }).id;
  const credential = await ok(api.call("POST", `/identity/v3/users/${api.users.member.id}/application_credentials`, { as: "member", body: { application_credential: { name: "ac-a" } } }));
  seed.credential = (credential["application_credential"] as { id: string }).id;
  // A token of the member whose expiry has passed (tokens are stored as their SHA-256).
  seed.expiredToken = randomUUID().replaceAll("-", "").padEnd(43, "x");
  await api.running.store.tokens.create({
    id: createHash("sha256").update(seed.expiredToken).digest("hex"),
    userId: api.users.member.id,
    projectId: api.users.member.projectId,
    role: "member",
    methods: ["password"],
    auditId: "tenancy-expired",
    applicationCredentialId: null,
    issuedAt: new Date(Date.now() - 7_200_000).toISOString(),
    expiresAt: new Date(Date.now() - 60_000).toISOString(),
  });
}, 120_000);

afterAll(async () => {
  await api.stop();
});

describe("tenancy matrix", () => {
  it("every served route has a matrix entry, and the entry's class is the role the route declares", async () => {
    const routes = servedRoutes(api.running.api.app);
    const roles = requiredRoles((await api.call("GET", "/openapi.json")).json);
    expect(routes.length).toBeGreaterThan(140);
    expect(routes.map(routeKey).filter((key) => MATRIX[key] === undefined), "routes without a tenancy matrix entry").toEqual([]);
    expect(Object.keys(MATRIX).filter((key) => !routes.some((route) => routeKey(route) === key)), "stale entries").toEqual([]);
    const declared = routes.map((route) => [routeKey(route), roles.get(routeKey(route))]);
    expect(declared.filter(([key, role]) => MATRIX[key ?? ""]?.class !== role)).toEqual([]);
  });

  it("each route × caller answers as its class says; another project's object answers like a random id", async () => {
    const mismatches: string[] = [];
    let requests = 0;
    const started = Date.now();
    for (const route of servedRoutes(api.running.api.app)) {
      const key = routeKey(route);
      const entry = MATRIX[key];
      if (entry === undefined) continue; // the test above names it
      const destructive = destructiveParam(route, entry);
      let random: { result: CallResult; value: string } | undefined;
      if (entry.scoped !== undefined) {
        const value = randomValue(entry.scoped, seededValue(route.url, entry.scoped));
        // Asked by the other project's member: what it gets for an id that names nothing.
        random = { value, result: await send("other", route.method, pathOf(route.url, { name: entry.scoped, value }), entry.cross ?? entry.probe, entry.microversion) };
        requests += 1;
      }
      for (const cell of CELLS) {
        const expected = EXPECTED[entry.class][cell];
        const cross = cell === "other" && expected === "cross";
        const replace = destructive === undefined || cross ? undefined : { name: destructive, value: randomValue(destructive, seededValue(route.url, destructive)) };
        const body = cross ? (entry.cross ?? entry.probe) : entry.probe;
        const result = await send(cell, route.method, pathOf(route.url, replace), body, entry.microversion);
        requests += 1;
        let want: number;
        if (expected === "ok" || (expected === "cross" && random === undefined)) {
          want = entry.cells?.[cell] ?? entry.ok;
        } else if (expected === "cross") {
          want = random?.result.status ?? 0;
          const ids = [random?.value ?? "", seededValue(route.url, entry.scoped ?? "")].filter((id) => id !== "");
          if (JSON.stringify(shapeOf(result.json)) !== JSON.stringify(shapeOf(random?.result.json))) {
            mismatches.push(`${key} other: body shape ${result.text.slice(0, 200)} vs random id ${random?.result.text.slice(0, 200) ?? ""}`);
          } else if (masked(result.text, ids) !== masked(random?.result.text ?? "", ids)) {
            mismatches.push(`${key} other: body ${result.text.slice(0, 200)} vs random id ${random?.result.text.slice(0, 200) ?? ""}`);
          }
        } else want = expected;
        if (result.status !== want) mismatches.push(`${key} ${cell}: ${result.status} (want ${want}) ${result.text.slice(0, 160)}`);
        // A collection listed by the other project holds none of the owning project's objects.
        if (cell === "other" && route.method === "GET" && result.status === 200) {
          const leaked = [seed.server, seed.group, seed.network, seed.subnet, seed.port, seed.volume, seed.credential, seed.keypair].filter((id) => result.text.includes(id));
          if (leaked.length > 0 && entry.class !== "admin") mismatches.push(`${key} other: lists ${leaked.join(", ")}`);
        }
      }
    }
    log.logger.info({ requests, ms: Date.now() - started }, "tenancy matrix");
    console.log(`tenancy matrix: ${requests} requests in ${Date.now() - started} ms`);
    expect(mismatches).toEqual([]);
  }, 300_000);

  it("the seeded objects survived the probes", async () => {
    const server = await api.call("GET", `/v2.1/servers/${seed.server}`, { as: "member", headers: LATEST });
    expect(server.json["server"]).toMatchObject({ status: "ACTIVE", name: "tenancy-1", metadata: { k1: "v1" }, tags: ["t1"] });
    for (const path of [`/v2.1/os-keypairs/${seed.keypair}`, `/v2.1/os-server-groups/${seed.group}`, `/network/v2.0/ports/${seed.port}`, `/volume/v3/volumes/${seed.volume}`]) {
      expect((await api.call("GET", path, { as: "member", headers: LATEST })).status, path).toBe(200);
    }
  });
});
