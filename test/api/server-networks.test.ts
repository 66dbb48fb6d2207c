// Servers on networks through the real service on the real Ironic (issue 12
// item 3): ports made at create and bound to the node's NICs by MAC, the
// network_data.json Ironic received (recorded by the fault proxy, a HAND-MADE
// FAKE that here only records: Ironic masks the config drive when read back),
// addresses and os-interface, rebuild keeping them, delete and failures
// releasing them, `auto`, a user's own port, and a small pool under 50
// concurrent creates.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let ironic: IronicClient;

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("server-networks", { nodes: 4, portsPerNode: 2, log: log.logger, ironicUrl: proxy.url });
  ironic = newClient({ url: sharedIronicUrl() });
}, 180_000);
afterAll(async () => {
  await api.stop();
  await ironic.close();
  await proxy.stop();
});

type Json = Record<string, unknown>;
const fault = (body: Json) => Object.values(body)[0] as { message: string };

async function post(path: string, body: Json, as: "admin" | "member" = "member"): Promise<Json> {
  const result = await api.call("POST", path, { as, body });
  expect(result.status, JSON.stringify(result.json)).toBe(201);
  return result.json;
}

async function network(name: string, extra: Json, cidr: string, pool: { start: string; end: string }, as: "admin" | "member" = "member"): Promise<{ id: string; subnet: string }> {
  const net = (await post("/network/v2.0/networks", { network: { name, ...extra } }, as))["network"] as Json;
  const subnet = (await post("/network/v2.0/subnets", {
    subnet: { network_id: net["id"], ip_version: 4, cidr, allocation_pools: [pool], gateway_ip: cidr.replace(/0\/\d+$/, "1"), dns_nameservers: ["192.0.2.53"] },
  }, as))["subnet"] as Json;
  return { id: net["id"] as string, subnet: subnet["id"] as string };
}

async function createServer(name: string, networks: unknown): Promise<{ status: number; id: string; json: Json }> {
  const result = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, flavorRef: api.flavorId, imageRef: api.imageId, networks } } });
  return { status: result.status, id: ((result.json["server"] as Json | undefined)?.["id"] as string | undefined) ?? "", json: result.json };
}

async function settle(id: string): Promise<Json> {
  for (let i = 0; i < 900; i++) {
    const server = (await api.call("GET", `/v2.1/servers/${id}`, { as: "admin" })).json["server"] as Json;
    if ((server["status"] === "ACTIVE" || server["status"] === "ERROR") && server["OS-EXT-STS:task_state"] === null) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server ${id} did not settle`);
}

async function deleteServer(id: string): Promise<void> {
  expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  for (let i = 0; i < 600; i++) {
    if ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server ${id} was not deleted`);
}

const portsOf = async (serverId: string): Promise<Json[]> =>
  (await api.call("GET", `/network/v2.0/ports?device_id=${serverId}`, { as: "admin" })).json["ports"] as Json[];

/** The network_data of the last deploy request the proxy saw for `node`. */
function sentNetworkData(node: string): Json {
  const deploys = proxy.requests.filter((r) => r.method === "PUT" && r.path === `/v1/nodes/${node}/states/provision` && /"(active|rebuild)"/.test(r.body));
  const body = JSON.parse(deploys.at(-1)?.body ?? "{}") as { configdrive?: { network_data?: Json } };
  return body.configdrive?.network_data ?? {};
}

