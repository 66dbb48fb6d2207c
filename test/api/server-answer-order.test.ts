// Nova's order and shape of answers on a server's own routes (issue 18 #5):
// the server is looked up before the body (unknown or another project's → 404
// whatever the body; then a bad body 400; then a state conflict 409); the
// rebuild (and PUT) answer leaves out the show-only fields below 2.75 and is
// GET's from 2.75; rebuild takes key_name from 2.54 (the caller's keypair into
// the new config drive, null removes it). Real service on the run's real
// Ironic; the rebuild's config drive is read from the deploy request through
// the fault proxy (here only a recorder: Ironic masks the drive when read back).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { startTestApi, type TestApi, type Who } from "../support/api-service.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let own = "";
let foreign = "";
let otherImage = "";
const publicKeys: Record<string, string> = {};

const at = (version: string) => ({ "openstack-api-version": `compute ${version}` });

async function createServer(as: Who, name: string): Promise<string> {
  const created = await api.call("POST", "/v2.1/servers", { as, body: { server: { name, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } } });
  expect(created.status, created.text).toBe(202);
  return (created.json["server"] as { id: string }).id;
}

async function createKeypair(as: Who, name: string): Promise<void> {
  const created = await api.call("POST", "/v2.1/os-keypairs", { as, body: { keypair: { name } } });
  expect(created.status, created.text).toBe(200);
  publicKeys[name] = (created.json["keypair"] as { public_key: string }).public_key;
}

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("server-answer-order", { nodes: 2, log: log.logger, ironicUrl: proxy.url });
  own = await createServer("member", "order-own");
  foreign = await createServer("other", "order-foreign");
  await createKeypair("member", "member-key");
  await createKeypair("admin", "admin-key");
  const image = await api.call("POST", "/image/v2/images", { body: { name: "order-other", url: "http://127.0.0.1:1/other.qcow2" } });
  expect(image.status, image.text).toBe(201);
  otherImage = String(image.json["id"]);
  await api.waitForStatus(own, "ACTIVE");
  await api.waitForStatus(foreign, "ACTIVE", "other");
}, 240_000);

afterAll(async () => {
  await api.stop();
  await proxy.stop();
});

type Method = "POST" | "PUT";
interface BodyRoute {
  method: Method;
  path: (id: string) => string;
  version: string;
  bad: unknown;
  good: unknown;
}

/** Every server route with a body, each with a body its schema refuses and one it takes. */
const ROUTES: readonly BodyRoute[] = [
  { method: "POST", path: (id) => `/v2.1/servers/${id}/action`, version: "2.1", bad: { "no-such-action": null }, good: { "os-stop": null } },
  { method: "PUT", path: (id) => `/v2.1/servers/${id}`, version: "2.1", bad: { server: { bogus: 1 } }, good: { server: { name: "renamed" } } },
  { method: "PUT", path: (id) => `/v2.1/servers/${id}/metadata`, version: "2.1", bad: { metadata: 5 }, good: { metadata: { a: "b" } } },
  { method: "POST", path: (id) => `/v2.1/servers/${id}/metadata`, version: "2.1", bad: { metadata: [] }, good: { metadata: { a: "b" } } },
  { method: "PUT", path: (id) => `/v2.1/servers/${id}/metadata/k`, version: "2.1", bad: { meta: {} }, good: { meta: { k: "v" } } },
  { method: "PUT", path: (id) => `/v2.1/servers/${id}/tags`, version: "2.26", bad: { tags: "a" }, good: { tags: ["a"] } },
  { method: "POST", path: (id) => `/v2.1/servers/${id}/os-interface`, version: "2.1", bad: { interfaceAttachment: 5 }, good: { interfaceAttachment: { net_id: randomUUID() } } },
  {
    method: "POST",
    path: (id) => `/v2.1/servers/${id}/remote-consoles`,
    version: "2.6",
    bad: { remote_console: { protocol: "serial" } },
    good: { remote_console: { protocol: "serial", type: "serial" } },
  },
];

const label = (route: BodyRoute) => `${route.method} ${route.path("{id}")}`;

