// Fuzzing every route (issue 16 #4) with fast-check: for each route Fastify
// serves (read from its route table, so a new route is fuzzed without editing
// this file), generated requests — paths with traversal, malformed UUIDs,
// unicode and huge segments; query strings with negative, huge and non-numeric
// values; bodies with wrong types, huge and unicode strings, deep nesting,
// duplicate keys (raw JSON text), out-of-range numbers; headers with bad
// microversions, content types and huge values — against the real service on
// the real Ironic. Each answer: no 5xx; a 4xx carries one fault object in the
// API's shape (Nova's, Keystone's or Neutron's); a refused mutation leaves every
// table of the database as it was. Afterwards the service still answers /healthz.
// The web layer (/dashboard/*: the page, its files, the console's websocket) is
// not the API: its 4xx are plain text ("Not found", the console token's 401),
// so there each 4xx must echo none of the request's input, and every answer
// carries the dashboard's strict Content-Security-Policy.
//
// npm test runs a seeded sample (IRONIC_COMPUTE_FUZZ_RUNS, default 300 requests and at least one per route,
// seed IRONIC_COMPUTE_FUZZ_SEED); `npm run test:fuzz` runs 10,000.
import { createHash, randomUUID } from "node:crypto";
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, DASHBOARD_PREFIX } from "../../src/web/dashboard-routes.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";
import { routeKey, servedRoutes, type ServedRoute } from "../support/route-table.js";

const RUNS = Number(process.env["IRONIC_COMPUTE_FUZZ_RUNS"] ?? 300);
const SEED = Number(process.env["IRONIC_COMPUTE_FUZZ_SEED"] ?? 20_161_604);

const log = captureLog("warn");
let api: TestApi;
let client: Client;
let db: BetterSqlite3.Database;
const real: Record<string, string> = {};

/** 5xx answers that are the route's documented answer, not a failure (Nova's Ironic driver has no uptime either). */
const DELIBERATE_5XX = new Set(["501 GET /v2.1/os-hypervisors/:id/uptime"]);

/** Tables whose rows change without a request: worker heartbeats. */
const LIVE_TABLES = new Set(["workers"]);

/** A digest of every row of every table: what "nothing persisted" compares. */
function databaseDigest(): string {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
  const hash = createHash("sha256");
  for (const { name } of tables) {
    if (LIVE_TABLES.has(name)) continue;
    hash.update(name).update(JSON.stringify(db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()));
  }
  return hash.digest("hex");
}

// ---- generators ----

// Strings up to 2 KiB fit a request line; the 40 KiB ones test Node's header limit (431) in paths and queries.
const hugeString = fc.oneof({ arbitrary: fc.constantFrom(200, 2_000), weight: 4 }, { arbitrary: fc.constant(40_000), weight: 1 }).map((n) => "é".repeat(n));
const hugeBodyString = fc.constantFrom(200, 5_000, 70_000).map((n) => "é".repeat(n));
const unicode = fc.string({ unit: "binary", maxLength: 40 });
const weirdNumber = fc.constantFrom(-1, -0, 0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, Number.MAX_SAFE_INTEGER);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  unicode,
  hugeBodyString,
  weirdNumber,
  fc.constantFrom(null, true, false, [], {}, "", "null", "true", "-1", "1e400", "../../etc/passwd", "<script>alert(1)</script>"),
  fc.uuid(),
);

/** Field names the API's bodies use, so generated bodies reach past the first check. */
const FIELD = fc.constantFrom(
  "server", "flavor", "keypair", "network", "subnet", "port", "volume", "metadata", "meta", "tags", "server_group", "quota_set", "project",
  "user", "auth", "application_credential", "events", "interfaceAttachment", "remote_console", "reboot", "rebuild", "rescue", "os-stop",
  "name", "password", "project_id", "imageRef", "flavorRef", "networks", "ram", "vcpus", "disk", "id", "type", "policy", "cidr",
  "network_id", "fixed_ips", "size", "connection", "role", "url", "disk_format", "public_key", "user_data", "key_name", "adminPass",
);
const objectBody: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, junk, fc.dictionary(FIELD, tie("node"), { maxKeys: 4 })),
})).node;

