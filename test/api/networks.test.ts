// The network API (Neutron v2.0 shape, issue 12 #2) through the real service:
// bodies, Neutron's error body and status codes, project scoping and the
// admin-only attributes, Neutron's list filters, and the server-port functions
// item 3 builds on.
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
const api = testApiForFile("networks", { nodes: 0, log: log.logger });

type Json = Record<string, unknown>;
const neutronError = (body: Json) => body["NeutronError"] as { type: string; message: string; detail: string } | undefined;

async function createNetwork(as: "admin" | "member" | "other", network: Json): Promise<Json> {
  const result = await api.call("POST", "/network/v2.0/networks", { as, body: { network } });
  expect(result.status, result.text).toBe(201);
  return result.json["network"] as Json;
}

async function createSubnet(as: "admin" | "member" | "other", subnet: Json): Promise<Json> {
  const result = await api.call("POST", "/network/v2.0/subnets", { as, body: { subnet: { ip_version: 4, ...subnet } } });
  expect(result.status, result.text).toBe(201);
  return result.json["subnet"] as Json;
}

describe("network API: discovery and errors", () => {
  it("answers version discovery at /network, an empty extension list, and Neutron's error body under /network", async () => {
    const versions = await api.call("GET", "/network", { as: "anonymous" });
    expect(versions.status).toBe(200);
    expect(versions.json).toEqual({ versions: [{ id: "v2.0", status: "CURRENT", links: [{ rel: "self", href: `${api.url}/network/v2.0/` }] }] });
    expect((await api.call("GET", "/network/", { as: "anonymous" })).json).toEqual(versions.json);
    const resources = (await api.call("GET", "/network/v2.0/", { as: "anonymous" })).json["resources"] as Json[];
    expect(resources.map((resource) => resource["collection"])).toEqual(["networks", "subnets", "ports"]);
    expect((await api.call("GET", "/network/v2.0/extensions", { as: "reader" })).json).toEqual({ extensions: [] });
    const missing = await api.call("GET", "/network/v2.0/networks/3f1e0000-0000-4000-8000-000000000000", { as: "member" });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ NeutronError: { type: "NetworkNotFound", message: "Network 3f1e0000-0000-4000-8000-000000000000 could not be found.", detail: "" } });
    const unknown = await api.call("GET", "/network/v2.0/routers", { as: "member" });
    expect(unknown.status).toBe(404);
    expect(neutronError(unknown.json)?.type).toBe("HTTPNotFound");
    const anonymous = await api.call("GET", "/network/v2.0/networks", { as: "anonymous" });
    expect(anonymous.status).toBe(401);
    expect(neutronError(anonymous.json)?.type).toBe("HTTPUnauthorized");
    const bad = await api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "x", colour: "red" } } });
    expect(bad.status).toBe(400);
    expect(neutronError(bad.json)?.type).toBe("HTTPBadRequest");
    // The compute API keeps Nova's shape.
    expect(Object.keys((await api.call("GET", "/v2.1/servers/nope", { as: "member" })).json)).toEqual(["itemNotFound"]);
  });
});

describe("network API: quotas", () => {
  it("shows a project's network quotas, all unlimited, to its own members and admins; another project's is 403", async () => {
    const own = await api.call("GET", `/network/v2.0/quotas/${api.users.member.projectId}`, { as: "reader" });
    expect(own.status).toBe(200);
    expect(own.json["quota"]).toMatchObject({ network: -1, subnet: -1, port: -1 });
    expect((await api.call("GET", `/network/v2.0/quotas/${api.users.member.projectId}`, { as: "admin" })).status).toBe(200);
    const foreign = await api.call("GET", `/network/v2.0/quotas/${api.users.other.projectId}`, { as: "member" });
    expect(foreign.status).toBe(403);
    expect(neutronError(foreign.json)?.type).toBe("PolicyNotAuthorized");
  });
});

