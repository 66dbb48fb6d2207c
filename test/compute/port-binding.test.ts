// ServerPorts.bind on a real (SQLite) store: a node's NIC MAC still held by the
// port of the node's previous server (its delete gave the node back before it
// deleted its ports: the fault soak's "DuplicateError" ERROR) is taken over by
// the port being bound to that node; a MAC held by a port bound elsewhere, or
// by nobody's binding, is a conflict as before.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Networks } from "../../src/compute/networks.js";
import { Ports } from "../../src/compute/ports.js";
import { ServerPorts } from "../../src/compute/server-ports.js";
import { openStore } from "../../src/store/open.js";
import { DuplicateError, type Store } from "../../src/store/store.js";
import { networkRecord, newPort, subnetRecord } from "../store/network-contract.js";
import { testSecrets } from "../support/secrets.js";
import { sqlitePath } from "./support.js";

const NODE = "6f1d8a52-0000-4000-8000-000000000001";
const OTHER_NODE = "6f1d8a52-0000-4000-8000-000000000002";
const NIC = "52:54:00:12:34:56";
let store: Store;
let ports: ServerPorts;
let networkId = "";
let subnetId = "";

beforeEach(async () => {
  store = await openStore({ kind: "sqlite", path: sqlitePath() }, testSecrets());
  ports = new ServerPorts(store, new Ports(store, new Networks(store)));
  const network = networkRecord();
  await store.networks.create(network);
  const subnet = subnetRecord(network.id);
  await store.subnets.create(subnet);
  networkId = network.id;
  subnetId = subnet.id;
});
afterEach(() => store.close());

async function portOf(device: string) {
  return store.ports.create(newPort(networkId, { deviceId: device }), [{ subnetId }]);
}

describe("binding a port to a node's NIC", () => {
  it("takes the MAC over from the previous server's port still bound to that node, which is unbound with a fresh MAC", async () => {
    const old = await portOf("server-old");
    await ports.bind(old.id, { nodeUuid: NODE, macAddress: NIC });
    const fresh = await portOf("server-new");
    const bound = await ports.bind(fresh.id, { nodeUuid: NODE, macAddress: NIC.toUpperCase() });
    expect(bound).toMatchObject({ bindingHostId: NODE, macAddress: NIC, status: "ACTIVE", deviceId: "server-new" });
    const released = await store.ports.get(old.id);
    expect(released).toMatchObject({ bindingHostId: "", status: "DOWN", deviceId: "server-old" });
    expect(released?.macAddress).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(released?.fixedIps).toEqual(old.fixedIps); // its address stays its own until its server's delete
  });

  it("leaves a MAC held by a port bound to another node, or unbound, alone: the conflict stands", async () => {
    const elsewhere = await portOf("server-a");
    await ports.bind(elsewhere.id, { nodeUuid: OTHER_NODE, macAddress: NIC });
    const fresh = await portOf("server-b");
    await expect(ports.bind(fresh.id, { nodeUuid: NODE, macAddress: NIC })).rejects.toBeInstanceOf(DuplicateError);
    expect(await store.ports.get(elsewhere.id)).toMatchObject({ bindingHostId: OTHER_NODE, macAddress: NIC });

    const given = await store.ports.create(newPort(networkId, { deviceId: "", macAddress: "52:54:00:aa:bb:cc" }), [{ subnetId }]);
    await expect(ports.bind(fresh.id, { nodeUuid: NODE, macAddress: "52:54:00:aa:bb:cc" })).rejects.toBeInstanceOf(DuplicateError);
    expect(await store.ports.get(given.id)).toMatchObject({ macAddress: "52:54:00:aa:bb:cc" });
  });
});
