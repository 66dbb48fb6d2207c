// Nova's answer schemas (test/support/nova-schemas) against the real service
// on a real Ironic: every compute route with a Nova counterpart has a schema,
// one of each route is driven here at the microversions where its shape
// changes (the test API checks every answer it receives, so a call outside
// Nova's schema fails the test), every known difference is still needed, and
// the checker does find what is outside the schema.
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import { testApiForFile, type CallOptions, type CallResult } from "../support/api-service.js";
import { fakeCompute, FAKE_USERS } from "../support/fake-compute.js";
import { captureLog } from "../support/log-capture.js";
import { checkAnswer, isComputePath, seen, type Exchange } from "../support/nova-schemas/checker.js";
import { checkNovaAnswers, failOnNovaViolations } from "../support/nova-schemas/fastify-hook.js";
import { KNOWN_DIFFERENCES } from "../support/nova-schemas/known-differences.js";
import { ANSWER_RULES, OWN_COMPUTE_ROUTES } from "../support/nova-schemas/table.js";
import { parseRouteTree as routeTable } from "../support/route-table.js";

type Json = Record<string, unknown>;
type Method = "GET" | "POST" | "PUT" | "DELETE";

const log = captureLog("warn");
failOnNovaViolations();
const api = testApiForFile("nova-schemas", { nodes: 2, portsPerNode: 2, log: log.logger });

/** Routes whose success answers another test file drives (and checks), with why not here. */
const DRIVEN_ELSEWHERE: Readonly<Record<string, string>> = {
  "POST /v2.1/servers/:id/remote-consoles": "test/api/edge.test.ts: a serial console needs a console-capable node (fake hardware has none)",
  "GET /v2.1/os-hypervisors/:id/uptime": "never succeeds: 501 as from Nova's Ironic driver, which has no uptime (checked as an error here)",
  "DELETE /v2.1/images/:id":
    "Nova's image-proxy delete is not served (deprecated with the proxy); without a compute microversion the route is Glance's delete, our own, driven above",
};

const at = (minor: number): Record<string, string> => ({ "openstack-api-version": `compute 2.${minor}` });
/** The microversions where some answer changes shape, and the latest. */
const SHAPE_VERSIONS = [1, 3, 9, 16, 19, 26, 47, 54, 57, 63, 71, 73, 75, 90, 95];

async function ok(method: Method, path: string, options: CallOptions = {}): Promise<CallResult> {
  const result = await api.call(method, path, options);
  expect(result.status, `${method} ${path}: ${result.text}`).toBeLessThan(300);
  return result;
}

async function computeRoutes(): Promise<string[]> {
  const app = buildApi(fakeCompute(), { log: log.logger, auth: "basic" });
  await app.ready();
  const table = routeTable(app.printRoutes({ commonPrefix: false }));
  await app.close();
  return [...new Set(table.filter((route) => route.method !== "HEAD" && isComputePath(route.url)).map((route) => `${route.method} ${route.url}`))];
}

const RULE_ROUTES = new Set(ANSWER_RULES.map((rule) => `${rule.method} ${rule.route}`));

describe("Nova's schemas cover the compute API", () => {
  it("every compute route has a Nova schema or is listed as our own", async () => {
    const routes = await computeRoutes();
    expect(routes.length).toBeGreaterThan(50);
    const uncovered = routes.filter((route) => !RULE_ROUTES.has(route) && !(route in OWN_COMPUTE_ROUTES));
    expect(uncovered, "add a schema in test/support/nova-schemas/table.ts, or list the route in OWN_COMPUTE_ROUTES").toEqual([]);
    const staleOwn = Object.keys(OWN_COMPUTE_ROUTES).filter((route) => !routes.includes(route));
    expect(staleOwn, "OWN_COMPUTE_ROUTES entries without a route").toEqual([]);
  });
});

