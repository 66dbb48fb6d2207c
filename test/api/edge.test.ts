// The HTTP edge without Ironic: discovery, authentication, microversions,
// request ids, validation and error shapes, against a fake ComputeApi.
import { afterAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import { parseMicroversion } from "../../src/api/microversion.js";
import { serverStatus } from "../../src/api/server-view.js";
import { ConflictError, NotFoundError, QuotaExceededError, ServiceBusyError } from "../../src/compute/contract.js";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, fakeCompute, fakeServer, FAKE_PASSWORD } from "../support/fake-compute.js";
import { checkNovaAnswers } from "../support/nova-schemas/fastify-hook.js";

const ONE = "11111111-1111-4111-8111-111111111111";
const TWO = "22222222-2222-4222-8222-222222222222";
const log = captureLog("debug");
const compute = fakeCompute(
  {
    servers: {
      act: async (caller, id) => {
        if (id === ONE) throw new ConflictError("Cannot 'os-stop' instance while it is in task_state rebooting");
        // TWO belongs to p-two: anyone else is told it does not exist.
        if (caller.projectId !== "p-two") throw new NotFoundError(`Instance ${id} could not be found.`);
        return Promise.resolve({});
      },
      serialConsole: () => Promise.resolve({ token: "one-time-token", expiresAt: "2030-01-01T00:00:00.000Z" }),
      create: () => Promise.reject(new QuotaExceededError("Quota exceeded for instances: Requested 1, but already used 5 of 5 instances")),
    },
    flavors: { list: () => Promise.reject(new Error("database exploded: password=hunter22")) },
    keypairs: { create: () => Promise.reject(new ServiceBusyError("Too many key pairs being generated at once; try again shortly.", 2)) },
  },
  [fakeServer(ONE, "p-one"), fakeServer(TWO, "p-two")],
);
const app = buildApi(compute, { log: log.logger, auth: "basic" });
checkNovaAnswers(app);
afterAll(() => app.close());

const alice = { authorization: basicHeader("alice") };

describe("discovery", () => {
  it.each(["/", "/v2", "/v2/", "/v2.1", "/v2.1/", "/image", "/image/", "/image/v2", "/image/v2/", "/healthz"])("%s needs no credentials", async (url) => {
    const response = await app.inject({ method: "GET", url, headers: { host: "api.example:8774" } });
    expect([200, 300]).toContain(response.statusCode);
    expect(response.headers["x-openstack-request-id"]).toMatch(/^req-[0-9a-f-]{36}$/);
  });

  it("the compute version document has a self link built from the request", async () => {
    const response = await app.inject({ method: "GET", url: "/v2.1", headers: { host: "api.example:8774" } });
    expect(response.json()).toMatchObject({
      version: { id: "v2.1", version: "2.95", min_version: "2.1", links: [{ rel: "self", href: "http://api.example:8774/v2.1/" }] },
    });
  });

  it("every version the root advertises answers 200 with its version document (issue 18 #4)", async () => {
    const root = await app.inject({ method: "GET", url: "/", headers: { host: "api.example:8774" } });
    const versions = root.json<{ versions: Array<{ id: string; links: Array<{ rel: string; href: string }> }> }>().versions;
    expect(versions.map((version) => version.id)).toEqual(["v2.0", "v2.1"]);
    for (const advertised of versions) {
      const self = advertised.links.find((link) => link.rel === "self")?.href ?? "";
      expect(self.startsWith("http://api.example:8774/")).toBe(true);
      for (const url of [new URL(self).pathname, new URL(self).pathname.replace(/\/$/, "")]) {
        const response = await app.inject({ method: "GET", url, headers: { host: "api.example:8774" } });
        expect(response.statusCode, url).toBe(200);
        expect(response.json(), url).toMatchObject({ version: { id: advertised.id, links: [{ rel: "self", href: self }] } });
      }
    }
    const legacy = await app.inject({ method: "GET", url: "/v2/", headers: { host: "api.example:8774" } });
    expect(legacy.json()).toMatchObject({ version: { status: "SUPPORTED", version: "", min_version: "" } });
  });

  it("the image root answers 300 with a /image/v2/ self link", async () => {
    const response = await app.inject({ method: "GET", url: "/image", headers: { host: "h:1" } });
    expect(response.statusCode).toBe(300);
    expect(response.json()).toMatchObject({
      versions: [
        { id: "v2.16", status: "CURRENT", links: [{ rel: "self", href: "http://h:1/image/v2/" }] },
        { id: "v2.0", status: "SUPPORTED" },
      ],
    });
  });
});

