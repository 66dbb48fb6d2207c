// store.ports over Kysely, and address allocation.
//
// Allocating "the next free address" is: read what the subnet has allocated,
// pick a free address of its pools, and insert the port with it in one
// transaction. The pick and the insert are not one statement, so two creates
// (in any process) may pick the same address; the primary key of
// port_fixed_ips, (subnet_id, ip_address), then lets exactly one of them
// commit, and the other reads again and picks anew. Each pick is a random one
// of the first CANDIDATES free addresses, so concurrent creates mostly pick
// different ones instead of all fighting for the first. A create gives up
// after MAX_ATTEMPTS lost races (each one another create's success).
// An explicit address that is taken fails at once: AddressInUseError.

import { randomInt } from "node:crypto";
import { cidrContains, freeAddresses, parseAddress, parseCidr } from "../ip.js";
import type { FixedIp, PortRecord, SubnetRecord } from "../network-records.js";
import type { FixedIpRequest, NetworkStore } from "../network-store.js";
import { FIXED_IP_KEY } from "../schema-networks.js";
import { AddressExhaustedError, AddressInUseError, AllocationContentionError, DuplicateError } from "../store.js";
import type { StoreContext } from "./context.js";
import { isUniqueViolation, isUniqueViolationOf } from "./errors.js";
import { reviseRow } from "./networks.js";
import { affected } from "./queries.js";
import { fixedIpSchema, newPortSchema, portFromRow, portPatchSchema, portPatchToRow, portToRow, subnetFromRow } from "./network-rows.js";
import { checkInput } from "./rows.js";

const CANDIDATES = 16;
const MAX_ATTEMPTS = 64;

const FIXED_IP_UNIQUE = { constraint: FIXED_IP_KEY, sqliteColumns: "port_fixed_ips.subnet_id, port_fixed_ips.ip_address" };
const MAC_UNIQUE = { constraint: "ports_network_mac", sqliteColumns: "ports.network_id, ports.mac_address" };

function takenBySubnet(rows: readonly FixedIp[]): Map<string, Set<string>> {
  const taken = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = taken.get(row.subnetId) ?? new Set<string>();
    set.add(row.ipAddress);
    taken.set(row.subnetId, set);
  }
  return taken;
}

/** The requests' subnets, each checked to be of the port's network and each explicit address to lie in it. */
function checkRequests(networkId: string, requests: readonly FixedIpRequest[], subnets: ReadonlyMap<string, SubnetRecord>): void {
  const explicit = new Set<string>();
  for (const request of requests) {
    const subnet = subnets.get(request.subnetId);
    if (subnet?.networkId !== networkId) throw new TypeError(`subnet ${request.subnetId} is not a subnet of network ${networkId}`);
    if (request.ipAddress === undefined) continue;
    const { ipAddress } = checkInput("FixedIpRequest", fixedIpSchema, request);
    const cidr = parseCidr(subnet.cidr);
    const address = parseAddress(ipAddress);
    if (!cidr.ok || address === undefined || !cidrContains(cidr.cidr, address)) {
      throw new TypeError(`${ipAddress} is not an address of subnet ${subnet.id} (${subnet.cidr})`);
    }
    const key = `${request.subnetId} ${ipAddress}`;
    if (explicit.has(key)) throw new AddressInUseError(ipAddress, request.subnetId);
    explicit.add(key);
  }
}

/** One pick for every request: the explicit addresses, and a free address of each other one's subnet. */
function pick(networkId: string, requests: readonly FixedIpRequest[], subnets: ReadonlyMap<string, SubnetRecord>, taken: Map<string, Set<string>>): FixedIp[] {
  const explicit = requests.flatMap((request) => (request.ipAddress === undefined ? [] : [request]));
  for (const request of explicit) {
    const set = taken.get(request.subnetId) ?? new Set<string>();
    if (request.ipAddress !== undefined) set.add(request.ipAddress);
    taken.set(request.subnetId, set);
  }
  return requests.map((request) => {
    if (request.ipAddress !== undefined) return { subnetId: request.subnetId, ipAddress: request.ipAddress };
    const subnet = subnets.get(request.subnetId);
    if (subnet === undefined) throw new TypeError(`subnet ${request.subnetId} is gone`);
    const set = taken.get(subnet.id) ?? new Set<string>();
    const free = freeAddresses(subnet.ipVersion, subnet.allocationPools, set, CANDIDATES);
    const chosen = free[randomInt(Math.max(free.length, 1))];
    if (chosen === undefined) throw new AddressExhaustedError(networkId);
    set.add(chosen);
    taken.set(subnet.id, set);
    return { subnetId: subnet.id, ipAddress: chosen };
  });
}

