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

  it("409 when locked (for its owner), stopped or busy; 403 for readers; 404 for other projects", async () => {
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
