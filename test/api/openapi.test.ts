// GET /openapi.json against Fastify's own route table: every route the API
// serves is in the document (and documented in route-docs.ts), every documented
// operation exists, `x-required-role` is what the route enforces, the zod
// schemas show up as parameters and bodies, and HTTP Basic is the scheme.
import type { OpenAPIV3_1 } from "openapi-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTE_DOCS } from "../../src/api/route-docs.js";
import { buildApi } from "../../src/api/server.js";
import type { Role } from "../../src/store/records.js";
import { webPlugins } from "../../src/web/plugins.js";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, fakeCompute } from "../support/fake-compute.js";
import { parseRouteTree as routeTable } from "../support/route-table.js";
import { checkNovaAnswers } from "../support/nova-schemas/fastify-hook.js";

const log = captureLog("warn");
// With the web layer's routes, as the service mounts them (cli/service-runtime.ts).
const compute = fakeCompute();
const app = buildApi(compute, { log: log.logger, auth: "basic", plugins: webPlugins(compute) });
checkNovaAnswers(app);
let doc: OpenAPIV3_1.Document;
let raw: string;

type Operation = OpenAPIV3_1.OperationObject<{ "x-required-role"?: string; "x-undocumented"?: boolean }>;
const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"] as const;

function operations(): Array<{ method: string; path: string; operation: Operation }> {
  const found: Array<{ method: string; path: string; operation: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method] as Operation | undefined;
      if (operation !== undefined) found.push({ method: method.toUpperCase(), path, operation });
    }
  }
  return found;
}