const rawBody = fc.oneof(
  objectBody.map((value) => JSON.stringify(value)),
  fc.tuple(FIELD, FIELD, fc.jsonValue({ maxDepth: 1 })).map(([outer, inner, value]) =>
    `{"${outer}":{"${inner}":"first","${inner}":${JSON.stringify(value)}},"${outer}":{"${inner}":1}}`),
  fc.constantFrom(10, 1_000, 100_000).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.tuple(FIELD, fc.constantFrom(100, 5_000, 50_000)).map(([key, depth]) => `${`{"${key}":`.repeat(depth)}1${"}".repeat(depth)}`),
  fc.tuple(FIELD, FIELD, fc.constantFrom("1e400", "-1e400", "123456789012345678901234567890", "-0", "1.5", "0x10", "NaN")).map(
    ([outer, inner, number]) => `{"${outer}":{"${inner}":${number}}}`),
  fc.string({ maxLength: 60 }),
  fc.constant(`{"server":{"name":"${"x".repeat(1_100_000)}"}}`),
  fc.constant(""),
);

const segment = fc.oneof(
  fc.uuid(),
  fc.uuid().map((uuid) => uuid.toUpperCase()),
  fc.uuid().map((uuid) => uuid.slice(0, 35)),
  fc.uuid().map((uuid) => `${uuid.replaceAll("-", "")}0`),
  fc.constantFrom("..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2F", "%00", "%", "%zz", "%C0%AE", "-1", "0", "9".repeat(40), "'%20OR%201=1--", "null", "%20"),
  unicode.map(encodeURIComponent),
);
const pathSegment = fc.oneof({ arbitrary: segment, weight: 9 }, { arbitrary: hugeString.map(encodeURIComponent), weight: 1 });

const queryKey = fc.oneof(
  fc.constantFrom("limit", "marker", "all_tenants", "name", "status", "changes-since", "changes-before", "sort_key", "sort_dir", "usage",
    "fields", "project_id", "tenant_id", "ip", "host", "image", "flavor", "deleted", "visibility", "offset", "page_reverse", "detailed"),
  unicode,
);
const queryValue = fc.oneof(
  fc.constantFrom("-1", "0", "1e400", "18446744073709551616", "NaN", "", "true", "2026-13-45T99:99:99Z", "..", "%00"),
  unicode,
  fc.uuid(),
);
const query = fc.array(fc.tuple(queryKey, fc.oneof({ arbitrary: queryValue, weight: 9 }, { arbitrary: hugeString, weight: 1 })), { maxLength: 5 }).map((pairs) =>
  pairs.length === 0 ? "" : `?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&")}`);

const headerSet = fc.record({
  microversion: fc.constantFrom(undefined, "compute 2.1", "compute latest", "compute 2.9999", "compute 3.0", "compute 2.-1", "garbage", "volume 3.0", "compute 2.95, compute 2.1"),
  legacy: fc.constantFrom(undefined, "2.26", "latest", "x", "2.0"),
  contentType: fc.constantFrom(undefined, "application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded", "", "application/octet-stream", "application/openstack-images-v2.1-json-patch"),
  filler: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 8_000, 20_000),
  accept: fc.constantFrom(undefined, undefined, undefined, undefined, "application/xml", "*/*", "text/html"),
});

interface Generated {
  segments: string[];
  realIds: boolean;
  query: string;
  headers: { microversion: string | undefined; legacy: string | undefined; contentType: string | undefined; filler: number; accept: string | undefined };
  body: string | undefined;
  as: "admin" | "member";
}