describe("authentication", () => {
  it("no credentials: 401 with a Basic challenge and Nova's body", async () => {
    const response = await app.inject({ method: "GET", url: "/v2.1/servers" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Basic realm="ironic-compute"');
    expect(response.json()).toEqual({ unauthorized: { code: 401, message: expect.any(String) as string } });
  });

  it("a wrong password: 401; X-Auth-Token is ignored", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/v2.1/servers",
      headers: { authorization: basicHeader("alice", "wrong"), "x-auth-token": "notused" },
    });
    expect(response.statusCode).toBe(401);
  });

  it("unknown routes need credentials too, then 404 in Nova's shape", async () => {
    expect((await app.inject({ method: "GET", url: "/v2.1/nothing-here" })).statusCode).toBe(401);
    const response = await app.inject({ method: "GET", url: "/v2.1/nothing-here", headers: alice });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toHaveProperty("itemNotFound.code", 404);
  });

  it("successful checks are cached; concurrent requests share one check", async () => {
    const header = { authorization: basicHeader("root") };
    const before = compute.authentications;
    const responses = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: "GET", url: "/v2.1/servers", headers: header })));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    await app.inject({ method: "GET", url: "/v2.1/servers", headers: header });
    expect(compute.authentications - before).toBe(1);
  });

  it("a reader cannot create (403 before the handler)", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v2.1/servers",
      headers: { authorization: basicHeader("rita") },
      payload: { server: { name: "x", imageRef: ONE, flavorRef: "1" } },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toHaveProperty("forbidden.code", 403);
  });

  it("admin routes refuse members", async () => {
    for (const url of ["/admin/v1/projects", "/admin/v1/users", "/admin/v1/nodes", "/v2.1/os-hypervisors"]) {
      expect((await app.inject({ method: "GET", url, headers: alice })).statusCode).toBe(403);
    }
  });

  it("auth 'none' makes every request the configured caller", async () => {
    const open = buildApi(compute, {
      log: log.logger,
      auth: "none",
      noneCaller: { userId: "u-root", userName: "root", projectId: "p-admin", role: "admin" },
    });
    const response = await open.inject({ method: "GET", url: "/v2.1/servers" });
    expect(response.statusCode).toBe(200);
    expect((response.json<{ servers: unknown[] }>()).servers).toHaveLength(2);
    await open.close();
  });
});

describe("microversions", () => {
  it("parses the modern header first, then the legacy one; default 2.1; latest = 2.95", async () => {
    const get = (headers: Record<string, string>) => app.inject({ method: "GET", url: "/v2.1/servers", headers: { ...alice, ...headers } });
    expect((await get({})).headers["openstack-api-version"]).toBe("compute 2.1");
    expect((await get({ "x-openstack-nova-api-version": "2.37" })).headers["x-openstack-nova-api-version"]).toBe("2.37");
    const both = await get({ "openstack-api-version": "compute 2.60", "x-openstack-nova-api-version": "2.37" });
    expect(both.headers["openstack-api-version"]).toBe("compute 2.60");
    // A server list varies by Accept-Encoding too (its kept answer may be sent gzipped: answer-cache.ts).
    expect(both.headers["vary"]).toBe("OpenStack-API-Version, X-OpenStack-Nova-API-Version, Accept-Encoding");
    expect((await get({ "openstack-api-version": "compute latest" })).headers["openstack-api-version"]).toBe("compute 2.95");
  });

  it("406 outside [2.1, 2.95] with Nova's body", async () => {
    const response = await app.inject({ method: "GET", url: "/v2.1/servers", headers: { ...alice, "openstack-api-version": "compute 2.96" } });
    expect(response.statusCode).toBe(406);
    expect(response.json()).toEqual({
      computeFault: { code: 406, message: "Version 2.96 is not supported by the API. Minimum is 2.1 and maximum is 2.95." },
    });
  });

  it("rejects malformed versions with 400", () => {
    expect(parseMicroversion("2.x")).toMatchObject({ ok: false, status: 400 });
    expect(parseMicroversion("2.01")).toMatchObject({ ok: false, status: 400 });
    expect(parseMicroversion("2.0")).toMatchObject({ ok: false, status: 406 });
    expect(parseMicroversion("3.1")).toMatchObject({ ok: false, status: 406 });
  });
});