function openApiPathOf(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

beforeAll(async () => {
  await app.ready();
  const response = await app.inject({ method: "GET", url: "/openapi.json", headers: { host: "api.example:8774" } });
  expect(response.statusCode).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  raw = response.body;
  doc = JSON.parse(raw) as OpenAPIV3_1.Document;
});
afterAll(() => app.close());

describe("GET /openapi.json", () => {
  it("needs no credentials and is OpenAPI 3.1 JSON", () => {
    expect(() => JSON.parse(raw) as unknown).not.toThrow();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe("ironic-compute");
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.servers).toEqual([expect.objectContaining({ url: "http://api.example:8774" })]);
    expect(Object.keys(doc.paths ?? {}).length).toBeGreaterThan(30);
  });

  it("parses the route table it is compared with", () => {
    const table = routeTable(app.printRoutes({ commonPrefix: false }));
    expect(table).toContainEqual({ method: "GET", url: "/v2.1/servers/:id/os-instance-actions/:requestId" });
    expect(table).toContainEqual({ method: "DELETE", url: "/admin/v1/users/:id" });
    expect(table).toContainEqual({ method: "GET", url: "/image/v2/" });
    expect(table).toContainEqual({ method: "GET", url: "/metrics" });
  });

  it("lists every route Fastify serves (HEAD only where there is no GET)", () => {
    const table = routeTable(app.printRoutes({ commonPrefix: false }));
    const gets = new Set(table.filter((route) => route.method === "GET").map((route) => route.url));
    const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
    const missing = table
      .filter((route) => route.method !== "HEAD" || !gets.has(route.url))
      .map((route) => `${route.method} ${openApiPathOf(route.url)}`)
      .filter((key) => !documented.has(key));
    expect(missing, "routes missing from /openapi.json").toEqual([]);
  });

  it("documents every route in route-docs.ts, and route-docs.ts has no stale entry", () => {
    const undocumented = operations()
      .filter(({ operation }) => operation["x-undocumented"] === true)
      .map(({ method, path }) => `${method} ${path}`);
    expect(undocumented, "add these routes to src/api/route-docs.ts").toEqual([]);
    const table = new Set(routeTable(app.printRoutes({ commonPrefix: false })).map((route) => `${route.method} ${route.url}`));
    const stale = Object.keys(ROUTE_DOCS).filter((key) => !table.has(key));
    expect(stale, "route-docs.ts entries without a route").toEqual([]);
  });

  it("every documented operation is a route", () => {
    for (const { method, path } of operations()) {
      const url = path.replace(/\{([^}]+)\}/g, ":$1");
      expect(app.hasRoute({ method, url }), `${method} ${path}`).toBe(true);
    }
  });

  it("operation ids are unique; path parameters are declared and required", () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, operation } of operations()) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
      for (const name of names) {
        expect(declared.find((parameter) => parameter.in === "path" && parameter.name === name), `${path} {${name}}`).toMatchObject({ required: true });
      }
      expect(Object.keys(operation.responses ?? {}).length, path).toBeGreaterThan(0);
      expect(operation.summary, path).toBeTruthy();
      expect(operation.tags?.[0], path).toBeTruthy();
    }
  });

  it("carries HTTP Basic and X-Auth-Token as the security schemes; public routes clear them", () => {
    expect(doc.components?.securitySchemes?.["basicAuth"]).toMatchObject({ type: "http", scheme: "basic" });
    expect(doc.components?.securitySchemes?.["keystoneToken"]).toMatchObject({ type: "apiKey", in: "header", name: "X-Auth-Token" });
    expect(doc.security).toEqual([{ basicAuth: [] }, { keystoneToken: [] }]);
    const healthz = doc.paths?.["/healthz"]?.get as Operation;
    expect(healthz.security).toEqual([]);
    expect(healthz["x-required-role"]).toBe("public");
    expect((doc.paths?.["/v2.1/servers"]?.get as Operation).security).toBeUndefined();
  });

  it("x-required-role is what each route enforces", async () => {
    const below: Record<Role, string | undefined> = { reader: undefined, member: "rita", admin: "alice", service: "alice" };
    const roles = new Set<string>();
    for (const { method, path, operation } of operations()) {
      const role = operation["x-required-role"];
      expect(["public", "authenticated", "reader", "member", "admin", "service"], `${method} ${path}`).toContain(role);
      roles.add(role ?? "");
      if (role === "public" || role === undefined) continue;
      const url = path.replace(/\{[^}]+\}/g, "x1");
      const anonymous = await app.inject({ method: method as "GET", url });
      expect(anonymous.statusCode, `${method} ${path} without credentials`).toBe(401);
      // "authenticated": every role passes the edge; the handler judges (test/api/identity.test.ts).
      const weaker = role === "authenticated" ? undefined : below[role as Role];
      if (weaker !== undefined) {
        const refused = await app.inject({ method: method as "GET", url, headers: { authorization: basicHeader(weaker) } });
        expect(refused.statusCode, `${method} ${path} as ${weaker}`).toBe(403);
      }
    }
    expect([...roles].sort()).toEqual(["admin", "authenticated", "member", "public", "reader", "service"]);
  });

  it("shows the routes' zod schemas: path, query, body", () => {
    const show = doc.paths?.["/v2.1/servers/{id}"]?.get as Operation;
    const id = (show.parameters as OpenAPIV3_1.ParameterObject[]).find((parameter) => parameter.name === "id");
    expect(id).toMatchObject({ in: "path", required: true, schema: { type: "string", minLength: 1, maxLength: 255 } });

    const list = doc.paths?.["/v2.1/servers"]?.get as Operation;
    const query = (list.parameters as OpenAPIV3_1.ParameterObject[]).filter((parameter) => parameter.in === "query").map((parameter) => parameter.name);
    expect(query).toEqual(expect.arrayContaining(["all_tenants", "limit", "marker", "name"]));
    const headers = (list.parameters as OpenAPIV3_1.ParameterObject[]).filter((parameter) => parameter.in === "header").map((parameter) => parameter.name);
    expect(headers).toEqual(["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"]);

    const create = doc.paths?.["/v2.1/servers"]?.post as Operation;
    const body = create.requestBody as OpenAPIV3_1.RequestBodyObject;
    expect(body.content["application/json"]?.schema).toMatchObject({
      type: "object",
      required: ["server"],
      properties: { server: { type: "object", required: expect.arrayContaining(["name", "flavorRef"]) as unknown } },
    });
    expect(create.responses?.["202"]).toBeDefined();

    // Image routes are outside the compute microversions: no version headers.
    const images = doc.paths?.["/v2.1/images"]?.get as Operation;
    expect((images.parameters as OpenAPIV3_1.ParameterObject[]).filter((parameter) => parameter.in === "header")).toEqual([]);
    const users = doc.paths?.["/admin/v1/users"]?.post as Operation;
    const userBody = (users.requestBody as OpenAPIV3_1.RequestBodyObject).content["application/json"]?.schema as OpenAPIV3_1.SchemaObject;
    expect(userBody.properties?.["role"]).toMatchObject({ enum: ["admin", "member", "reader", "service"] });
  });

  it("describes /metrics as Prometheus text needing the admin role", () => {
    const metrics = doc.paths?.["/metrics"]?.get as Operation;
    expect(metrics["x-required-role"]).toBe("admin");
    expect(Object.keys((metrics.responses?.["200"] as OpenAPIV3_1.ResponseObject).content ?? {})).toEqual(["text/plain; version=0.0.4"]);
  });
});
