// S3 strict ids at the edge: an id in a path or body that names a server, node,
// flavor, image or instance action is checked before anything is looked up, so
// a malformed one never reaches the compute layer (and so never the store or
// Ironic). The answers are Nova's: 404 for a path id (clients try names as ids
// first and then look the name up, openstack-compat.md §7), 400 for a body ref,
// 400 for a hypervisor id at ≥2.53 (Nova's "Invalid uuid"). Flavor ids are
// strings in Nova ("1"): they are held to Nova's flavor-id pattern, so a flavor
// NAME (what novaclient tries first) still reaches the lookup and gets its 404.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, FAKE_FLAVOR, fakeCompute, fakeServer } from "../support/fake-compute.js";
import { checkNovaAnswers } from "../support/nova-schemas/fastify-hook.js";

const ONE = "11111111-1111-4111-8111-111111111111";
const IMAGE = "5f0f9e4e-0000-4000-8000-000000000001";
const NODE = "9a1b2c3d-0000-4000-8000-00000000000a";

/** Every id that reached the fake compute layer, as `what:id`. */
const reached: string[] = [];
const note = (what: string, id: string) => {
  reached.push(`${what}:${id}`);
};
const notFound = () => Promise.reject(new (class extends Error {})("unreachable in these tests"));

const base = fakeCompute({}, [fakeServer(ONE, "p-one")]);
const compute = fakeCompute(
  {
    servers: {
      get: (caller, id) => (note("server", id), base.servers.get(caller, id)),
      delete: (caller, id) => (note("server", id), base.servers.delete(caller, id)),
      act: (caller, id, action) => (note("server", id), base.servers.act(caller, id, action)),
      serialConsole: (_caller, id) => (note("server", id), notFound()),
      actions: (_caller, id) => (note("server", id), Promise.resolve([])),
      action: (_caller, id, requestId) => (note("action", `${id}/${requestId}`), notFound()),
      list: (caller, filter) => (note("marker", filter.marker ?? ""), base.servers.list(caller, filter)),
      create: (_caller, request) => (note("create", `${request.imageRef ?? ""}/${request.flavorRef}`), notFound()),
    },
    flavors: {
      get: (_caller, id) => (note("flavor", id), id === FAKE_FLAVOR.id ? Promise.resolve(FAKE_FLAVOR) : base.flavors.get(_caller, id)),
      delete: (_caller, id) => (note("flavor", id), Promise.resolve()),
      create: (_caller, flavor) => (note("flavor-create", flavor.id ?? ""), notFound()),
    },
    images: {
      get: (_caller, id) => (note("image", id), base.images.get(_caller, id)),
      delete: (_caller, id) => (note("image", id), Promise.resolve()),
    },
    nodes: { get: (_caller, id) => (note("node", id), base.nodes.get(_caller, id)) },
    externalEvents: (_caller, events) => {
      for (const event of events) note("event", event.serverUuid);
      return Promise.resolve([]);
    },
  },
  [fakeServer(ONE, "p-one")],
);
const log = captureLog("warn");
const app = buildApi(compute, { log: log.logger, auth: "basic" });
checkNovaAnswers(app);
afterAll(() => app.close());
beforeEach(() => {
  reached.length = 0;
});

const alice = { authorization: basicHeader("alice") };
const root = { authorization: basicHeader("root") };

type Method = "GET" | "POST" | "DELETE" | "PUT";
const send = (method: Method, url: string, body?: unknown, headers: Record<string, string> = alice) =>
  app.inject({ method, url, headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

const MALFORMED = ["vm1", "1111111-1111-4111-8111-111111111111", `${ONE}x`, "{id}", "%2e%2e%2fnodes", "a%00b"];

describe("server ids in paths: 404, never looked up", () => {
  it.each(MALFORMED)("GET/DELETE/action/console/actions on /servers/%s", async (id) => {
    expect((await send("GET", `/v2.1/servers/${id}`)).statusCode).toBe(404);
    expect((await send("DELETE", `/v2.1/servers/${id}`)).statusCode).toBe(404);
    expect((await send("POST", `/v2.1/servers/${id}/action`, { "os-stop": null })).statusCode).toBe(404);
    expect((await send("POST", `/v2.1/servers/${id}/remote-consoles`, { remote_console: { protocol: "serial", type: "serial" } })).statusCode).toBe(404);
    expect((await send("GET", `/v2.1/servers/${id}/os-instance-actions`)).statusCode).toBe(404);
    expect(reached).toEqual([]);
  });

  it("a well-formed id still reaches the lookup (own server 200, unknown 404)", async () => {
    expect((await send("GET", `/v2.1/servers/${ONE}`)).statusCode).toBe(200);
    expect((await send("GET", "/v2.1/servers/22222222-2222-4222-8222-222222222222")).statusCode).toBe(404);
    expect(reached).toEqual([`server:${ONE}`, "server:22222222-2222-4222-8222-222222222222"]);
  });

  it("the 404 names no id and has Nova's shape", async () => {
    const response = await send("GET", "/v2.1/servers/<script>");
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ itemNotFound: { code: 404, message: "The resource could not be found." } });
  });

  it("an instance action's request id must be req-<uuid>: 404 otherwise", async () => {
    for (const requestId of ["abc", `req-${ONE}x`, ONE]) {
      expect((await send("GET", `/v2.1/servers/${ONE}/os-instance-actions/${requestId}`)).statusCode).toBe(404);
    }
    expect(reached).toEqual([]);
    await send("GET", `/v2.1/servers/${ONE}/os-instance-actions/req-${ONE}`);
    expect(reached).toEqual([`action:${ONE}/req-${ONE}`]);
  });

  it("a server list marker that is not a UUID is a 400 (Nova: marker not found)", async () => {
    expect((await send("GET", "/v2.1/servers?marker=vm1&limit=1")).statusCode).toBe(400);
    expect(reached).toEqual([]);
  });
});