describe("a server is looked up before its body is checked", () => {
  const unknown = randomUUID();
  it.each(ROUTES.map((route) => [label(route), route] as const))("%s: unknown server × {bad, good} body → 404; another project's × bad → 404; own × bad → 400", async (_name, route) => {
    const send = (id: string, body: unknown) => api.call(route.method, route.path(id), { as: "member", headers: at(route.version), body });
    for (const body of [route.bad, route.good]) {
      const response = await send(unknown, body);
      expect(response.status, response.text).toBe(404);
      expect(response.json).toEqual({ itemNotFound: { code: 404, message: `Instance ${unknown} could not be found.` } });
    }
    const foreignBad = await send(foreign, route.bad);
    expect(foreignBad.status, foreignBad.text).toBe(404);
    expect(foreignBad.json).toHaveProperty("itemNotFound.message", `Instance ${foreign} could not be found.`);
    // The schema's own 400 (errors.ts): the field named, the value never echoed.
    const ownBad = await send(own, route.bad);
    expect(ownBad.status, ownBad.text).toBe(400);
    expect((ownBad.json["badRequest"] as { message: string }).message).toMatch(/^Invalid input for field\/attribute /);
  });

  it("a body without JSON on an unknown server is still 404; a state conflict comes after the body check (409)", async () => {
    const noBody = await api.call("POST", `/v2.1/servers/${unknown}/action`, { as: "member" });
    expect(noBody.status, noBody.text).toBe(404);
    // os-start on an ACTIVE server: Nova's 409, but only once the body is good.
    const badStart = await api.call("POST", `/v2.1/servers/${own}/action`, { as: "member", body: { "os-start": null, extra: 1 } });
    expect(badStart.status, badStart.text).toBe(400);
    const conflict = await api.call("POST", `/v2.1/servers/${own}/action`, { as: "member", body: { "os-start": null } });
    expect(conflict.status, conflict.text).toBe(409);
    expect(conflict.json).toHaveProperty("conflictingRequest.code", 409);
    // An admin sees every project's server: a bad body on another project's is its 400.
    const adminBad = await api.call("POST", `/v2.1/servers/${foreign}/action`, { as: "admin", body: { "no-such-action": null } });
    expect(adminBad.status, adminBad.text).toBe(400);
  });
});

/** The config drive of the last rebuild request sent to Ironic. */
function lastRebuildDrive(): { meta_data: { public_keys: Record<string, string> } } {
  const sent = proxy.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/states/provision") && r.body.includes('"rebuild"')).at(-1);
  if (sent === undefined) throw new Error("no rebuild request reached Ironic");
  return (JSON.parse(sent.body) as { configdrive: { meta_data: { public_keys: Record<string, string> } } }).configdrive;
}

/** Show-only fields Nova leaves out of a rebuild answer below 2.75 (novaclient's functional tests list them). */
const SHOW_ONLY = [
  "OS-EXT-AZ:availability_zone",
  "config_drive",
  "OS-SRV-USG:launched_at",
  "OS-SRV-USG:terminated_at",
  "OS-EXT-STS:task_state",
  "OS-EXT-STS:vm_state",
  "OS-EXT-STS:power_state",
  "security_groups",
  "os-extended-volumes:volumes_attached",
];
const ADMIN_SHOW_ONLY = ["OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname", "OS-EXT-SRV-ATTR:instance_name", "OS-EXT-SRV-ATTR:reservation_id", "host_status"];

async function rebuild(as: Who, version: string, argument: Record<string, unknown>) {
  return api.call("POST", `/v2.1/servers/${own}/action`, { as, headers: at(version), body: { rebuild: { imageRef: api.imageId, ...argument } } });
}

