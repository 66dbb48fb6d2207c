// Routes clients call (issue 18 #4) on the real service and the real Ironic:
// GET /servers/{id}/ips[/{network}], os-resetState, trigger_crash_dump (2.17).
// Ironic is reached through the fault proxy (a HAND-MADE FAKE that forwards
// everything), which here records the NMI requests and, for the success path
// only, answers one NMI as Ironic does on hardware that takes it (fake hardware
// refuses every NMI, which the refusal test gets from the real Ironic).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { TEST_CERTIFICATE, TEST_CERTIFICATE_FINGERPRINT } from "../support/test-certificate.js";

type Json = Record<string, unknown>;
const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let ironic: IronicClient;
let onNetwork = "";
let offNetwork = "";
const NETWORK = "client-routes-net";

const V = (minor: number): Record<string, string> => ({ "openstack-api-version": `compute 2.${minor}` });
const messageOf = (json: Json): string => (Object.values(json)[0] as { message?: string } | undefined)?.message ?? "";

async function createServer(name: string, networks: unknown): Promise<string> {
  const result = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, imageRef: api.imageId, flavorRef: api.flavorId, networks } } });
  expect(result.status, result.text).toBe(202);
  return (result.json["server"] as { id: string }).id;
}

const action = (id: string, body: Json, as: "admin" | "member" | "reader" | "other" = "member", minor = 95) =>
  api.call("POST", `/v2.1/servers/${id}/action`, { as, body, headers: V(minor) });