describe("errors and validation", () => {
  it("validation failures name the field and never echo the value", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v2.1/servers",
      headers: alice,
      payload: { server: { name: "x", imageRef: ONE, flavorRef: "1", adminPass: 12345678, networks: "bogus" } },
    });
    expect(response.statusCode).toBe(400);
    const message = response.json<{ badRequest: { message: string } }>().badRequest.message;
    expect(message).toContain("server.adminPass");
    expect(message).toContain("server.networks");
    expect(message).not.toContain("12345678");
  });

  it("unknown body keys and several actions at once are 400", async () => {
    // Alice's own server (ONE): another project's would be 404 before any body check (Nova's order).
    const post = (payload: unknown) => app.inject({ method: "POST", url: `/v2.1/servers/${ONE}/action`, headers: alice, payload: payload as object });
    expect((await post({ "os-explode": null })).statusCode).toBe(400);
    expect((await post({ "os-stop": null, "os-start": null })).statusCode).toBe(400);
    expect((await post({ reboot: { type: "sideways" } })).statusCode).toBe(400);
  });

  it("malformed JSON is 400 without quoting the body", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v2.1/servers",
      headers: { ...alice, "content-type": "application/json" },
      payload: '{"server": {"adminPass": "s3cr3t-value"',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain("s3cr3t-value");
  });

  it("an empty JSON body is no body: fine for DELETE, a named 400 for POST", async () => {
    const headers = { authorization: basicHeader("bob"), "content-type": "application/json" };
    expect((await app.inject({ method: "DELETE", url: `/v2.1/servers/${TWO}`, headers, payload: "" })).statusCode).toBe(204);
    const post = await app.inject({ method: "POST", url: "/v2.1/servers", headers, payload: "" });
    expect(post.statusCode).toBe(400);
    expect(post.json()).toHaveProperty("badRequest.code", 400);
  });

  it("bodies over 1 MiB are 413", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v2.1/servers",
      headers: { ...alice, "content-type": "application/json" },
      payload: JSON.stringify({ server: { name: "x".repeat(1024 * 1024) } }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toHaveProperty("overLimit.code", 413);
  });

  // Issue 8 #6: the old pattern backtracked quadratically on this (seconds of one event loop).
  it("user_data of 90,000 newlines and a '!' is 400 on create and rebuild", async () => {
    const userData = `${"\n".repeat(90_000)}!`;
    const create = await app.inject({
      method: "POST",
      url: "/v2.1/servers",
      headers: alice,
      payload: { server: { name: "x", imageRef: ONE, flavorRef: "1", user_data: userData } },
    });
    expect(create.statusCode).toBe(400);
    expect(create.json<{ badRequest: { message: string } }>().badRequest.message).toContain("server.user_data");
    const rebuild = await app.inject({
      method: "POST",
      url: `/v2.1/servers/${ONE}/action`,
      headers: alice,
      payload: { rebuild: { imageRef: ONE, user_data: userData } },
    });
    expect(rebuild.statusCode).toBe(400);
  });

  it("bad query values are 400", async () => {
    expect((await app.inject({ method: "GET", url: "/v2.1/servers/detail?limit=abc", headers: alice })).statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: "/v2.1/servers/detail?all_tenants=maybe", headers: alice })).statusCode).toBe(400);
  });

  it("names and other projects' servers are 404 (no existence oracle)", async () => {
    for (const url of ["/v2.1/servers/my-server", `/v2.1/servers/${TWO}`]) {
      const response = await app.inject({ method: "GET", url, headers: alice });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toHaveProperty("itemNotFound.code", 404);
    }
    expect((await app.inject({ method: "DELETE", url: `/v2.1/servers/${TWO}`, headers: alice })).statusCode).toBe(404);
    const action = await app.inject({ method: "POST", url: `/v2.1/servers/${TWO}/action`, headers: alice, payload: { "os-stop": null } });
    expect(action.statusCode).toBe(404);
  });

  it("conflicts are 409 conflictingRequest; quota is 403 forbidden", async () => {
    const conflict = await app.inject({ method: "POST", url: `/v2.1/servers/${ONE}/action`, headers: alice, payload: { "os-stop": null } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toHaveProperty("conflictingRequest.code", 409);
    const quota = await app.inject({
      method: "POST",
      url: "/v2.1/servers",
      headers: alice,
      payload: { server: { name: "x", imageRef: ONE, flavorRef: "1", networks: "none" } },
    });
    expect(quota.statusCode).toBe(403);
    expect(quota.json()).toHaveProperty("forbidden.message", expect.stringContaining("Quota exceeded") as string);
  });

  it("bounded work at its limit is 503 serviceUnavailable with Retry-After", async () => {
    const response = await app.inject({ method: "POST", url: "/v2.1/os-keypairs", headers: alice, payload: { keypair: { name: "k" } } });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("2");
    expect(response.json()).toEqual({ serviceUnavailable: { code: 503, message: "Too many key pairs being generated at once; try again shortly." } });
  });

  it("unexpected errors are a generic 500; the details only reach the (redacted) log", async () => {
    const response = await app.inject({ method: "GET", url: "/v2.1/flavors", headers: alice });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toHaveProperty("computeFault.code", 500);
    expect(response.body).not.toContain("exploded");
    expect(response.body).toContain(String(response.headers["x-openstack-request-id"]));
    expect(log.text()).toContain("database exploded");
  });

  it("accepts the null and {} action arguments real clients send", async () => {
    for (const payload of [{ "os-stop": null }, { "os-start": {} }, { unrescue: null }, { reboot: { type: "HARD" } }]) {
      const response = await app.inject({ method: "POST", url: `/v2.1/servers/${TWO}/action`, headers: { authorization: basicHeader("bob") }, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(202);
      expect(response.body).toBe("");
    }
  });
});

describe("consoles", () => {
  it("remote-consoles (serial, from 2.6) and the legacy os-getSerialConsole action (below 2.6) return the URL", async () => {
    const headers = { authorization: basicHeader("bob"), "openstack-api-version": "compute 2.8" };
    const remote = await app.inject({
      method: "POST",
      url: `/v2.1/servers/${TWO}/remote-consoles`,
      headers,
      payload: { remote_console: { protocol: "serial", type: "serial" } },
    });
    expect(remote.statusCode).toBe(200);
    expect(remote.json()).toEqual({ remote_console: { protocol: "serial", type: "serial", url: "ws://localhost:80/dashboard/console?token=one-time-token" } });
    // No version header (as openstacksdk's action POSTs): 2.1.
    const oldHeaders = { authorization: basicHeader("bob") };
    const legacy = await app.inject({ method: "POST", url: `/v2.1/servers/${TWO}/action`, headers: oldHeaders, payload: { "os-getSerialConsole": { type: "serial" } } });
    expect(legacy.json()).toEqual({ console: { type: "serial", url: "ws://localhost:80/dashboard/console?token=one-time-token" } });
    // Outside their ranges both are Nova's 404.
    const legacyModern = await app.inject({ method: "POST", url: `/v2.1/servers/${TWO}/action`, headers, payload: { "os-getSerialConsole": { type: "serial" } } });
    expect(legacyModern.statusCode).toBe(404);
    const remoteOld = await app.inject({
      method: "POST",
      url: `/v2.1/servers/${TWO}/remote-consoles`,
      headers: oldHeaders,
      payload: { remote_console: { protocol: "serial", type: "serial" } },
    });
    expect(remoteOld.statusCode).toBe(404);
    expect(remoteOld.json()).toHaveProperty("itemNotFound.code", 404);
    const vncAction = await app.inject({ method: "POST", url: `/v2.1/servers/${TWO}/action`, headers: oldHeaders, payload: { "os-getVNCConsole": { type: "novnc" } } });
    expect(vncAction.statusCode).toBe(400);
    const vnc = await app.inject({
      method: "POST",
      url: `/v2.1/servers/${TWO}/remote-consoles`,
      headers,
      payload: { remote_console: { protocol: "vnc", type: "novnc" } },
    });
    expect(vnc.statusCode).toBe(400);
  });
});

describe("server documents", () => {
  it("have Nova's fields, flavor by microversion, admin-only attributes, and never user_data", async () => {
    const old = await app.inject({ method: "GET", url: `/v2.1/servers/${ONE}`, headers: alice });
    const server = old.json<{ server: Record<string, unknown> }>().server;
    expect(server).toMatchObject({
      id: ONE,
      status: "ACTIVE",
      tenant_id: "p-one",
      metadata: { role: "web" },
      flavor: { id: "1" },
      addresses: {},
      created: "2026-01-01T00:00:00Z",
      "OS-EXT-STS:power_state": 1,
      "OS-EXT-STS:vm_state": "active",
      "OS-EXT-STS:task_state": null,
    });
    expect(server).not.toHaveProperty("OS-EXT-SRV-ATTR:hypervisor_hostname");
    expect(old.body).not.toContain("c2VjcmV0LXVzZXItZGF0YQ");
    const modern = await app.inject({
      method: "GET",
      url: `/v2.1/servers/${ONE}`,
      headers: { authorization: basicHeader("root"), "openstack-api-version": "compute 2.47" },
    });
    const adminView = modern.json<{ server: Record<string, unknown> }>().server;
    expect(adminView["flavor"]).toMatchObject({ original_name: "bm.small", vcpus: 8, ram: 16_384, extra_specs: { "resources:CUSTOM_BAREMETAL": "1", "trait:CUSTOM_GOLD": "required" } });
    expect(adminView["OS-EXT-SRV-ATTR:hypervisor_hostname"]).toBe("9a1b2c3d-0000-4000-8000-00000000000a");
    expect(modern.body).not.toMatch(/user_data/);
  });

  it("status follows Nova's state map", () => {
    expect(serverStatus("active", "rebooting_hard")).toBe("HARD_REBOOT");
    expect(serverStatus("active", "powering-off")).toBe("ACTIVE");
    expect(serverStatus("stopped", null)).toBe("SHUTOFF");
    expect(serverStatus("stopped", "rebuilding")).toBe("REBUILD");
    expect(serverStatus("rescued", "unrescuing")).toBe("RESCUE");
    expect(serverStatus("building", "spawning")).toBe("BUILD");
    expect(serverStatus("error", null)).toBe("ERROR");
  });

  it("lists return everything without a limit, and a next link when a page is full", async () => {
    const all = await app.inject({ method: "GET", url: "/v2.1/servers/detail?all_tenants=1", headers: { authorization: basicHeader("root") } });
    expect(all.json<{ servers: unknown[] }>().servers).toHaveLength(2);
    expect(all.json()).not.toHaveProperty("servers_links");
    const page = await app.inject({ method: "GET", url: "/v2.1/servers?limit=1", headers: { authorization: basicHeader("root") } });
    expect(page.json()).toMatchObject({ servers: [{ id: ONE }], servers_links: [{ rel: "next" }] });
  });
});

it("the Basic password never reaches the log", () => {
  expect(log.text()).not.toContain(FAKE_PASSWORD);
  expect(log.text()).not.toContain(Buffer.from(`alice:${FAKE_PASSWORD}`).toString("base64"));
});