describe("refs in bodies: 400, never looked up", () => {
  const create = (server: Record<string, unknown>) => send("POST", "/v2.1/servers", { server: { name: "vm", networks: "none", ...server } });

  it("imageRef on create must be a UUID", async () => {
    const response = await create({ imageRef: "cirros", flavorRef: "1" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toHaveProperty("badRequest.code", 400);
    expect(reached).toEqual([]);
  });

  it("flavorRef on create must be a flavor id (Nova's pattern; strings and integers)", async () => {
    for (const flavorRef of ["a/b", " 1", "1 ", "x\u0000y", ""]) {
      expect((await create({ imageRef: IMAGE, flavorRef })).statusCode, JSON.stringify(flavorRef)).toBe(400);
    }
    expect(reached).toEqual([]);
    await create({ imageRef: IMAGE, flavorRef: 1 });
    await create({ imageRef: IMAGE, flavorRef: "bm.small_2-x" });
    expect(reached).toEqual([`create:${IMAGE}/1`, `create:${IMAGE}/bm.small_2-x`]);
  });

  it("imageRef on rebuild must be a UUID", async () => {
    expect((await send("POST", `/v2.1/servers/${ONE}/action`, { rebuild: { imageRef: "cirros" } })).statusCode).toBe(400);
    // Nova looks the server up before it reads the body (issue 18 #5); the bad ref goes nowhere.
    expect(reached).toEqual([`server:${ONE}`]);
  });

  it("server_uuid of an external event must be a UUID", async () => {
    const response = await send("POST", "/v2.1/os-server-external-events", { events: [{ name: "power-update", server_uuid: "vm1", tag: "POWER_ON" }] }, root);
    expect(response.statusCode).toBe(400);
    expect(reached).toEqual([]);
  });

  it("a flavor created with an id outside Nova's pattern is refused", async () => {
    const flavor = { name: "x", ram: 1, vcpus: 1, disk: 1 };
    expect((await send("POST", "/v2.1/flavors", { flavor: { ...flavor, id: "a/b" } }, root)).statusCode).toBe(400);
    expect(reached).toEqual([]);
  });
});

describe("flavors: names are tried as ids (novaclient), malformed ids are not", () => {
  it("a flavor name reaches the lookup and gets 404; the id itself 200", async () => {
    expect((await send("GET", "/v2.1/flavors/m1.tiny")).statusCode).toBe(404);
    expect((await send("GET", "/v2.1/flavors/1")).statusCode).toBe(200);
    expect(reached).toEqual(["flavor:m1.tiny", "flavor:1"]);
  });

  it.each(["%20lead", "a%00b", "%3Cb%3E", "semi%3Bcolon"])("/flavors/%s is a 404 without a lookup", async (id) => {
    expect((await send("GET", `/v2.1/flavors/${id}`)).statusCode).toBe(404);
    expect((await send("GET", `/v2.1/flavors/${id}/os-extra_specs`)).statusCode).toBe(404);
    expect((await send("DELETE", `/v2.1/flavors/${id}`, undefined, root)).statusCode).toBe(404);
    expect(reached).toEqual([]);
  });
});

describe("images and nodes", () => {
  it.each(["cirros", "%7Bid%7D", `${IMAGE}0`])("image %s: 404 on every image route, under both mounts, without a lookup", async (id) => {
    for (const prefix of ["/image/v2", "/v2.1"]) {
      expect((await send("GET", `${prefix}/images/${id}`)).statusCode).toBe(404);
      expect((await send("DELETE", `${prefix}/images/${id}`, undefined, root)).statusCode).toBe(404);
      expect((await send("PUT", `${prefix}/images/${id}/file`, undefined, root)).statusCode).toBe(404);
    }
    expect(reached).toEqual([]);
  });

  it("an image name is still answered 404 (the SDK then lists by name)", async () => {
    expect((await send("GET", "/image/v2/images/demo")).statusCode).toBe(404);
  });

  it("admin node routes: a malformed node uuid is a 404 without a lookup", async () => {
    expect((await send("GET", "/admin/v1/nodes/node-0", undefined, root)).statusCode).toBe(404);
    expect(reached).toEqual([]);
    await send("GET", `/admin/v1/nodes/${NODE}`, undefined, root);
    expect(reached).toEqual([`node:${NODE}`]);
  });

  it("hypervisor ids: 400 'Invalid uuid' from 2.53, 404 below; never looked up", async () => {
    const at = (version: string) => ({ ...root, "openstack-api-version": `compute ${version}` });
    const modern = await send("GET", "/v2.1/os-hypervisors/node-0", undefined, at("2.53"));
    expect(modern.statusCode).toBe(400);
    expect(modern.json()).toEqual({ badRequest: { code: 400, message: "Invalid uuid node-0" } });
    expect((await send("GET", "/v2.1/os-hypervisors/node-0", undefined, at("2.1"))).statusCode).toBe(404);
    expect(reached).toEqual([]);
  });
});