async function lastAction(id: string, name: string, as: "admin" | "member"): Promise<Json> {
  const list = (await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as })).json["instanceActions"] as Json[];
  const found = list.find((entry) => entry["action"] === name);
  expect(found, JSON.stringify(list)).toBeDefined();
  const shown = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions/${String(found?.["request_id"])}`, { as, headers: V(95) });
  return shown.json["instanceAction"] as Json;
}

const nmiRequests = (node: string) => proxy.requests.filter((r) => r.method === "PUT" && r.path === `/v1/nodes/${node}/management/inject_nmi`);

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("client-routes", { nodes: 3, portsPerNode: 1, log: log.logger, ironicUrl: proxy.url });
  ironic = newClient({ url: sharedIronicUrl() });
  const net = await api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: NETWORK } } });
  const netId = (net.json["network"] as Json)["id"] as string;
  const subnet = await api.call("POST", "/network/v2.0/subnets", {
    as: "member",
    body: { subnet: { network_id: netId, ip_version: 4, cidr: "198.51.100.0/24", allocation_pools: [{ start: "198.51.100.10", end: "198.51.100.20" }] } },
  });
  expect(subnet.status, subnet.text).toBe(201);
  onNetwork = await createServer("ips-1", [{ uuid: netId }]);
  offNetwork = await createServer("ips-2", "none");
  for (const id of [onNetwork, offNetwork]) await api.waitForStatus(id, "ACTIVE", "member");
}, 180_000);
afterAll(async () => {
  await api.stop();
  await ironic.close();
  await proxy.stop();
});

describe("GET /servers/{id}/ips", () => {
  it("lists the addresses by network as Nova's ips view ({version, addr} only)", async () => {
    const shown = (await api.call("GET", `/v2.1/servers/${onNetwork}`, { as: "member" })).json["server"] as Json;
    const addresses = shown["addresses"] as Record<string, Json[]>;
    expect(Object.keys(addresses)).toEqual([NETWORK]);
    const expected = { [NETWORK]: (addresses[NETWORK] ?? []).map((address) => ({ version: address["version"], addr: address["addr"] })) };
    expect(expected[NETWORK]).toEqual([{ version: 4, addr: expect.stringMatching(/^198\.51\.100\.\d+$/) as string }]);

    const all = await api.call("GET", `/v2.1/servers/${onNetwork}/ips`, { as: "reader" });
    expect(all.status, all.text).toBe(200);
    expect(all.json).toEqual({ addresses: expected });
    const one = await api.call("GET", `/v2.1/servers/${onNetwork}/ips/${NETWORK}`, { as: "reader" });
    expect(one.status, one.text).toBe(200);
    expect(one.json).toEqual(expected);
    expect((await api.call("GET", `/v2.1/servers/${offNetwork}/ips`, { as: "member" })).json).toEqual({ addresses: {} });
  });

  it("404 for a network the server is not on, for another project's server and an unknown one", async () => {
    const missing = await api.call("GET", `/v2.1/servers/${onNetwork}/ips/other-net`, { as: "member" });
    expect(missing.status).toBe(404);
    expect(messageOf(missing.json)).toBe("Instance is not a member of specified network");
    const foreign = await api.call("GET", `/v2.1/servers/${onNetwork}/ips`, { as: "other" });
    expect(foreign.status).toBe(404);
    expect(messageOf(foreign.json)).toBe(`Instance ${onNetwork} could not be found.`);
    expect((await api.call("GET", `/v2.1/servers/${onNetwork}/ips/${NETWORK}`, { as: "other" })).status).toBe(404);
    expect((await api.call("GET", "/v2.1/servers/7c1f4c6e-0000-4000-8000-000000000000/ips", { as: "member" })).status).toBe(404);
  });
});

describe("os-resetState", () => {
  it("admins set error then active; the node is not touched; each is an instance action", async () => {
    const node = ((await api.call("GET", `/v2.1/servers/${offNetwork}`)).json["server"] as Json)["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;
    const before = await ironic.nodes.get(node, ["provision_state", "power_state", "instance_uuid"]);
    proxy.requests.length = 0;

    const toError = await action(offNetwork, { "os-resetState": { state: "error" } }, "admin");
    expect(toError.status, toError.text).toBe(202);
    expect(toError.text).toBe("");
    const errored = (await api.call("GET", `/v2.1/servers/${offNetwork}`, { as: "member" })).json["server"] as Json;
    expect(errored).toMatchObject({ status: "ERROR", "OS-EXT-STS:vm_state": "error", "OS-EXT-STS:task_state": null });
    // An ERROR server refuses what Nova refuses there (soft reboot needs ACTIVE).
    expect((await action(offNetwork, { reboot: { type: "SOFT" } })).status).toBe(409);

    expect((await action(offNetwork, { "os-resetState": { state: "active" } }, "admin")).status).toBe(202);
    expect(((await api.call("GET", `/v2.1/servers/${offNetwork}`, { as: "member" })).json["server"] as Json)["status"]).toBe("ACTIVE");

    // Nothing was asked of Ironic, and the node is as it was.
    expect(proxy.requests.filter((r) => r.path.includes(node) && r.method !== "GET")).toEqual([]);
    expect(await ironic.nodes.get(node, ["provision_state", "power_state", "instance_uuid"])).toEqual(before);
    const recorded = await lastAction(offNetwork, "resetState", "admin");
    expect(recorded).toMatchObject({ action: "resetState", user_id: api.users.admin.id, message: null });
  });

  it("403 for members and readers, 404 for other projects' servers, 400 for other states", async () => {
    const member = await action(offNetwork, { "os-resetState": { state: "error" } }, "member");
    expect(member.status).toBe(403);
    expect(messageOf(member.json)).toBe("Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.");
    expect((await action(offNetwork, { "os-resetState": { state: "error" } }, "reader")).status).toBe(403);
    expect((await action(offNetwork, { "os-resetState": { state: "error" } }, "other")).status).toBe(404);
    for (const state of ["stopped", "ACTIVE", "deleted", ""]) {
      expect((await action(offNetwork, { "os-resetState": { state } }, "admin")).status, state).toBe(400);
    }
    expect((await action(offNetwork, { "os-resetState": {} }, "admin")).status).toBe(400);
    expect((await action(offNetwork, { "os-resetState": { state: "error", extra: 1 } }, "admin")).status).toBe(400);
    expect(((await api.call("GET", `/v2.1/servers/${offNetwork}`, { as: "member" })).json["server"] as Json)["status"]).toBe("ACTIVE");
  });
});

describe("trigger_crash_dump (2.17)", () => {
  const nodeOf = async (id: string): Promise<string> =>
    ((await api.call("GET", `/v2.1/servers/${id}`)).json["server"] as Json)["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;

  it("is a 404 below 2.17 and takes null only", async () => {
    expect((await action(onNetwork, { trigger_crash_dump: null }, "member", 16)).status).toBe(404);
    expect((await action(onNetwork, { trigger_crash_dump: {} }, "member", 17)).status).toBe(400);
  });

  it("the real Ironic refuses the NMI of fake hardware: 202, and the instance action says why", async () => {
    const node = await nodeOf(onNetwork);
    proxy.requests.length = 0;
    const answer = await action(onNetwork, { trigger_crash_dump: null }, "member", 17);
    expect(answer.status, answer.text).toBe(202);
    // The NMI reached Ironic, which refused it (4xx).
    expect(nmiRequests(node).map((r) => r.status)).toEqual([expect.toSatisfy((status: unknown) => typeof status === "number" && status >= 400 && status < 500)]);
    const seen = await lastAction(onNetwork, "trigger_crash_dump", "member");
    expect(seen["message"]).toBe("Error");
    const events = seen["events"] as Json[];
    expect(events).toEqual([
      expect.objectContaining({
        event: "compute_trigger_crash_dump",
        result: "Error",
        details: "Ironic refused the crash dump: the node's management interface cannot inject an NMI, or the BMC failed to.",
      }),
    ]);
    expect(events[0]).not.toHaveProperty("traceback");
    // Admins see Ironic's own reason.
    const admin = await lastAction(onNetwork, "trigger_crash_dump", "admin");
    expect(String(admin["message"])).toMatch(/Ironic/);
    expect(String((admin["events"] as Json[])[0]?.["traceback"])).not.toBe("null");
    // Nothing else changed.
    expect(((await api.call("GET", `/v2.1/servers/${onNetwork}`, { as: "member" })).json["server"] as Json)["status"]).toBe("ACTIVE");
  });

  it("hardware that takes the NMI (Ironic's 204, from the fault proxy): a successful action", async () => {
    const node = await nodeOf(offNetwork);
    proxy.requests.length = 0;
    proxy.add({ method: "PUT", path: `/v1/nodes/${node}/management/inject_nmi`, times: 1, action: { kind: "status", status: 204 } });
    const answer = await action(offNetwork, { trigger_crash_dump: null }, "member", 17);
    expect(answer.status, answer.text).toBe(202);
    expect(nmiRequests(node).map((r) => r.status)).toEqual([204]);
    const seen = await lastAction(offNetwork, "trigger_crash_dump", "member");
    expect(seen["message"]).toBeNull();
    expect(seen["events"]).toEqual([expect.objectContaining({ event: "compute_trigger_crash_dump", result: "Success" })]);
  });

  it("409 when locked (for its owner) or stopped, with no NMI sent; 403 for readers; 404 for other projects", async () => {
    expect((await action(offNetwork, { trigger_crash_dump: null }, "reader")).status).toBe(403);
    expect((await action(offNetwork, { trigger_crash_dump: null }, "other")).status).toBe(404);
    expect((await action(offNetwork, { lock: null })).status).toBe(202);
    const locked = await action(offNetwork, { trigger_crash_dump: null });
    expect(locked.status).toBe(409);
    expect(messageOf(locked.json)).toBe(`Instance ${offNetwork} is locked`);
    expect((await action(offNetwork, { unlock: null })).status).toBe(202);

    expect((await action(offNetwork, { "os-stop": null })).status).toBe(202);
    await api.waitForStatus(offNetwork, "SHUTOFF", "member");
    proxy.requests.length = 0;
    const stopped = await action(offNetwork, { trigger_crash_dump: null });
    expect(stopped.status).toBe(409);
    expect(messageOf(stopped.json)).toBe(`Cannot 'trigger_crash_dump' instance ${offNetwork} while it is in vm_state stopped`);
    expect(nmiRequests(await nodeOf(offNetwork))).toEqual([]);
  });
});

describe("keypairs: show as Nova, x509 (2.2), other users' for admins (2.10)", () => {
  const keypairs = (method: "GET" | "POST" | "DELETE", path: string, minor: number, as: "admin" | "member" | "other" | "reader" = "member", body?: Json) =>
    api.call(method, `/v2.1/os-keypairs${path}`, { as, headers: V(minor), ...(body === undefined ? {} : { body }) });

  it("an x509 certificate is accepted from 2.2, stored, fingerprinted as Nova (SHA-1) and shown with Nova's fields", async () => {
    expect((await keypairs("POST", "", 1, "member", { keypair: { name: "cert-old", type: "x509", public_key: TEST_CERTIFICATE } })).status).toBe(400);
    const created = await keypairs("POST", "", 2, "member", { keypair: { name: "cert", type: "x509", public_key: TEST_CERTIFICATE } });
    expect(created.status, created.text).toBe(201);
    expect(created.json["keypair"]).toEqual({ name: "cert", type: "x509", public_key: TEST_CERTIFICATE, fingerprint: TEST_CERTIFICATE_FINGERPRINT, user_id: api.users.member.id });

    const shown = await keypairs("GET", "/cert", 2);
    expect(shown.status, shown.text).toBe(200);
    const doc = shown.json["keypair"] as Json;
    expect(Object.keys(doc).sort()).toEqual(["created_at", "deleted", "deleted_at", "fingerprint", "id", "name", "public_key", "type", "updated_at", "user_id"]);
    expect(doc).toMatchObject({ name: "cert", type: "x509", fingerprint: TEST_CERTIFICATE_FINGERPRINT, user_id: api.users.member.id, deleted: false, deleted_at: null, updated_at: null });
    expect(Number.isSafeInteger(doc["id"])).toBe(true);
    expect(doc["created_at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The same id every time; no type below 2.2.
    const old = (await keypairs("GET", "/cert", 1)).json["keypair"] as Json;
    expect(old["id"]).toBe(doc["id"]);
    expect(old).not.toHaveProperty("type");
    expect(((await keypairs("GET", "", 2)).json["keypairs"] as Json[]).map((entry) => entry["keypair"])).toContainEqual({ name: "cert", type: "x509", public_key: TEST_CERTIFICATE, fingerprint: TEST_CERTIFICATE_FINGERPRINT });
  });

  it("refuses what is not one PEM certificate, and an x509 key pair without its certificate", async () => {
    const bad = async (public_key: string | undefined): Promise<string> => {
      const result = await keypairs("POST", "", 2, "member", { keypair: { name: "cert-bad", type: "x509", ...(public_key === undefined ? {} : { public_key }) } });
      expect(result.status, result.text).toBe(400);
      return messageOf(result.json);
    };
    expect(await bad(TEST_CERTIFICATE.replace("MIIBkjCC", "MIIBkjCD"))).toMatch(/^Keypair data is invalid: /);
    expect(await bad("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== x")).toMatch(/^Keypair data is invalid: /);
    expect(await bad(`${TEST_CERTIFICATE}\n${TEST_CERTIFICATE}`)).toMatch(/^Keypair data is invalid: /);
    expect(await bad(undefined)).toMatch(/needs its public_key/);
    expect((await keypairs("GET", "/cert-bad", 2)).status).toBe(404);
  });

  it("a server boots with an x509 key pair (its certificate goes to the config drive)", async () => {
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "x509-key", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none", key_name: "cert" } },
    });
    expect(created.status, created.text).toBe(202);
    const id = (created.json["server"] as { id: string }).id;
    expect((await api.waitForStatus(id, "ACTIVE", "member"))["key_name"]).toBe("cert");
    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  });

  it("from 2.10 admins name another user's key pairs; members get 403; below 2.10 user_id is not taken", async () => {
    const member = api.users.member.id;
    expect((await keypairs("POST", "", 9, "admin", { keypair: { name: "for-member", type: "x509", public_key: TEST_CERTIFICATE, user_id: member } })).status).toBe(400);
    const made = await keypairs("POST", "", 10, "admin", { keypair: { name: "for-member", type: "x509", public_key: TEST_CERTIFICATE, user_id: member } });
    expect(made.status, made.text).toBe(201);
    expect((made.json["keypair"] as Json)["user_id"]).toBe(member);
    // It is the member's own now.
    expect(((await keypairs("GET", "/for-member", 10, "member")).json["keypair"] as Json)["user_id"]).toBe(member);
    const listed = (await keypairs("GET", `?user_id=${member}`, 10, "admin")).json["keypairs"] as Json[];
    expect(listed.map((entry) => (entry["keypair"] as Json)["name"]).sort()).toEqual(["cert", "for-member"]);
    expect(((await keypairs("GET", `/for-member?user_id=${member}`, 10, "admin")).json["keypair"] as Json)["user_id"]).toBe(member);
    // Below 2.10 the query is not read: the admin's own key pairs.
    expect((await keypairs("GET", `/for-member?user_id=${member}`, 9, "admin")).status).toBe(404);
    expect((await keypairs("GET", `?user_id=${member}`, 9, "admin")).json["keypairs"]).toEqual([]);

    const other = api.users.other.id;
    for (const [method, path, body] of [
      ["GET", `?user_id=${member}`, undefined],
      ["GET", `/cert?user_id=${member}`, undefined],
      ["DELETE", `/cert?user_id=${member}`, undefined],
      ["POST", "", { keypair: { name: "sneaky", type: "x509", public_key: TEST_CERTIFICATE, user_id: member } }],
    ] as const) {
      const refused = await keypairs(method, path, 10, "other", body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(messageOf(refused.json)).toMatch(/^Policy doesn't allow os_compute_api:os-keypairs:(index|show|delete|create) to be performed\.$/);
    }
    expect((await keypairs("GET", `?user_id=${other}`, 10, "other")).status).toBe(200);
    expect((await keypairs("POST", "", 10, "admin", { keypair: { name: "nobody", type: "x509", public_key: TEST_CERTIFICATE, user_id: "no-such-user" } })).status).toBe(400);

    expect((await keypairs("DELETE", `/for-member?user_id=${member}`, 10, "admin")).status).toBe(204);
    expect((await keypairs("GET", "/for-member", 10, "member")).status).toBe(404);
    expect((await keypairs("GET", "/cert", 10, "member")).status).toBe(200);
  });
});

describe("Nova's image proxy under /v2.1 beside the Glance-format Image API", () => {
  const get = (path: string, headers: Record<string, string> = {}, as: "admin" | "member" | "other" = "member") => api.call("GET", `/v2.1${path}`, { as, headers });
  let snapshot = "";
  const serverId = "5b0e7b32-7a39-4c55-9b55-0d2a1c1e2f3a";

  beforeAll(async () => {
    const created = await api.call("POST", "/image/v2/images", {
      body: { name: "snap-client-routes", url: "http://127.0.0.1:1/snap.qcow2", size: 1234, instance_uuid: serverId, image_type: "snapshot", owner: api.users.member.projectId, visibility: "private" },
    });
    expect(created.status, created.text).toBe(201);
    snapshot = created.json["id"] as string;
  });

  it("without a compute microversion: Glance's documents (single-URL clients)", async () => {
    const list = await get("/images");
    expect(list.json).toMatchObject({ first: "/v2/images", schema: "/v2/schemas/images" });
    expect(list.headers["openstack-api-version"]).toBeUndefined();
    const one = await get(`/images/${api.imageId}`);
    expect(one.json).toMatchObject({ id: api.imageId, status: "active", visibility: "public", self: `/v2/images/${api.imageId}` });
    expect(one.json).not.toHaveProperty("image");
  });

  it("below 2.36: Nova's index, detail and show, with its links, size and server", async () => {
    for (const minor of [1, 35]) {
      const index = await get("/images", V(minor));
      expect(index.status, index.text).toBe(200);
      expect(index.headers["openstack-api-version"]).toBe(`compute 2.${minor}`);
      expect(Object.keys(index.json)).toEqual(["images"]);
      const entry = (index.json["images"] as Json[]).find((image) => image["id"] === api.imageId);
      expect(entry).toEqual({
        id: api.imageId,
        name: "demo-client-routes",
        links: [
          { rel: "self", href: `${api.url}/v2.1/images/${api.imageId}` },
          { rel: "bookmark", href: `${api.url}/images/${api.imageId}` },
          { rel: "alternate", type: "application/vnd.openstack.image", href: `${api.url}/image/images/${api.imageId}` },
        ],
      });
    }
    const shown = await get(`/images/${snapshot}`, V(35));
    expect(shown.status, shown.text).toBe(200);
    const image = shown.json["image"] as Json;
    expect(Object.keys(image).sort()).toEqual(["OS-EXT-IMG-SIZE:size", "created", "id", "links", "metadata", "minDisk", "minRam", "name", "progress", "server", "status", "updated"]);
    expect(image).toMatchObject({
      id: snapshot,
      name: "snap-client-routes",
      minRam: 0,
      minDisk: 0,
      status: "ACTIVE",
      progress: 100,
      "OS-EXT-IMG-SIZE:size": 1234,
      metadata: { instance_uuid: serverId, image_type: "snapshot" },
      server: { id: serverId, links: [{ rel: "self", href: `${api.url}/v2.1/servers/${serverId}` }, { rel: "bookmark", href: `${api.url}/servers/${serverId}` }] },
    });
    expect(image["created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The download URL (possibly signed) is never in Nova's document.
    expect(shown.text).not.toContain("snap.qcow2");

    // /images/detail is Nova's only: 2.1 without a header.
    const detail = await get("/images/detail");
    expect(detail.status, detail.text).toBe(200);
    expect(detail.headers["openstack-api-version"]).toBe("compute 2.1");
    const detailed = (detail.json["images"] as Json[]).find((entry) => entry["id"] === snapshot);
    expect(detailed).toEqual(image);
    expect((await get(`/images/${snapshot}`, V(35), "other")).status).toBe(404);
    const missing = await get("/images/0f0f0f0f-0000-4000-8000-000000000000", V(2));
    expect(missing.status).toBe(404);
    expect(messageOf(missing.json)).toBe("Image not found.");
  });

  it("Nova's filters and paging", async () => {
    const names = async (query: string): Promise<string[]> => {
      const result = await get(`/images/detail?${query}`, V(35));
      expect(result.status, result.text).toBe(200);
      return (result.json["images"] as Json[]).map((image) => image["name"] as string).sort();
    };
    expect(await names("")).toEqual(["demo-client-routes", "snap-client-routes"]);
    expect(await names("name=snap-client-routes")).toEqual(["snap-client-routes"]);
    expect(await names(`server=${serverId}`)).toEqual(["snap-client-routes"]);
    expect(await names(`server=${encodeURIComponent(`${api.url}/v2.1/servers/${serverId}`)}`)).toEqual(["snap-client-routes"]);
    expect(await names("type=snapshot")).toEqual(["snap-client-routes"]);
    expect(await names("status=ACTIVE")).toHaveLength(2);
    expect(await names("status=SAVING")).toEqual([]);
    expect(await names("minRam=0&minDisk=0")).toHaveLength(2);
    expect(await names("minRam=512")).toEqual([]);
    expect(await names("changes-since=2000-01-01T00:00:00Z")).toHaveLength(2);
    expect(await names("changes-since=2999-01-01T00:00:00Z")).toEqual([]);
    expect((await get("/images/detail?minRam=lots", V(35))).status).toBe(400);

    const first = await get("/images?limit=1", V(35));
    const page = first.json["images"] as Json[];
    expect(page).toHaveLength(1);
    const next = (first.json["images_links"] as Array<{ rel: string; href: string }>)[0];
    expect(next).toEqual({ rel: "next", href: `${api.url}/v2.1/images?limit=1&marker=${String(page[0]?.["id"])}` });
    const second = await get(`/images?limit=1&marker=${String(page[0]?.["id"])}`, V(35));
    expect((second.json["images"] as Json[])[0]?.["id"]).not.toBe(page[0]?.["id"]);
  });

  it("from 2.36 all three are 404, as Nova; a bad version is 400/406", async () => {
    for (const headers of [V(36), V(95), { "openstack-api-version": "compute latest" }, { "x-openstack-nova-api-version": "2.36" }]) {
      for (const path of ["/images", "/images/detail", `/images/${api.imageId}`]) {
        const result = await get(path, headers);
        expect(result.status, `${path} ${JSON.stringify(headers)}`).toBe(404);
      }
    }
    expect((await get("/images", { "openstack-api-version": "compute 2.x" })).status).toBe(400);
    expect((await get("/images/detail", V(96))).status).toBe(406);
  });
});