function requestFor(route: ServedRoute): fc.Arbitrary<Generated> {
  const params = [...route.url.matchAll(/:([A-Za-z_]+)/g)].length;
  const takesBody = route.method === "POST" || route.method === "PUT" || route.method === "PATCH";
  return fc.record({
    segments: fc.array(pathSegment, { minLength: params, maxLength: params }),
    // Real objects' ids in the path reach deeper checks; never for DELETE or actions (they would run).
    realIds: fc.boolean().map((yes) => yes && route.method !== "DELETE" && !/\/(action|os-interface|remote-consoles)$/.test(route.url)),
    query,
    headers: headerSet,
    body: takesBody ? fc.option(rawBody, { freq: 8 }).map((body) => body ?? undefined) : fc.constant(undefined),
    as: fc.constantFrom("admin", "admin", "member"),
  });
}

function realValue(url: string, name: string): string | undefined {
  if (url.startsWith("/v2.1/servers/") && name === "id") return real["server"];
  if (url.startsWith("/v2.1/flavors/")) return real["flavor"];
  if (url.includes("/images/")) return real["image"];
  if (url.startsWith("/network/v2.0/networks/")) return real["network"];
  if (name === "project_id" || url.startsWith("/admin/v1/projects/")) return real["project"];
  if (url.startsWith("/identity/v3/users/") || url.startsWith("/admin/v1/users/")) return name === "id" ? real["user"] : undefined;
  return undefined;
}

function pathOf(route: ServedRoute, generated: Generated): string {
  let index = 0;
  const path = route.url.replace(/:([A-Za-z_]+)/g, (_all, name: string) => {
    const fuzzed = generated.segments[index] ?? "x";
    index += 1;
    return (generated.realIds ? realValue(route.url, name) : undefined) ?? fuzzed;
  });
  return `${path}${generated.query}`;
}

/** One fault object in the shape of the API addressed: Nova's and Keystone's carry the code, Neutron's a type. */
function faultShapeProblem(status: number, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "not an object";
  const entries: Array<[string, unknown]> = Object.entries(body);
  if (entries.length !== 1) return "not one fault key";
  const [name, fault] = entries[0] ?? ["", undefined];
  if (fault === null || typeof fault !== "object") return "fault is not an object";
  const { code, message, type } = fault as { code?: unknown; message?: unknown; type?: unknown };
  if (typeof message !== "string" || message === "") return "no message";
  if (name === "NeutronError") return typeof type === "string" ? undefined : "Neutron fault without type";
  return code === status ? undefined : `code ${String(code)} is not the status`;
}