describe("network API: networks", () => {
  it("creates with Neutron's body, shows both project_id and tenant_id, hides provider attributes from members", async () => {
    const network = await createNetwork("member", { name: "n-body", admin_state_up: true });
    expect(network).toMatchObject({
      name: "n-body",
      project_id: api.users.member.projectId,
      tenant_id: api.users.member.projectId,
      status: "ACTIVE",
      shared: false,
      mtu: 1500,
      subnets: [],
      "router:external": false,
      revision_number: 0,
      tags: [],
      admin_state_up: true,
    });
    expect(String(network["created_at"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(network).not.toHaveProperty("provider:network_type");
    const asAdmin = (await api.call("GET", `/network/v2.0/networks/${String(network["id"])}`, { as: "admin" })).json["network"] as Json;
    expect(asAdmin).toMatchObject({ "provider:network_type": "flat", "provider:physical_network": null, "provider:segmentation_id": null });

    const renamed = await api.call("PUT", `/network/v2.0/networks/${String(network["id"])}`, { as: "member", body: { network: { name: "n-renamed", mtu: "9000" } } });
    expect(renamed.json["network"]).toMatchObject({ name: "n-renamed", mtu: 9000, revision_number: 1 });
  });

  it("shared and provider attributes are admin-only (403 PolicyNotAuthorized); another project_id is 400 for members", async () => {
    const shared = await api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "n-shared", shared: true } } });
    expect(shared.status).toBe(403);
    expect(neutronError(shared.json)).toEqual({ type: "PolicyNotAuthorized", message: "(rule:create_network and rule:create_network:shared) is disallowed by policy", detail: "" });
    const provider = await api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "n-vlan", "provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 100 } } });
    expect(provider.status).toBe(403);
    expect(neutronError(provider.json)?.message).toBe("(rule:create_network and rule:create_network:provider:network_type) is disallowed by policy");
    const foreign = await api.call("POST", "/network/v2.0/networks", { as: "member", body: { network: { name: "n-foreign", project_id: api.users.other.projectId } } });
    expect(foreign.status).toBe(400);
    const reader = await api.call("POST", "/network/v2.0/networks", { as: "reader", body: { network: { name: "n-reader" } } });
    expect(reader.status).toBe(403);

    const vlan = await createNetwork("admin", { name: "n-vlan", "provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": "101" });
    expect(vlan).toMatchObject({ "provider:network_type": "vlan", "provider:segmentation_id": 101 });
    const taken = await api.call("POST", "/network/v2.0/networks", { as: "admin", body: { network: { name: "n-vlan2", "provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 101 } } });
    expect(taken.status).toBe(409);
    expect(neutronError(taken.json)?.type).toBe("VlanIdInUse");
  });

  it("a member sees its project's networks and shared ones, not another project's; only the owner changes one", async () => {
    const shared = await createNetwork("admin", { name: "n-public", shared: true });
    const own = await createNetwork("member", { name: "n-own" });
    const foreign = await createNetwork("other", { name: "n-foreign" });
    const names = ((await api.call("GET", "/network/v2.0/networks", { as: "member" })).json["networks"] as Json[]).map((network) => network["name"]);
    expect(names).toEqual(expect.arrayContaining(["n-public", "n-own"]));
    expect(names).not.toContain("n-foreign");
    expect((await api.call("GET", `/network/v2.0/networks/${String(foreign["id"])}`, { as: "member" })).status).toBe(404);
    expect((await api.call("DELETE", `/network/v2.0/networks/${String(foreign["id"])}`, { as: "member" })).status).toBe(404);
    const sharedChange = await api.call("PUT", `/network/v2.0/networks/${String(shared["id"])}`, { as: "member", body: { network: { name: "mine now" } } });
    expect(sharedChange.status).toBe(403);
    expect(neutronError(sharedChange.json)?.type).toBe("PolicyNotAuthorized");
    const share = await api.call("PUT", `/network/v2.0/networks/${String(own["id"])}`, { as: "member", body: { network: { shared: true } } });
    expect(share.status).toBe(403);
    const all = ((await api.call("GET", "/network/v2.0/networks", { as: "admin" })).json["networks"] as Json[]).map((network) => network["name"]);
    expect(all).toEqual(expect.arrayContaining(["n-public", "n-own", "n-foreign"]));
  });

  it("lists with Neutron's filters, fields and paging", async () => {
    const a = await createNetwork("member", { name: "n-filter" });
    await createNetwork("member", { name: "n-filter" });
    const byName = await api.call("GET", "/network/v2.0/networks?name=n-filter&fields=id&fields=name", { as: "member" });
    expect(byName.json["networks"]).toHaveLength(2);
    expect(Object.keys((byName.json["networks"] as Json[])[0] ?? {}).sort()).toEqual(["id", "name"]);
    const byId = await api.call("GET", `/network/v2.0/networks?id=${String(a["id"])}`, { as: "member" });
    expect((byId.json["networks"] as Json[]).map((network) => network["id"])).toEqual([a["id"]]);
    const notShared = await api.call("GET", `/network/v2.0/networks?shared=False&tenant_id=${api.users.member.projectId}&name=n-filter`, { as: "member" });
    expect(notShared.json["networks"]).toHaveLength(2);
    const page = await api.call("GET", "/network/v2.0/networks?name=n-filter&limit=1", { as: "member" });
    expect(page.json["networks"]).toHaveLength(1);
    const next = (page.json["networks_links"] as Array<{ rel: string; href: string }>)[0]?.href ?? "";
    const second = await api.call("GET", next.replace(api.url, ""), { as: "member" });
    expect(second.json["networks"]).toHaveLength(1);
    expect(second.json["networks_links"]).toBeUndefined();
  });
});

describe("network API: subnets and ports", () => {
  it("a subnet gets Neutron's defaults (gateway = first address, pools = the rest); bad pools are 400", async () => {
    const network = await createNetwork("member", { name: "n-sub" });
    const subnet = await createSubnet("member", { network_id: network["id"], cidr: "198.51.100.0/28", name: "s-default" });
    expect(subnet).toMatchObject({ cidr: "198.51.100.0/28", gateway_ip: "198.51.100.1", allocation_pools: [{ start: "198.51.100.2", end: "198.51.100.14" }], ip_version: 4, enable_dhcp: true, dns_nameservers: [], host_routes: [], ipv6_ra_mode: null });
    const shown = (await api.call("GET", `/network/v2.0/networks/${String(network["id"])}`, { as: "member" })).json["network"] as Json;
    expect(shown["subnets"]).toEqual([subnet["id"]]);
    const outside = await api.call("POST", "/network/v2.0/subnets", { as: "member", body: { subnet: { network_id: network["id"], ip_version: 4, cidr: "198.51.100.16/28", allocation_pools: [{ start: "198.51.100.40", end: "198.51.100.45" }] } } });
    expect(outside.status).toBe(400);
    expect(neutronError(outside.json)).toMatchObject({ type: "InvalidInput" });
    const overlapping = await api.call("POST", "/network/v2.0/subnets", { as: "member", body: { subnet: { network_id: network["id"], ip_version: 4, cidr: "198.51.100.8/29" } } });
    expect(overlapping.status).toBe(400);
    const hostBits = await api.call("POST", "/network/v2.0/subnets", { as: "member", body: { subnet: { network_id: network["id"], ip_version: 4, cidr: "198.51.100.33/28" } } });
    expect(neutronError(hostBits.json)?.message).toContain("'198.51.100.32/28' is recommended");
    const v6 = await createSubnet("member", { network_id: network["id"], ip_version: 6, cidr: "2001:DB8::/64", gateway_ip: null });
    expect(v6).toMatchObject({ cidr: "2001:db8::/64", gateway_ip: null, allocation_pools: [{ start: "2001:db8::1", end: "2001:db8::ffff:ffff:ffff:ffff" }] });
  });

  it("ports get an address from the pool; a taken address is 409 IpAddressAlreadyAllocated; an exhausted pool 409 IpAddressGenerationFailure; in-use deletes 409", async () => {
    const network = await createNetwork("member", { name: "n-ports" });
    const subnet = await createSubnet("member", { network_id: network["id"], cidr: "203.0.113.0/24", allocation_pools: [{ start: "203.0.113.10", end: "203.0.113.11" }] });
    const first = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], name: "p1" } } });
    expect(first.status, first.text).toBe(201);
    const port = first.json["port"] as Json;
    expect(port).toMatchObject({ name: "p1", status: "DOWN", device_id: "", project_id: api.users.member.projectId, network_id: network["id"] });
    expect(String(port["mac_address"])).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    const fixed = port["fixed_ips"] as Array<{ subnet_id: string; ip_address: string }>;
    expect(fixed).toHaveLength(1);
    expect(fixed[0]?.subnet_id).toBe(subnet["id"]);
    expect(["203.0.113.10", "203.0.113.11"]).toContain(fixed[0]?.ip_address);
    expect(port).not.toHaveProperty("binding:host_id");

    const same = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], fixed_ips: [{ ip_address: fixed[0]?.ip_address }] } } });
    expect(same.status).toBe(409);
    expect(neutronError(same.json)?.type).toBe("IpAddressAlreadyAllocated");
    const outside = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], fixed_ips: [{ ip_address: "192.0.2.1" }] } } });
    expect(neutronError(outside.json)?.type).toBe("InvalidIpForNetwork");
    expect((await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"] } } })).status).toBe(201);
    const exhausted = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"] } } });
    expect(exhausted.status).toBe(409);
    expect(neutronError(exhausted.json)).toEqual({ type: "IpAddressGenerationFailure", message: `No more IP addresses available on network ${String(network["id"])}.`, detail: "" });
    const explicitOutsidePool = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], fixed_ips: [{ subnet_id: subnet["id"], ip_address: "203.0.113.200" }] } } });
    expect(explicitOutsidePool.status).toBe(201);

    const filtered = await api.call("GET", `/network/v2.0/ports?fixed_ips=ip_address%3D203.0.113.200&network_id=${String(network["id"])}`, { as: "member" });
    expect((filtered.json["ports"] as Json[]).map((p) => p["id"])).toEqual([(explicitOutsidePool.json["port"] as Json)["id"]]);
    expect(((await api.call("GET", `/network/v2.0/ports?network_id=${String(network["id"])}`, { as: "member" })).json["ports"] as Json[]).length).toBe(3);
    expect(((await api.call("GET", `/network/v2.0/ports?network_id=${String(network["id"])}`, { as: "other" })).json["ports"] as Json[]).length).toBe(0);

    const inUseSubnet = await api.call("DELETE", `/network/v2.0/subnets/${String(subnet["id"])}`, { as: "member" });
    expect(inUseSubnet.status).toBe(409);
    expect(neutronError(inUseSubnet.json)?.type).toBe("SubnetInUse");
    const inUse = await api.call("DELETE", `/network/v2.0/networks/${String(network["id"])}`, { as: "member" });
    expect(inUse.status).toBe(409);
    expect(neutronError(inUse.json)?.type).toBe("NetworkInUse");

    expect((await api.call("DELETE", `/network/v2.0/ports/${String(port["id"])}`, { as: "member" })).status).toBe(204);
    const reused = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"] } } });
    expect((reused.json["port"] as Json)["fixed_ips"]).toEqual(fixed);
    for (const p of (await api.call("GET", `/network/v2.0/ports?network_id=${String(network["id"])}`, { as: "member" })).json["ports"] as Json[]) {
      expect((await api.call("DELETE", `/network/v2.0/ports/${String(p["id"])}`, { as: "member" })).status).toBe(204);
    }
    expect((await api.call("DELETE", `/network/v2.0/networks/${String(network["id"])}`, { as: "member" })).status).toBe(204);
    expect((await api.call("GET", `/network/v2.0/subnets/${String(subnet["id"])}`, { as: "member" })).status).toBe(404);
  });

  it("on a shared network a member may take a port but not choose its address or MAC; binding:host_id is admin-only", async () => {
    const network = await createNetwork("admin", { name: "n-shared-ports", shared: true });
    await createSubnet("admin", { network_id: network["id"], cidr: "192.0.2.0/24" });
    expect((await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"] } } })).status).toBe(201);
    const address = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], fixed_ips: [{ ip_address: "192.0.2.77" }] } } });
    expect(address.status).toBe(403);
    expect(neutronError(address.json)?.message).toBe("(rule:create_port and rule:create_port:fixed_ips:ip_address) is disallowed by policy");
    const mac = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], mac_address: "52:54:00:12:34:56" } } });
    expect(mac.status).toBe(403);
    const host = await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"], "binding:host_id": "node" } } });
    expect(host.status).toBe(403);
    const subnet = await api.call("POST", "/network/v2.0/subnets", { as: "member", body: { subnet: { network_id: network["id"], ip_version: 4, cidr: "10.9.0.0/24" } } });
    expect(subnet.status).toBe(403);
    const admin = await api.call("POST", "/network/v2.0/ports", { as: "admin", body: { port: { network_id: network["id"], mac_address: "52:54:00:12:34:56", "binding:host_id": "node-1" } } });
    expect(admin.json["port"]).toMatchObject({ mac_address: "52:54:00:12:34:56", "binding:host_id": "node-1", "binding:vnic_type": "baremetal", "binding:vif_type": "other" });
  });
});

