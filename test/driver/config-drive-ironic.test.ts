// The config drive as deployed on a real Ironic: network_data built from the
// instance's VIFs, and no port listings at all when there are none. Requests are
// observed through the fault proxy (a HAND-MADE FAKE that here only records).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { fastDriver, instanceSpec, proxiedIronic, type ProxiedIronic } from "./support.js";

let proxy: FaultProxy;
let direct: IronicClient;
let viaProxy: IronicClient;
let nodes: string[] = [];

/** The config drive we sent with the deploy request (Ironic masks it when read back). */
function sentConfigDrive(node: string): unknown {
  const deploy = proxy.requests.find((r) => r.method === "PUT" && r.path === `/v1/nodes/${node}/states/provision` && r.body.includes('"active"'));
  return (JSON.parse(deploy?.body ?? "{}") as { configdrive?: unknown }).configdrive;
}

const portListings = () => proxy.requests.filter((r) => r.path.startsWith("/v1/ports") || r.path.startsWith("/v1/portgroups")).length;

let ironics: ProxiedIronic;

beforeAll(async () => {
  ironics = await proxiedIronic();
  ({ direct, proxy, viaProxy } = ironics);
  nodes = await enrolNodes(direct, { count: 2, resourceClass: uniqueResourceClass("cdrive"), traits: ["CUSTOM_GOLD"], portsPerNode: 1 });
});
afterAll(async () => {
  await ironics.close();
});

describe("config drive on deploy", () => {
  it("lists no ports when the instance has no VIFs", async () => {
    const spec = instanceSpec();
    proxy.requests.length = 0;
    await fastDriver(viaProxy).spawn({ instanceUuid: spec.uuid, nodeUuid: nodes[0] ?? "" }, spec);
    expect(portListings()).toBe(0);
    expect(sentConfigDrive(nodes[0] ?? "")).toMatchObject({ network_data: { links: [], networks: [], services: [] } });
    // Ironic keeps the config drive but never shows it back.
    expect((await direct.nodes.get(nodes[0] ?? "", ["instance_info"])).instance_info["configdrive"]).toBe("******");
    await fastDriver(direct).destroy({ instanceUuid: spec.uuid, nodeUuid: nodes[0] ?? "" });
  });

  it("builds network_data from the VIFs and reads the node's ports for them", async () => {
    const spec = instanceSpec({
      vifs: [
        {
          id: randomUUID(),
          macAddress: "52:54:00:12:34:56",
          networkId: "net-1",
          mtu: 9000,
          fixedIps: [{ ipAddress: "192.0.2.10", subnet: { cidr: "192.0.2.0/24", ipVersion: 4, gatewayIp: "192.0.2.1", dnsNameservers: ["192.0.2.53"], hostRoutes: [], enableDhcp: false } }],
        },
      ],
    });
    proxy.requests.length = 0;
    await fastDriver(viaProxy).spawn({ instanceUuid: spec.uuid, nodeUuid: nodes[1] ?? "" }, spec);
    expect(portListings()).toBe(2);
    expect(sentConfigDrive(nodes[1] ?? "")).toMatchObject({
      network_data: {
        links: [{ type: "phy", ethernet_mac_address: "52:54:00:12:34:56", mtu: 9000, vif_id: spec.vifs[0]?.id }],
        networks: [{ type: "ipv4", ip_address: "192.0.2.10", netmask: "255.255.255.0" }],
        services: [{ type: "dns", address: "192.0.2.53" }],
      },
    });
    await fastDriver(direct).destroy({ instanceUuid: spec.uuid, nodeUuid: nodes[1] ?? "" });
  });
});