interface Outcome {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

const isWebRoute = (route: ServedRoute): boolean => route.url === DASHBOARD_PREFIX || route.url.startsWith(`${DASHBOARD_PREFIX}/`);

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * What the request carried that an answer must not repeat: path segments,
 * query keys and values, header values (raw and decoded). Pieces under 4
 * characters ("0", "-1", "%20") are left out: they occur in any text.
 */
function inputsOf(generated: Generated): string[] {
  const query = [...new URLSearchParams(generated.query.slice(1))].flat();
  const { microversion, legacy, accept } = generated.headers;
  const pieces = [...generated.segments, ...generated.segments.map(decoded), ...query, ...[microversion, legacy, accept].filter((value) => value !== undefined)];
  return [...new Set(pieces)].filter((piece) => piece.trim().length >= 4);
}

/** The web layer's answers: the strict CSP on each, and a 4xx that repeats none of the request. */
function webAnswerProblem(outcome: Outcome, generated: Generated): string | undefined {
  if (outcome.headers["content-security-policy"] !== CONTENT_SECURITY_POLICY) return `no strict CSP (${String(outcome.headers["content-security-policy"])})`;
  if (outcome.status < 400) return undefined;
  const echoed = inputsOf(generated).find((piece) => outcome.text.includes(piece));
  return echoed === undefined ? undefined : `echoes the request's ${JSON.stringify(echoed.slice(0, 80))}`;
}

async function send(route: ServedRoute, generated: Generated): Promise<Outcome | "refused-by-client"> {
  const headers: Record<string, string> = { authorization: api.basic(generated.as) };
  const { microversion, legacy, contentType, filler, accept } = generated.headers;
  if (microversion !== undefined) headers["openstack-api-version"] = microversion;
  if (legacy !== undefined) headers["x-openstack-nova-api-version"] = legacy;
  if (accept !== undefined) headers["accept"] = accept;
  if (filler > 0) headers["x-fuzz-filler"] = "f".repeat(filler);
  if (generated.body !== undefined) headers["content-type"] = contentType ?? "application/json";
  try {
    const response = await client.request({
      method: route.method,
      path: pathOf(route, generated),
      headers,
      ...(generated.body === undefined ? {} : { body: generated.body }),
    });
    return { status: response.statusCode, text: await response.body.text(), headers: response.headers };
  } catch (error) {
    // undici refuses some generated paths itself (characters a request line cannot hold): nothing was sent.
    if (error instanceof Error && "code" in error && error.code === "UND_ERR_INVALID_ARG") return "refused-by-client";
    throw error;
  }
}

beforeAll(async () => {
  api = await startTestApi("fuzz", {
    nodes: 1,
    log: log.logger,
    login: { maxFailuresPerClient: 1_000_000, maxFailuresPerUser: 1_000_000, failureWindowMs: 60_000, negativeCacheMs: 60_000, maxTrackedKeys: 10_000 },
  });
  client = new Client(api.url, { pipelining: 0, connections: 1 } as ConstructorParameters<typeof Client>[1]);
  db = new BetterSqlite3(api.storePath, { readonly: true, fileMustExist: true });
  const created = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name: "fuzz-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
  });
  if (created.status !== 202) throw new Error(`seeding: ${created.status} ${created.text}`);
  real["server"] = (created.json["server"] as { id: string }).id;
  await api.waitForStatus(real["server"], "ACTIVE");
  const network = await api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "n-fuzz" } } });
  real["network"] = (network.json["network"] as { id: string }).id;
  real["flavor"] = api.flavorId;
  real["image"] = api.imageId;
  real["project"] = api.users.member.projectId;
  real["user"] = api.users.member.id;
}, 120_000);

afterAll(async () => {
  db.close();
  await client.close();
  await api.stop();
});