export function portsRepository({ db, atomically }: StoreContext): NetworkStore["ports"] {
  const addressesIn = async (subnetIds: readonly string[]): Promise<FixedIp[]> => {
    if (subnetIds.length === 0) return [];
    return await db.selectFrom("portFixedIps").select(["subnetId", "ipAddress"]).where("subnetId", "in", [...subnetIds]).execute();
  };

  const withFixedIps = async (rows: ReadonlyArray<Parameters<typeof portFromRow>[0]>): Promise<PortRecord[]> => {
    if (rows.length === 0) return [];
    const ips = await db
      .selectFrom("portFixedIps")
      .select(["portId", "subnetId", "ipAddress"])
      .where("portId", "in", rows.map((row) => row.id))
      .orderBy("portId")
      .orderBy("position")
      .execute();
    const byPort = new Map<string, FixedIp[]>();
    for (const ip of ips) byPort.set(ip.portId, [...(byPort.get(ip.portId) ?? []), { subnetId: ip.subnetId, ipAddress: ip.ipAddress }]);
    return rows.map((row) => portFromRow(row, byPort.get(row.id) ?? []));
  };

  const macDuplicate = (mac: string, networkId: string, error: unknown): DuplicateError =>
    new DuplicateError(`MAC address ${mac} on network ${networkId} already exists`, { cause: error });

  return {
    create: async (port, requests) => {
      const p = checkInput("NewPort", newPortSchema, port);
      const subnetIds = [...new Set(requests.map((request) => request.subnetId))];
      const subnetRows = subnetIds.length === 0 ? [] : await db.selectFrom("subnets").selectAll().where("id", "in", subnetIds).execute();
      const subnets = new Map(subnetRows.map((row) => [row.id, subnetFromRow(row)]));
      checkRequests(p.networkId, requests, subnets);
      const explicit = requests.flatMap((request) => (request.ipAddress === undefined ? [] : [{ subnetId: request.subnetId, ipAddress: request.ipAddress }]));
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const taken = takenBySubnet(await addressesIn(subnetIds));
        for (const ip of explicit) {
          if (taken.get(ip.subnetId)?.has(ip.ipAddress) === true) throw new AddressInUseError(ip.ipAddress, ip.subnetId);
        }
        const fixedIps = pick(p.networkId, requests, subnets, taken);
        const steps = [
          db.insertInto("ports").values(portToRow(p)).compile(),
          ...fixedIps.map((ip, position) => db.insertInto("portFixedIps").values({ portId: p.id, ...ip, position }).compile()),
        ];
        try {
          await atomically(steps);
          return { ...p, fixedIps };
        } catch (error: unknown) {
          // Lost a race for an address: read again (an explicit one that was taken fails on the next read).
          if (isUniqueViolationOf(error, FIXED_IP_UNIQUE)) continue;
          if (isUniqueViolationOf(error, MAC_UNIQUE)) throw macDuplicate(p.macAddress, p.networkId, error);
          if (isUniqueViolation(error)) throw new DuplicateError(`port ${p.id} already exists`, { cause: error });
          throw error;
        }
      }
      throw new AllocationContentionError(`lost ${MAX_ATTEMPTS} races for an address on network ${p.networkId}`);
    },
    get: async (id) => {
      const row = await db.selectFrom("ports").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : (await withFixedIps([row]))[0];
    },
    list: async (filter = {}) => {
      let query = db.selectFrom("ports").selectAll();
      if (filter.projectId !== undefined) query = query.where("projectId", "=", filter.projectId);
      if (filter.networkId !== undefined) query = query.where("networkId", "=", filter.networkId);
      if (filter.deviceId !== undefined) query = query.where("deviceId", "=", filter.deviceId);
      if (filter.deviceIds !== undefined) {
        if (filter.deviceIds.length === 0) return [];
        query = query.where("deviceId", "in", [...filter.deviceIds]);
      }
      if (filter.ids !== undefined) {
        if (filter.ids.length === 0) return [];
        query = query.where("id", "in", [...filter.ids]);
      }
      return await withFixedIps(await query.orderBy("createdAt").orderBy("id").execute());
    },
    addressesIn,
    update: async (id, patch, now) => {
      const p = checkInput("PortPatch", portPatchSchema, patch);
      try {
        const row = await reviseRow(db, "ports", id, portPatchToRow(p), now);
        return row === undefined ? undefined : (await withFixedIps([row]))[0];
      } catch (error: unknown) {
        if (isUniqueViolationOf(error, MAC_UNIQUE)) throw macDuplicate(p.macAddress ?? "", "of the port", error);
        throw error;
      }
    },
    delete: async (id) => affected((await db.deleteFrom("ports").where("id", "=", id).executeTakeFirst()).numDeletedRows),
    deleteForDevice: async (deviceId) => {
      if (deviceId === "") return 0;
      const result = await db.deleteFrom("ports").where("deviceId", "=", deviceId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