describe("rebuild: key_name from 2.54, the answer's shape per microversion", () => {
  it("refuses key_name below 2.54 (an additional property) and an unknown or another user's key from 2.54", async () => {
    const early = await rebuild("member", "2.53", { key_name: "member-key" });
    expect(early.status, early.text).toBe(400);
    expect((early.json["badRequest"] as { message: string }).message).toContain("'key_name' was unexpected");
    for (const name of ["no-such-key", "admin-key"]) {
      const unknownKey = await rebuild("member", "2.54", { key_name: name });
      expect(unknownKey.status, unknownKey.text).toBe(400);
      expect(unknownKey.json).toEqual({ badRequest: { code: 400, message: "Invalid key_name provided." } });
    }
    const shown = await api.call("GET", `/v2.1/servers/${own}`, { as: "member" });
    expect(shown.json["server"]).toMatchObject({ key_name: null, "OS-EXT-STS:task_state": null });
  });

  it("2.74: the caller's key goes into the new config drive; the answer has key_name but none of the show-only fields", async () => {
    const member = await rebuild("member", "2.74", { imageRef: otherImage, key_name: "member-key" });
    expect(member.status, member.text).toBe(202);
    const answer = member.json["server"] as Record<string, unknown>;
    expect(answer).toMatchObject({ id: own, key_name: "member-key", locked_reason: null });
    for (const field of SHOW_ONLY) expect(answer).not.toHaveProperty([field]);
    await api.waitForStatus(own, "ACTIVE");
    expect(lastRebuildDrive().meta_data.public_keys).toEqual({ "member-key": publicKeys["member-key"] });
    expect((await api.call("GET", `/v2.1/servers/${own}`, { as: "member" })).json["server"]).toHaveProperty("key_name", "member-key");

    // An admin rebuilds with the admin's own keypair (Nova looks the key up for the caller).
    const admin = await rebuild("admin", "2.74", { key_name: "admin-key" });
    expect(admin.status, admin.text).toBe(202);
    const adminAnswer = admin.json["server"] as Record<string, unknown>;
    for (const field of [...SHOW_ONLY, ...ADMIN_SHOW_ONLY]) expect(adminAnswer).not.toHaveProperty([field]);
    expect(adminAnswer).toHaveProperty("key_name", "admin-key");
    await api.waitForStatus(own, "ACTIVE");
    expect(lastRebuildDrive().meta_data.public_keys).toEqual({ "admin-key": publicKeys["admin-key"] });
  });

  it("2.75: the answer has every field GET shows; key_name null removes the key", async () => {
    const response = await rebuild("admin", "2.75", { imageRef: otherImage, key_name: null });
    expect(response.status, response.text).toBe(202);
    const answer = response.json["server"] as Record<string, unknown>;
    const shown = (await api.call("GET", `/v2.1/servers/${own}`, { as: "admin", headers: at("2.75") })).json["server"] as Record<string, unknown>;
    // adminPass is the one field a rebuild answer may add (Nova's, when it generates one).
    expect(Object.keys(answer).filter((key) => key !== "adminPass").sort()).toEqual(Object.keys(shown).sort());
    for (const field of [...SHOW_ONLY, ...ADMIN_SHOW_ONLY]) expect(answer).toHaveProperty([field]);
    expect(answer["key_name"]).toBeNull();
    await api.waitForStatus(own, "ACTIVE");
    expect(lastRebuildDrive().meta_data.public_keys).toEqual({});
  });

  it("below 2.54 the answer has no key_name; PUT answers below 2.75 without the show-only fields too", async () => {
    const response = await rebuild("member", "2.53", {});
    expect(response.status, response.text).toBe(202);
    expect(response.json["server"]).not.toHaveProperty("key_name");
    await api.waitForStatus(own, "ACTIVE");
    const put = await api.call("PUT", `/v2.1/servers/${own}`, { as: "member", headers: at("2.74"), body: { server: { name: "order-own" } } });
    expect(put.status, put.text).toBe(200);
    for (const field of [...SHOW_ONLY, "key_name"]) expect(put.json["server"]).not.toHaveProperty([field]);
    const full = await api.call("PUT", `/v2.1/servers/${own}`, { as: "member", headers: at("2.75"), body: { server: { name: "order-own" } } });
    for (const field of [...SHOW_ONLY, "key_name"]) expect(full.json["server"]).toHaveProperty([field]);
  });
});