describe("server ports (what servers on networks build on)", () => {
  it("allocates a server's ports (one at a fixed IP), binds one to a node and MAC, lists them and releases them all", async () => {
    const compute = api.running.compute;
    const network = await createNetwork("member", { name: "n-server" });
    await createSubnet("member", { network_id: network["id"], cidr: "198.18.0.0/24", allocation_pools: [{ start: "198.18.0.10", end: "198.18.0.20" }] });
    const caller = { ...api.users.member, userId: api.users.member.id, userName: api.users.member.name, role: "member" as const, requestId: "req-00000000-0000-4000-8000-000000000001" };
    const server = { id: "5e7e0000-0000-4000-8000-000000000001", projectId: api.users.member.projectId, availabilityZone: "nova" };
    const a = await compute.serverPorts.allocate(caller, server, { networkId: String(network["id"]) });
    const b = await compute.serverPorts.allocate(caller, server, { networkId: String(network["id"]), fixedIp: "198.18.0.99" });
    expect(a).toMatchObject({ deviceId: server.id, deviceOwner: "compute:nova", status: "DOWN" });
    expect(b.fixedIps.map((ip) => ip.ipAddress)).toEqual(["198.18.0.99"]);
    const bound = await compute.serverPorts.bind(a.id, { nodeUuid: "node-uuid-1", macAddress: "52:54:00:AA:BB:CC" });
    expect(bound).toMatchObject({ bindingHostId: "node-uuid-1", macAddress: "52:54:00:aa:bb:cc", status: "ACTIVE", revisionNumber: 1 });
    expect((await compute.serverPorts.forServer(server.id)).map((port) => port.id)).toEqual([a.id, b.id]);

    const loose = (await api.call("POST", "/network/v2.0/ports", { as: "member", body: { port: { network_id: network["id"] } } })).json["port"] as Json;
    const claimed = await compute.serverPorts.claim(caller, server, String(loose["id"]));
    expect(claimed.deviceId).toBe(server.id);
    await expect(compute.serverPorts.claim(caller, { ...server, id: "5e7e0000-0000-4000-8000-000000000002" }, String(loose["id"]))).rejects.toMatchObject({ neutronType: "PortInUse" });

    expect(await compute.serverPorts.releaseAll(server.id)).toBe(3);
    expect(await compute.serverPorts.forServer(server.id)).toEqual([]);
    const byDevice = await api.call("GET", `/network/v2.0/ports?device_id=${server.id}`, { as: "member" });
    expect(byDevice.json["ports"]).toEqual([]);
  });
});