describe("servers on networks", () => {
  it("a create on a network gets an address from the pool on a port bound to the node's NIC; network_data carries it; rebuild keeps it; delete releases it", async () => {
    const net = await network("blue", { mtu: 9000 }, "198.51.100.0/24", { start: "198.51.100.10", end: "198.51.100.20" });
    const created = await createServer("on-blue", [{ uuid: net.id }]);
    expect(created.status).toBe(202);
    const server = await settle(created.id);
    expect(server["status"]).toBe("ACTIVE");
    const node = server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;

    const ports = await portsOf(created.id);
    expect(ports).toHaveLength(1);
    const port = ports[0] as Json;
    const address = (port["fixed_ips"] as Json[])[0]?.["ip_address"] as string;
    expect(address).toMatch(/^198\.51\.100\.(1\d|20)$/);
    const nics = (await ironic.ports.listByNode(node)).map((nic) => nic.address.toLowerCase()).sort();
    expect(port).toMatchObject({ "binding:host_id": node, status: "ACTIVE", mac_address: nics[0], device_owner: "compute:nova" });

    const addresses = server["addresses"] as Record<string, Json[]>;
    expect(addresses).toEqual({ blue: [{ version: 4, addr: address, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": nics[0] }] });
    const interfaces = (await api.call("GET", `/v2.1/servers/${created.id}/os-interface`, { as: "reader" })).json["interfaceAttachments"] as Json[];
    expect(interfaces).toEqual([{ port_id: port["id"], net_id: net.id, mac_addr: nics[0], port_state: "ACTIVE", fixed_ips: [{ subnet_id: net.subnet, ip_address: address }] }]);
    expect((await api.call("GET", `/v2.1/servers/${created.id}/os-interface/${port["id"] as string}`, { as: "reader" })).json["interfaceAttachment"]).toEqual(interfaces[0]);

    const expected = {
      links: [{ id: "iface0", type: "phy", ethernet_mac_address: nics[0], mtu: 9000, vif_id: port["id"] }],
      networks: [{
        id: "network0", type: "ipv4", link: "iface0", ip_address: address, netmask: "255.255.255.0",
        routes: [{ network: "0.0.0.0", netmask: "0.0.0.0", gateway: "198.51.100.1" }], network_id: net.id, services: [{ type: "dns", address: "192.0.2.53" }],
      }],
      services: [{ type: "dns", address: "192.0.2.53" }],
    };
    expect(sentNetworkData(node)).toEqual(expected);

    expect((await api.call("POST", `/v2.1/servers/${created.id}/action`, { as: "member", body: { rebuild: { imageRef: api.imageId } } })).status).toBe(202);
    expect((await settle(created.id))["status"]).toBe("ACTIVE");
    expect((await portsOf(created.id)).map((p) => p["id"])).toEqual([port["id"]]);
    expect(sentNetworkData(node)).toEqual(expected);

    await deleteServer(created.id);
    expect(await portsOf(created.id)).toEqual([]);
    const left = (await api.call("GET", `/network/v2.0/ports?network_id=${net.id}`, { as: "admin" })).json["ports"] as Json[];
    expect(left).toEqual([]);
  });

  it("a fixed IP, a user's own port (kept, unbound, at delete), a VLAN network, and `auto` with one network", async () => {
    const net = await network("green", {}, "203.0.113.0/24", { start: "203.0.113.10", end: "203.0.113.50" });
    const vlan = await network("tagged", { "provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 120 }, "192.0.2.0/24", { start: "192.0.2.10", end: "192.0.2.20" }, "admin");
    const own = ((await post("/network/v2.0/ports", { port: { network_id: net.id, name: "mine" } }))["port"] as Json);
    const created = await createServer("two-nics", [{ uuid: net.id, fixed_ip: "203.0.113.42" }, { port: own["id"] }]);
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    const server = await settle(created.id);
    expect(server["status"]).toBe("ACTIVE");
    const addrs = ((server["addresses"] as Record<string, Json[]>)["green"] ?? []).map((a) => a["addr"]);
    expect(addrs).toEqual(["203.0.113.42", ((own["fixed_ips"] as Json[])[0] as Json)["ip_address"]]);
    const node = server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;
    const nics = (await ironic.ports.listByNode(node)).map((nic) => nic.address.toLowerCase()).sort();
    // In the order asked (os-interface keeps it), plugged into the NICs in MAC order.
    const attached = (await api.call("GET", `/v2.1/servers/${created.id}/os-interface`, { as: "member" })).json["interfaceAttachments"] as Json[];
    expect(attached.map((a) => [a["port_id"] === own["id"], a["mac_addr"]])).toEqual([[false, nics[0]], [true, nics[1]]]);

    const taken = await createServer("same-ip", [{ uuid: net.id, fixed_ip: "203.0.113.42" }]);
    expect(taken.status).toBe(409);
    await deleteServer(created.id);
    const kept = (await api.call("GET", `/network/v2.0/ports/${own["id"] as string}`, { as: "admin" })).json["port"] as Json;
    expect(kept).toMatchObject({ device_id: "", "binding:host_id": "", status: "DOWN" });

    // The VLAN network (shared by no one: the admin's) is not the member's to use; make it shared and ask for it.
    expect((await api.call("PUT", `/network/v2.0/networks/${vlan.id}`, { as: "admin", body: { network: { shared: true } } })).status).toBe(200);
    const tagged = await createServer("tagged", [{ uuid: vlan.id }]);
    const taggedServer = await settle(tagged.id);
    expect(taggedServer["status"]).toBe("ACTIVE");
    const data = sentNetworkData(taggedServer["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string);
    expect((data["links"] as Json[]).map((link) => link["type"])).toEqual(["phy", "vlan"]);
    expect((data["links"] as Json[])[1]).toMatchObject({ id: "vlan0", vlan_link: "iface0", vlan_id: 120 });
    expect((data["networks"] as Json[])[0]).toMatchObject({ link: "vlan0" });
    await deleteServer(tagged.id);

    // `auto` with two networks of its own (blue from the first test, green) is ambiguous (Nova's 409); with one it takes it, before any shared one.
    const ambiguous = await createServer("auto", "auto");
    expect(ambiguous.status).toBe(409);
    expect(fault(ambiguous.json).message).toBe("Multiple possible networks found, use a Network ID to be more specific.");
    for (const id of [own["id"] as string]) expect((await api.call("DELETE", `/network/v2.0/ports/${id}`, { as: "member" })).status).toBe(204);
    expect((await api.call("DELETE", `/network/v2.0/networks/${net.id}`, { as: "member" })).status).toBe(204);
    const auto = await createServer("auto", "auto");
    expect(auto.status).toBe(202);
    expect(Object.keys((await settle(auto.id))["addresses"] as Json)).toEqual(["blue"]);
    await deleteServer(auto.id);
    expect((await api.call("DELETE", `/network/v2.0/networks/${vlan.id}`, { as: "admin" })).status).toBe(204);
  });

  it("50 concurrent creates on a pool of 3: three get distinct addresses, the others fail cleanly holding nothing", async () => {
    const net = await network("tiny", {}, "100.64.0.0/24", { start: "100.64.0.10", end: "100.64.0.12" });
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => createServer(`tiny-${i}`, [{ uuid: net.id }])));
    for (const result of created) expect(result.status).toBe(202);
    const ends = await Promise.all(created.map((result) => settle(result.id)));
    const active = ends.filter((server) => server["status"] === "ACTIVE");
    const failed = ends.filter((server) => server["status"] === "ERROR");
    expect(active.length).toBeLessThanOrEqual(3);
    expect(active.length + failed.length).toBe(50);
    const addresses = active.map((server) => ((server["addresses"] as Record<string, Json[]>)["tiny"] ?? [])[0]?.["addr"]);
    expect(new Set(addresses).size).toBe(active.length);
    for (const server of failed) {
      expect((server["fault"] as { message: string }).message).toMatch(/No more IP addresses available|No valid host/);
      expect(server["addresses"]).toEqual({});
      expect(server["OS-EXT-SRV-ATTR:hypervisor_hostname"]).toBeNull();
    }
    // 3 addresses and 4 nodes: the pool is the limit, so exactly 3 made it.
    expect(active, JSON.stringify(failed.map((server) => server["fault"]))).toHaveLength(3);
    await Promise.all(created.map((result) => deleteServer(result.id)));
    expect((await api.call("GET", `/network/v2.0/ports?network_id=${net.id}`, { as: "admin" })).json["ports"]).toEqual([]);
  });

  it("attach and detach interfaces on an ACTIVE server: a free NIC each, 409 when none is left, the port given back on detach", async () => {
    const net = await network("hotplug", {}, "10.20.0.0/24", { start: "10.20.0.10", end: "10.20.0.20" });
    const created = await createServer("hotplug", "none");
    const server = await settle(created.id);
    expect(server["status"]).toBe("ACTIVE");
    expect(server["addresses"]).toEqual({});
    const node = server["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;
    const nics = (await ironic.ports.listByNode(node)).map((nic) => nic.address.toLowerCase()).sort();
    const attach = (body: Json) => api.call("POST", `/v2.1/servers/${created.id}/os-interface`, { as: "member", body: { interfaceAttachment: body } });

    const first = await attach({ net_id: net.id, fixed_ips: [{ ip_address: "10.20.0.15" }] });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const one = first.json["interfaceAttachment"] as Json;
    expect(one).toMatchObject({ net_id: net.id, mac_addr: nics[0], port_state: "ACTIVE", fixed_ips: [{ ip_address: "10.20.0.15" }] });
    expect(String(one["ironic_compute:note"])).toContain("first boot");
    const second = await attach({ net_id: net.id });
    expect(second.status).toBe(200);
    expect((second.json["interfaceAttachment"] as Json)["mac_addr"]).toBe(nics[1]);
    const none = await attach({ net_id: net.id });
    expect(none.status).toBe(409);
    expect(fault(none.json).message).toContain("no free network interface");
    expect(await portsOf(created.id)).toHaveLength(2); // the refused one left no port behind
    expect(((await settle(created.id))["addresses"] as Record<string, Json[]>)["hotplug"]?.map((a) => a["addr"])).toHaveLength(2);
    expect((await attach({ net_id: net.id, port_id: one["port_id"] })).status).toBe(400);
    expect((await api.call("POST", `/v2.1/servers/${created.id}/os-interface`, { as: "reader", body: { interfaceAttachment: { net_id: net.id } } })).status).toBe(403);

    const detached = await api.call("DELETE", `/v2.1/servers/${created.id}/os-interface/${one["port_id"] as string}`, { as: "member" });
    expect(detached.status).toBe(202);
    expect((await portsOf(created.id)).map((p) => p["id"])).toEqual([(second.json["interfaceAttachment"] as Json)["port_id"]]);
    expect((await api.call("GET", `/v2.1/servers/${created.id}/os-interface/${one["port_id"] as string}`, { as: "member" })).status).toBe(404);
    expect((await api.call("DELETE", `/v2.1/servers/${created.id}/os-interface/${one["port_id"] as string}`, { as: "member" })).status).toBe(404);
    // The freed NIC and address can be used again.
    const again = await attach({ net_id: net.id, fixed_ips: [{ ip_address: "10.20.0.15" }] });
    expect(again.status).toBe(200);
    expect((again.json["interfaceAttachment"] as Json)["mac_addr"]).toBe(nics[0]);
    await deleteServer(created.id);
    expect((await api.call("GET", `/network/v2.0/ports?network_id=${net.id}`, { as: "admin" })).json["ports"]).toEqual([]);
  });
});
