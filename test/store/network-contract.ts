// The network model's part of the Store contract (networks, subnets, ports and
// address allocation), run by describeStoreContract against every backend
// (sqlite.test.ts, postgres.test.ts). Every test gets a fresh, migrated, empty database.

import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { NetworkRecord, PortRecord, SubnetRecord } from "../../src/store/records.js";
import {
  AddressExhaustedError,
  AddressInUseError,
  DuplicateError,
  NetworkInUseError,
  SubnetInUseError,
  type NewPort,
  type Store,
} from "../../src/store/store.js";
import { at } from "./store-contract.js";

export function networkRecord(overrides: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    id: randomUUID(),
    name: "net",
    projectId: "p1",
    shared: false,
    mtu: 1500,
    networkType: "flat",
    physicalNetwork: null,
    segmentationId: null,
    adminStateUp: true,
    description: "",
    revisionNumber: 0,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

export function subnetRecord(networkId: string, overrides: Partial<SubnetRecord> = {}): SubnetRecord {
  return {
    id: randomUUID(),
    networkId,
    name: "sub",
    projectId: "p1",
    ipVersion: 4,
    cidr: "192.0.2.0/24",
    gatewayIp: "192.0.2.1",
    allocationPools: [{ start: "192.0.2.10", end: "192.0.2.20" }],
    dnsNameservers: ["192.0.2.53"],
    hostRoutes: [{ destination: "198.51.100.0/24", nexthop: "192.0.2.254" }],
    enableDhcp: false,
    ipv6RaMode: null,
    ipv6AddressMode: null,
    description: "",
    revisionNumber: 0,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

let macs = 0;
export function newPort(networkId: string, overrides: Partial<NewPort> = {}): NewPort {
  const n = ++macs;
  return {
    id: randomUUID(),
    networkId,
    projectId: "p1",
    name: "",
    macAddress: `fa:16:3e:${[n >> 16, n >> 8, n].map((byte) => (byte & 0xff).toString(16).padStart(2, "0")).join(":")}`,
    deviceId: "",
    deviceOwner: "",
    bindingHostId: "",
    adminStateUp: true,
    status: "DOWN",
    description: "",
    revisionNumber: 0,
    createdAt: at(1),
    updatedAt: at(1),
    ...overrides,
  };
}

/**
 * Inside describeStoreContract (store-contract.ts), which opens a fresh store
 * per test (`current`) and twin Stores on one database (`twins`).
 */
export function describeNetworkContract(current: () => Store, twins: () => Promise<[Store, Store]>): void {
  describe("networks", () => {
    let store: Store;
    beforeEach(() => {
      store = current();
    });

    async function networkWithSubnet(subnet: Partial<SubnetRecord> = {}): Promise<{ network: NetworkRecord; subnet: SubnetRecord }> {
      const network = networkRecord();
      await store.networks.create(network);
      const record = subnetRecord(network.id, subnet);
      await store.subnets.create(record);
      return { network, subnet: record };
    }

    it("networks: create, get, list what a project sees (its own and shared ones), update bumps the revision, delete", async () => {
      const own = networkRecord({ createdAt: at(1), updatedAt: at(1) });
      const shared = networkRecord({ projectId: "p2", shared: true, createdAt: at(2), updatedAt: at(2) });
      const other = networkRecord({ projectId: "p2", createdAt: at(3), updatedAt: at(3) });
      for (const network of [other, shared, own]) await store.networks.create(network);
      expect(await store.networks.get(own.id)).toEqual(own);
      expect(await store.networks.get("missing")).toBeUndefined();
      expect(await store.networks.list()).toEqual([own, shared, other]);
      expect(await store.networks.list({ visibleTo: "p1" })).toEqual([own, shared]);
      expect(await store.networks.list({ ids: [other.id] })).toEqual([other]);
      expect(await store.networks.list({ ids: [] })).toEqual([]);
      const updated = await store.networks.update(own.id, { name: "renamed", mtu: 9000, shared: true }, at(5));
      expect(updated).toEqual({ ...own, name: "renamed", mtu: 9000, shared: true, revisionNumber: 1, updatedAt: at(5) });
      expect(await store.networks.update("missing", { name: "x" }, at(5))).toBeUndefined();
      expect(await store.networks.delete(own.id)).toBe(true);
      expect(await store.networks.delete(own.id)).toBe(false);
    });

    it("networks: one VLAN id per physical network (flat ones never collide); a bad record is a TypeError", async () => {
      await store.networks.create(networkRecord({ networkType: "vlan", physicalNetwork: "physnet1", segmentationId: 100 }));
      await expect(store.networks.create(networkRecord({ networkType: "vlan", physicalNetwork: "physnet1", segmentationId: 100 }))).rejects.toBeInstanceOf(DuplicateError);
      await store.networks.create(networkRecord({ networkType: "vlan", physicalNetwork: "physnet2", segmentationId: 100 }));
      await store.networks.create(networkRecord());
      await store.networks.create(networkRecord());
      await expect(store.networks.create(networkRecord({ segmentationId: 5000 }))).rejects.toThrow(TypeError);
    });

    it("subnets: create, list by network, update; the addresses must be canonical; they go with their network", async () => {
      const { network, subnet } = await networkWithSubnet();
      const v6 = subnetRecord(network.id, { ipVersion: 6, cidr: "2001:db8::/64", gatewayIp: "2001:db8::1", allocationPools: [{ start: "2001:db8::2", end: "2001:db8::ffff" }], dnsNameservers: [], hostRoutes: [], createdAt: at(1) });
      await store.subnets.create(v6);
      expect(await store.subnets.get(subnet.id)).toEqual(subnet);
      expect(await store.subnets.list({ networkIds: [network.id] })).toEqual([subnet, v6]);
      expect(await store.subnets.list({ networkIds: ["other"] })).toEqual([]);
      const pools = [{ start: "192.0.2.30", end: "192.0.2.40" }];
      expect(await store.subnets.update(subnet.id, { allocationPools: pools, enableDhcp: true }, at(4))).toEqual({ ...subnet, allocationPools: pools, enableDhcp: true, revisionNumber: 1, updatedAt: at(4) });
      await expect(store.subnets.create(subnetRecord(network.id, { cidr: "192.0.2.1/24" }))).rejects.toThrow(TypeError);
      await expect(store.subnets.create(subnetRecord(network.id, { gatewayIp: "2001:DB8::1" }))).rejects.toThrow(TypeError);
      expect(await store.networks.delete(network.id)).toBe(true);
      expect(await store.subnets.get(subnet.id)).toBeUndefined();
      expect(await store.subnets.get(v6.id)).toBeUndefined();
    });

    it("ports: the next free address of the pool, an explicit one, both read back in order; a taken address is AddressInUseError", async () => {
      const { network, subnet } = await networkWithSubnet();
      const first = await store.ports.create(newPort(network.id), [{ subnetId: subnet.id }]);
      expect(first.fixedIps).toHaveLength(1);
      const address = first.fixedIps[0]?.ipAddress ?? "";
      expect(Number(address.split(".")[3])).toBeGreaterThanOrEqual(10);
      expect(Number(address.split(".")[3])).toBeLessThanOrEqual(20);
      const explicit = await store.ports.create(newPort(network.id, { createdAt: at(2) }), [{ subnetId: subnet.id, ipAddress: "192.0.2.100" }, { subnetId: subnet.id }]);
      expect(explicit.fixedIps[0]).toEqual({ subnetId: subnet.id, ipAddress: "192.0.2.100" });
      expect(await store.ports.get(explicit.id)).toEqual(explicit);
      expect(await store.ports.list({ networkId: network.id })).toEqual([first, explicit]);
      expect((await store.ports.addressesIn([subnet.id])).map((ip) => ip.ipAddress).sort()).toEqual([address, ...explicit.fixedIps.map((ip) => ip.ipAddress)].sort());

      await expect(store.ports.create(newPort(network.id), [{ subnetId: subnet.id, ipAddress: address }])).rejects.toBeInstanceOf(AddressInUseError);
      await expect(store.ports.create(newPort(network.id), [{ subnetId: subnet.id, ipAddress: "192.0.2.7" }, { subnetId: subnet.id, ipAddress: "192.0.2.7" }])).rejects.toBeInstanceOf(AddressInUseError);
      // Not canonical, not in the subnet, not a subnet of the network: the caller's mistake.
      await expect(store.ports.create(newPort(network.id), [{ subnetId: subnet.id, ipAddress: "192.0.2.010" }])).rejects.toThrow(TypeError);
      await expect(store.ports.create(newPort(network.id), [{ subnetId: subnet.id, ipAddress: "198.51.100.1" }])).rejects.toThrow(TypeError);
      const elsewhere = networkRecord();
      await store.networks.create(elsewhere);
      await expect(store.ports.create(newPort(elsewhere.id), [{ subnetId: subnet.id }])).rejects.toThrow(TypeError);
      expect(await store.ports.list()).toHaveLength(2); // none of the refused ones was written
    });

    it("ports: a MAC address once per network; update binds and bumps the revision", async () => {
      const { network } = await networkWithSubnet();
      const port = await store.ports.create(newPort(network.id, { macAddress: "52:54:00:00:00:01" }), []);
      await expect(store.ports.create(newPort(network.id, { macAddress: "52:54:00:00:00:01" }), [])).rejects.toBeInstanceOf(DuplicateError);
      const other = await store.ports.create(newPort(network.id), []);
      const bound = await store.ports.update(port.id, { deviceId: "server-1", deviceOwner: "compute:nova", bindingHostId: "node-1", status: "ACTIVE", macAddress: "52:54:00:00:00:02" }, at(9));
      expect(bound).toEqual({ ...port, deviceId: "server-1", deviceOwner: "compute:nova", bindingHostId: "node-1", status: "ACTIVE", macAddress: "52:54:00:00:00:02", revisionNumber: 1, updatedAt: at(9) });
      await expect(store.ports.update(other.id, { macAddress: "52:54:00:00:00:02" }, at(9))).rejects.toBeInstanceOf(DuplicateError);
      expect(await store.ports.list({ deviceId: "server-1" })).toEqual([bound]);
      expect(await store.ports.update("missing", { name: "x" }, at(9))).toBeUndefined();
    });

    it("an exhausted pool is AddressExhaustedError and writes nothing; a deleted port's address is free again", async () => {
      const { network, subnet } = await networkWithSubnet({ allocationPools: [{ start: "192.0.2.10", end: "192.0.2.11" }] });
      const a = await store.ports.create(newPort(network.id), [{ subnetId: subnet.id }]);
      const b = await store.ports.create(newPort(network.id), [{ subnetId: subnet.id }]);
      expect([a, b].flatMap((port) => port.fixedIps.map((ip) => ip.ipAddress)).sort()).toEqual(["192.0.2.10", "192.0.2.11"]);
      const refused = newPort(network.id);
      await expect(store.ports.create(refused, [{ subnetId: subnet.id }])).rejects.toBeInstanceOf(AddressExhaustedError);
      expect(await store.ports.get(refused.id)).toBeUndefined();
      expect(await store.ports.delete(a.id)).toBe(true);
      expect(await store.ports.delete(a.id)).toBe(false);
      const again = await store.ports.create(newPort(network.id), [{ subnetId: subnet.id }]);
      expect(again.fixedIps).toEqual(a.fixedIps);
    });

    it("lists the ports of several devices at once (a list's page), none for an empty set", async () => {
      const { network, subnet } = await networkWithSubnet();
      const a = await store.ports.create(newPort(network.id, { deviceId: "page-a" }), [{ subnetId: subnet.id }]);
      const b = await store.ports.create(newPort(network.id, { deviceId: "page-b" }), [{ subnetId: subnet.id }]);
      await store.ports.create(newPort(network.id, { deviceId: "page-c" }), []);
      const listed = await store.ports.list({ deviceIds: ["page-a", "page-b", "page-none"] });
      expect(listed.map((port) => port.id).sort()).toEqual([a.id, b.id].sort());
      expect(listed.find((port) => port.id === a.id)?.fixedIps).toEqual(a.fixedIps);
      expect(await store.ports.list({ deviceIds: [] })).toEqual([]);
    });

    it("a network with ports and a subnet with allocations cannot be deleted (NetworkInUse, SubnetInUse) until the ports go", async () => {
      const { network, subnet } = await networkWithSubnet();
      const port = await store.ports.create(newPort(network.id, { deviceId: "server-9" }), [{ subnetId: subnet.id }]);
      await store.ports.create(newPort(network.id, { deviceId: "server-9" }), []);
      await expect(store.subnets.delete(subnet.id)).rejects.toBeInstanceOf(SubnetInUseError);
      await expect(store.networks.delete(network.id)).rejects.toBeInstanceOf(NetworkInUseError);
      expect(await store.subnets.get(subnet.id)).toEqual(subnet);
      expect(await store.ports.deleteForDevice("server-9")).toBe(2);
      expect(await store.ports.get(port.id)).toBeUndefined();
      expect(await store.ports.deleteForDevice("")).toBe(0);
      expect(await store.subnets.delete(subnet.id)).toBe(true);
      expect(await store.networks.delete(network.id)).toBe(true);
    });

    it("IPv6: allocates from a pool of a /64 without walking it", async () => {
      const network = networkRecord();
      await store.networks.create(network);
      const subnet = subnetRecord(network.id, { ipVersion: 6, cidr: "2001:db8::/64", gatewayIp: "2001:db8::1", allocationPools: [{ start: "2001:db8::2", end: "2001:db8::ffff:ffff:ffff:ffff" }], dnsNameservers: [], hostRoutes: [] });
      await store.subnets.create(subnet);
      const port = await store.ports.create(newPort(network.id), [{ subnetId: subnet.id }, { subnetId: subnet.id, ipAddress: "2001:db8::ffff:ffff:ffff:ffff" }]);
      expect(port.fixedIps[0]?.ipAddress).toMatch(/^2001:db8::[0-9a-f]{1,2}$/);
      expect(port.fixedIps[1]?.ipAddress).toBe("2001:db8::ffff:ffff:ffff:ffff");
    });

    it("50 concurrent allocations on a /27 (29 addresses) from two Stores: never one address twice, the surplus is AddressExhaustedError", async () => {
      const [one, two] = await twins();
      const network = networkRecord();
      await one.networks.create(network);
      const subnet = subnetRecord(network.id, { cidr: "192.0.2.0/27", gatewayIp: "192.0.2.1", allocationPools: [{ start: "192.0.2.2", end: "192.0.2.30" }] });
      await one.subnets.create(subnet);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? one : two).ports.create(newPort(network.id), [{ subnetId: subnet.id }])),
      );
      const made = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
      const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
      expect(made).toHaveLength(29);
      expect(failures).toHaveLength(21);
      for (const failure of failures) expect(failure).toBeInstanceOf(AddressExhaustedError);
      const addresses = made.map((port: PortRecord) => port.fixedIps[0]?.ipAddress);
      expect(new Set(addresses).size).toBe(29);
      const stored = await one.ports.addressesIn([subnet.id]);
      expect(stored.map((ip) => ip.ipAddress).sort()).toEqual([...addresses].sort());
    }, 60_000);
  });
}