describe("the fuzzer's own checks", () => {
  it("the database digest sees a row added, and one changed", async () => {
    const before = databaseDigest();
    const created = await api.call("POST", "/v2.1/os-keypairs", { as: "member", body: { keypair: { name: `kp-digest-${randomUUID().slice(0, 8)}` } } });
    expect(created.status, created.text).toBe(200);
    const added = databaseDigest();
    expect(added).not.toBe(before);
    const renamed = await api.call("PUT", `/network/v2.0/networks/${real["network"] ?? ""}`, { as: "member", body: { network: { name: "n-fuzz-renamed" } } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(databaseDigest()).not.toBe(added);
  });
});

describe("what the fuzzing found", () => {
  // Fastify's router answers these before any hook, in its own shape, echoing the URL.
  it.each([
    ["/v2.1/servers/%zz", 400, "badRequest"],
    ["/identity/v3/projects/%", 400, "error"],
    ["/network/v2.0/ports/%C0%AE", 400, "NeutronError"],
    [`/v2.1/servers/${"e".repeat(600)}`, 404, "itemNotFound"],
    [`/image/v2/images/${"%C3%A9".repeat(600)}`, 404, "itemNotFound"],
  ] as const)("GET %s → %i in the API's fault shape", async (path, status, key) => {
    const response = await client.request({ method: "GET", path, headers: { authorization: api.basic("member") } });
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(status);
    expect(faultShapeProblem(status, text), text).toBeUndefined();
    expect(Object.keys(JSON.parse(text) as object)).toEqual([key]);
    expect(text).not.toContain("FST_ERR");
    expect(response.headers["x-openstack-request-id"]).toMatch(/^req-/);
  });
});

describe("what the fuzzing found in the web layer", () => {
  // An over-long name was a thrown ZodError (500); the router's own answers (an
  // over-long or malformed path) had none of the dashboard's headers.
  const SCRIPT = "<script>alert(1)</script>";
  it.each([
    [`/dashboard/assets/vendor/${"x".repeat(200)}`, 404],
    [`/dashboard/assets/${"x".repeat(200)}`, 404],
    [`/dashboard/assets/${"%C3%A9".repeat(600)}`, 404],
    ["/dashboard/assets/%zz", 400],
    [`/dashboard/assets/${encodeURIComponent(SCRIPT)}`, 404],
    [`/dashboard/assets/vendor/${encodeURIComponent(SCRIPT)}`, 404],
    [`/dashboard/console?token=${encodeURIComponent(SCRIPT)}`, 401],
    [`/dashboard/console?token=${"t".repeat(500)}`, 401],
  ] as const)("GET %s → %i with the strict CSP, echoing nothing", async (path, status) => {
    const response = await client.request({ method: "GET", path });
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(status);
    expect(response.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(text).not.toContain("script");
    expect(text).not.toContain("xxxxxxxx");
    expect(text).not.toContain("tttttttt");
    expect(text).not.toContain("é");
    expect(text).not.toContain("FST_ERR");
  });
});

describe(`fuzzing every route (${RUNS} requests, seed ${SEED})`, () => {
  it("no 5xx, a fault in the API's shape for each 4xx, nothing persisted by a refused mutation; /healthz still answers", async () => {
    const routes = servedRoutes(api.running.api.app);
    expect(routes.length).toBeGreaterThan(140);
    const perRoute = Math.max(1, Math.ceil(RUNS / routes.length));
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    let refusedByClient = 0;
    const started = Date.now();
    for (const [index, route] of routes.entries()) {
      const result = await fc.check(
        fc.asyncProperty(requestFor(route), async (generated) => {
          const mutation = route.method !== "GET" && route.method !== "HEAD";
          const before = mutation ? databaseDigest() : "";
          const outcome = await send(route, generated);
          if (outcome === "refused-by-client") {
            refusedByClient += 1;
            return true;
          }
          sent += 1;
          statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
          const where = `${routeKey(route)} → ${outcome.status} ${outcome.text.slice(0, 200)}`;
          if (outcome.status >= 500 && !DELIBERATE_5XX.has(`${outcome.status} ${routeKey(route)}`)) throw new Error(`5xx: ${where}`);
          // 431: Node refuses headers over 16 KiB before Fastify sees the request (no body).
          if (isWebRoute(route) && outcome.status !== 431) {
            const problem = webAnswerProblem(outcome, generated);
            if (problem !== undefined) throw new Error(`web answer (${problem}): ${where}`);
          } else if (outcome.status >= 400 && route.method !== "HEAD" && outcome.status !== 431) {
            const problem = faultShapeProblem(outcome.status, outcome.text);
            if (problem !== undefined) throw new Error(`fault shape (${problem}): ${where}`);
          }
          if (mutation && outcome.status >= 400 && databaseDigest() !== before) throw new Error(`a refused request changed the database: ${where}`);
          return true;
        }),
        { numRuns: perRoute, seed: SEED + index, endOnFailure: true },
      );
      if (result.failed) {
        const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        problems.push(`${error}\n  counterexample: ${JSON.stringify(result.counterexample).slice(0, 600)}`);
      }
    }
    const healthz = await api.call("GET", "/healthz", { as: "anonymous" });
    const summary = `fuzz: ${sent} requests over ${routes.length} routes in ${Date.now() - started} ms (${refusedByClient} refused by the client); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`;
    console.log(summary);
    expect(problems).toEqual([]);
    expect(healthz.status).toBe(200);
    expect(sent).toBeGreaterThanOrEqual(RUNS);
    const server = await api.call("GET", `/v2.1/servers/${real["server"] ?? randomUUID()}`, { as: "member" });
    expect(server.status).toBe(200);
  }, 1_800_000);
});