describe("one of each route, checked against Nova's schema", () => {
  let serverId = "";

  it("version documents", async () => {
    for (const path of ["/", "/v2.1", "/v2.1/"]) await ok("GET", path, { as: "anonymous" });
  });

  it("a server on a network: create, show, list and PUT at every shape", async () => {
    const network = (await ok("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "schemas" } } })).json["network"] as Json;
    await ok("POST", "/network/v2.0/subnets", {
      as: "member",
      body: { subnet: { network_id: network["id"], ip_version: 4, cidr: "10.31.0.0/24", allocation_pools: [{ start: "10.31.0.10", end: "10.31.0.50" }] } },
    });
    const created = await ok("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "schemas-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: [{ uuid: network["id"] }], metadata: { team: "blue" } } },
    });
    serverId = (created.json["server"] as Json)["id"] as string;
    await api.waitForStatus(serverId, "ACTIVE", "member");
    for (const minor of SHAPE_VERSIONS) {
      for (const as of ["admin", "member"] as const) {
        await ok("GET", `/v2.1/servers/${serverId}`, { as, headers: at(minor) });
        await ok("GET", "/v2.1/servers/detail", { as, headers: at(minor) });
        await ok("GET", "/v2.1/servers", { as, headers: at(minor) });
      }
      await ok("PUT", `/v2.1/servers/${serverId}`, { as: "member", headers: at(minor), body: { server: { name: `schemas-${minor}` } } });
    }
    // A paged list carries servers_links.
    const paged = await ok("GET", "/v2.1/servers/detail?limit=1", { as: "member" });
    expect(paged.json).toHaveProperty("servers_links");
  });

  it("metadata, tags, interfaces, password and instance actions", async () => {
    const server = `/v2.1/servers/${serverId}`;
    await ok("PUT", `${server}/metadata`, { as: "member", body: { metadata: { a: "1" } } });
    await ok("POST", `${server}/metadata`, { as: "member", body: { metadata: { b: "2" } } });
    await ok("GET", `${server}/metadata`, { as: "member" });
    await ok("PUT", `${server}/metadata/a`, { as: "member", body: { meta: { a: "3" } } });
    await ok("GET", `${server}/metadata/a`, { as: "member" });
    await ok("DELETE", `${server}/metadata/a`, { as: "member" });

    const tags = { as: "member" as const, headers: at(26) };
    await ok("PUT", `${server}/tags`, { ...tags, body: { tags: ["x"] } });
    await ok("PUT", `${server}/tags/y`, tags);
    await ok("PUT", `${server}/tags/y`, tags);
    await ok("GET", `${server}/tags/y`, tags);
    await ok("GET", `${server}/tags`, tags);
    await ok("DELETE", `${server}/tags/y`, tags);
    await ok("DELETE", `${server}/tags`, tags);

    for (const minor of [1, 70]) {
      const listed = await ok("GET", `${server}/os-interface`, { as: "member", headers: at(minor) });
      const first = (listed.json["interfaceAttachments"] as Json[])[0];
      await ok("GET", `${server}/os-interface/${String(first?.["port_id"])}`, { as: "member", headers: at(minor) });
    }
    const netId = ((await ok("GET", `${server}/os-interface`, { as: "member" })).json["interfaceAttachments"] as Json[])[0]?.["net_id"];
    const attached = await ok("POST", `${server}/os-interface`, { as: "member", body: { interfaceAttachment: { net_id: netId } } });
    await ok("DELETE", `${server}/os-interface/${String((attached.json["interfaceAttachment"] as Json)["port_id"])}`, { as: "member" });

    await ok("GET", `${server}/os-server-password`, { as: "member" });
    await ok("DELETE", `${server}/os-server-password`, { as: "member" });

    for (const minor of [1, 51, 58, 62, 84, 95]) {
      for (const as of ["admin", "member"] as const) {
        const actions = await ok("GET", `${server}/os-instance-actions`, { as, headers: at(minor) });
        const requestId = (actions.json["instanceActions"] as Json[])[0]?.["request_id"] as string;
        await ok("GET", `${server}/os-instance-actions/${requestId}`, { as, headers: at(minor) });
      }
    }
  });

  it("server actions: stop, start, reboot, rescue, unrescue, rebuild", async () => {
    const action = (body: Json, minor = 1): Promise<CallResult> => ok("POST", `/v2.1/servers/${serverId}/action`, { as: "member", headers: at(minor), body });
    await action({ "os-stop": null });
    await api.waitForStatus(serverId, "SHUTOFF");
    await action({ "os-start": null });
    await api.waitForStatus(serverId, "ACTIVE");
    await action({ reboot: { type: "SOFT" } });
    await api.waitForStatus(serverId, "ACTIVE");
    await action({ rescue: {} });
    await api.waitForStatus(serverId, "RESCUE");
    await action({ unrescue: null });
    await api.waitForStatus(serverId, "ACTIVE");
    for (const minor of [1, 54, 57, 75, 95]) {
      await action({ rebuild: { imageRef: api.imageId } }, minor);
      await api.waitForStatus(serverId, "ACTIVE");
    }
  });

  it("flavors and extra specs", async () => {
    for (const minor of [1, 55, 61, 75, 95]) {
      const options = { as: "member" as const, headers: at(minor) };
      await ok("GET", "/v2.1/flavors", options);
      await ok("GET", "/v2.1/flavors/detail", options);
      await ok("GET", `/v2.1/flavors/${api.flavorId}`, options);
      await ok("GET", `/v2.1/flavors/${api.flavorId}/os-extra_specs`, options);
    }
    const flavor = await ok("POST", "/v2.1/flavors", { headers: at(61), body: { flavor: { name: "schemas-gone", ram: 1024, vcpus: 1, disk: 1 } } });
    const id = String((flavor.json["flavor"] as Json)["id"]);
    // Nova echoes the request body, numbers as numbers.
    await ok("POST", `/v2.1/flavors/${id}/os-extra_specs`, { body: { extra_specs: { "resources:CUSTOM_SCHEMAS": "1", "hw:count": 5 } } });
    await ok("PUT", `/v2.1/flavors/${id}/os-extra_specs/hw:count`, { body: { "hw:count": "6" } });
    await ok("GET", `/v2.1/flavors/${id}/os-extra_specs/hw:count`);
    await ok("DELETE", `/v2.1/flavors/${id}/os-extra_specs/hw:count`);
    await ok("DELETE", `/v2.1/flavors/${id}`);
  });

  it("key pairs: 200/202 below 2.2, 201/204 from 2.2", async () => {
    for (const minor of [1, 2, 35, 95]) {
      const name = `schemas-key-${minor}`;
      const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8f0vQx1m2Yt3b0v5tC1cD7n6oQ5a3y2b8Zl0pQ9Xk schemas@example";
      const options = { as: "member" as const, headers: at(minor) };
      await ok("POST", "/v2.1/os-keypairs", { ...options, body: { keypair: { name, public_key: publicKey } } });
      await ok("GET", "/v2.1/os-keypairs", options);
      await ok("GET", `/v2.1/os-keypairs/${name}`, options);
      await ok("DELETE", `/v2.1/os-keypairs/${name}`, options);
    }
  });

  it("hypervisors, zones, aggregates, limits and quotas", async () => {
    for (const minor of [1, 28, 33, 53, 87, 88, 95]) {
      const options = { headers: at(minor) };
      const listed = await ok("GET", "/v2.1/os-hypervisors", options);
      await ok("GET", "/v2.1/os-hypervisors/detail", options);
      const id = String((listed.json["hypervisors"] as Json[])[0]?.["id"]);
      await ok("GET", `/v2.1/os-hypervisors/${id}`, options);
      if (minor < 88) {
        // Nova's Ironic driver has no uptime: 501, in Nova's envelope.
        expect((await api.call("GET", `/v2.1/os-hypervisors/${id}/uptime`, options)).status).toBe(501);
        await ok("GET", "/v2.1/os-hypervisors/statistics", options);
      }
    }
    await ok("GET", "/v2.1/os-availability-zone", { as: "member" });
    await ok("GET", "/v2.1/os-availability-zone/detail");
    for (const minor of [1, 41]) await ok("GET", "/v2.1/os-aggregates", { headers: at(minor) });

    const project = api.users.member.projectId;
    await ok("PUT", `/v2.1/os-quota-sets/${project}`, { body: { quota_set: { instances: 20, [`class:${api.resourceClass}`]: 5 } } });
    for (const minor of [1, 36, 39, 57, 95]) {
      await ok("GET", "/v2.1/limits", { as: "member", headers: at(minor) });
      await ok("GET", `/v2.1/os-quota-sets/${project}`, { headers: at(minor) });
      await ok("GET", `/v2.1/os-quota-sets/${project}/defaults`, { headers: at(minor) });
      await ok("GET", `/v2.1/os-quota-sets/${project}/detail`, { headers: at(minor) });
      await ok("PUT", `/v2.1/os-quota-sets/${project}`, { headers: at(minor), body: { quota_set: { instances: 20 } } });
    }
    await ok("DELETE", `/v2.1/os-quota-sets/${project}`);
  });

  it("server groups at 2.1, 2.13, 2.15 and 2.64", async () => {
    for (const minor of [1, 13, 15, 64]) {
      const options = { as: "member" as const, headers: at(minor) };
      const body = minor >= 64 ? { server_group: { name: `g-${minor}`, policy: "anti-affinity" } } : { server_group: { name: `g-${minor}`, policies: ["anti-affinity"] } };
      const group = await ok("POST", "/v2.1/os-server-groups", { ...options, body });
      const id = String((group.json["server_group"] as Json)["id"]);
      await ok("GET", "/v2.1/os-server-groups", options);
      await ok("GET", `/v2.1/os-server-groups/${id}`, options);
      await ok("DELETE", `/v2.1/os-server-groups/${id}`, options);
    }
  });

  it("external events, images, errors and delete", async () => {
    for (const minor of [1, 76]) {
      await ok("POST", "/v2.1/os-server-external-events", {
        headers: at(minor),
        body: { events: [{ name: "power-update", server_uuid: serverId, tag: "POWER_ON" }] },
      });
    }
    await ok("GET", "/v2.1/images", { as: "member" });
    await ok("GET", `/v2.1/images/${api.imageId}`, { as: "member" });
    const image = await ok("POST", "/v2.1/images", { body: { name: "schemas-gone", url: "http://127.0.0.1:1/gone.qcow2", disk_format: "qcow2" } });
    await ok("DELETE", `/v2.1/images/${String(image.json["id"])}`);

    // Error answers in Nova's envelope.
    expect((await api.call("GET", "/v2.1/servers/6a1c8e0e-0000-4000-8000-000000000000", { as: "member" })).status).toBe(404);
    expect((await api.call("POST", "/v2.1/servers", { as: "member", body: { server: {} } })).status).toBe(400);
    expect((await api.call("DELETE", `/v2.1/flavors/${api.flavorId}`, { as: "member" })).status).toBe(403);
    expect((await api.call("GET", "/v2.1/servers", { as: "member", headers: at(999) })).status).toBe(406);
    // An unscoped token is refused at the auth edge (Keystone's shape, a known difference).
    const password = { user: { id: api.users.member.id, password: api.passwords.member } };
    const unscoped = await api.call("POST", "/identity/v3/auth/tokens", { as: "anonymous", body: { auth: { identity: { methods: ["password"], password }, scope: "unscoped" } } });
    expect(unscoped.status, unscoped.text).toBe(201);
    const refused = await api.call("GET", "/v2.1/servers", { as: "anonymous", headers: { "x-auth-token": String(unscoped.headers["x-subject-token"]) } });
    expect(refused.status).toBe(403);

    // The client routes of issue 18 #4.
    await ok("GET", "/v2", { as: "member" });
    await ok("GET", "/v2/", { as: "member" });
    await ok("GET", `/v2.1/servers/${serverId}/ips`, { as: "member" });
    await ok("GET", `/v2.1/servers/${serverId}/ips/schemas`, { as: "member" });
    const elsewhere = await api.call("GET", `/v2.1/servers/${serverId}/ips/no-such-network`, { as: "member" });
    expect(elsewhere.status).toBe(404); // not on that network: Nova's itemNotFound, checked as an error
    for (const minor of [1, 35]) {
      await ok("GET", "/v2.1/images", { as: "member", headers: at(minor) });
      await ok("GET", "/v2.1/images/detail", { as: "member", headers: at(minor) });
      await ok("GET", `/v2.1/images/${api.imageId}`, { as: "member", headers: at(minor) });
    }
    await ok("POST", `/v2.1/servers/${serverId}/action`, { headers: at(17), body: { trigger_crash_dump: null } });
    await ok("POST", `/v2.1/servers/${serverId}/action`, { body: { "os-resetState": { state: "active" } } });

    await ok("DELETE", `/v2.1/servers/${serverId}`, { as: "member" });
  });

  it("a request naming another Host: 421 misdirectedRequest (in process, our host check)", async () => {
    const app = buildApi(fakeCompute(), { log: log.logger, auth: "none", noneCaller: FAKE_USERS["root"] });
    checkNovaAnswers(app);
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const port = address !== null && typeof address === "object" ? address.port : 0;
      const status = await new Promise<number>((resolve, reject) => {
        const sent = request({ host: "127.0.0.1", port, path: "/v2.1/servers", headers: { host: "rebind.example" } }, (response) => {
          response.resume();
          response.on("end", () => {
            resolve(response.statusCode ?? 0);
          });
        });
        sent.once("error", reject);
        sent.end();
      });
      expect(status).toBe(421);
    } finally {
      await app.close();
    }
  });

  it("every Nova route the service serves had a success answer checked", async () => {
    const served = (await computeRoutes()).filter((route) => RULE_ROUTES.has(route));
    const checked = new Set([...seen.valid].map((route) => route.replace(/#.*$/, "")));
    const unchecked = served.filter((route) => !checked.has(route) && !(route in DRIVEN_ELSEWHERE));
    expect(unchecked, "drive these routes in this file (or list them in DRIVEN_ELSEWHERE)").toEqual([]);
    expect([...seen.unschemed], "answers with no schema").toEqual([]);
  });

  it("every known difference is still needed (no stale entry)", () => {
    const stale = KNOWN_DIFFERENCES.filter((difference) => !seen.usedDifferences.has(difference)).map((difference) => `${String(difference.route)} ${String(difference.issue)}: ${difference.reason}`);
    expect(stale, "these entries of known-differences.ts matched no answer: remove them").toEqual([]);
  });
});

describe("the checker finds answers outside Nova's schema", () => {
  const exchange = (overrides: Partial<Exchange>): Exchange => ({
    method: "GET",
    path: "/v2.1/servers/6a1c8e0e-0000-4000-8000-000000000001",
    requestHeaders: {},
    requestBody: undefined,
    status: 200,
    responseHeaders: { "openstack-api-version": "compute 2.95" },
    text: "",
    ...overrides,
  });

  it("an unexpected field, a missing field, a wrong type, a wrong status and a wrong error envelope", async () => {
    const shown = await api.call("GET", `/v2.1/servers?limit=1`, { as: "member" });
    expect(shown.status).toBe(200);
    const server = await api.call("GET", `/v2.1/flavors/${api.flavorId}`, { as: "member", headers: at(95) });
    const flavor = server.json["flavor"] as Json;
    const withFlavor = (doc: Json, status = 200): Exchange =>
      exchange({ path: `/v2.1/flavors/${api.flavorId}`, status, text: JSON.stringify({ flavor: doc }) });
    const rest = Object.fromEntries(Object.entries(flavor).filter(([key]) => !["resource_class", "required_traits", "forbidden_traits", "capabilities"].includes(key)));
    expect(checkAnswer(withFlavor(rest))).toMatchObject({ kind: "valid" });
    expect(checkAnswer(withFlavor({ ...rest, bogus: 1 }))).toMatchObject({ kind: "violation", issues: ["flavor.bogus: unexpected field"] });
    expect(checkAnswer(withFlavor({ ...rest, "ironic_compute:note": "ours" }))).toMatchObject({ kind: "valid" });
    const { ram: _ram, ...noRam } = rest;
    expect(checkAnswer(withFlavor(noRam))).toMatchObject({ kind: "violation", issues: ["flavor.ram: missing"] });
    expect(checkAnswer(withFlavor({ ...rest, swap: "" }))).toMatchObject({ kind: "violation", route: "GET /v2.1/flavors/:id", microversion: 95 });
    expect(checkAnswer(withFlavor(rest, 201))).toMatchObject({ kind: "violation", issues: ["status: 201 where Nova answers 200"] });
    const missing = exchange({ status: 404, text: JSON.stringify({ notFound: { code: 404, message: "x" } }) });
    expect(checkAnswer(missing)).toMatchObject({ kind: "violation" });
    expect(checkAnswer({ ...missing, text: JSON.stringify({ itemNotFound: { code: 404, message: "x" } }) })).toMatchObject({ kind: "valid" });
    // Our own routes and other APIs are not Nova's.
    expect(checkAnswer(exchange({ path: "/v2.1/projects", text: "{}" }))).toMatchObject({ kind: "own" });
    expect(checkAnswer(exchange({ path: "/image/v2/images", text: "{}" }))).toEqual({ kind: "outside" });
  });
});
