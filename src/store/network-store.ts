// The network model's part of the Store contract (issue 12): networks,
// subnets, ports with their fixed IPs, and the typed errors of allocation.
//
// Guarantees, across processes and on both databases:
//  - an address is never held by two ports: port_fixed_ips' primary key is
//    (subnet, address), so the second insert of one fails whatever raced;
//  - `ports.create` allocates each requested address in the same transaction
//    as the port: either the port exists with all of them or nothing was written;
//  - deleting a port releases its addresses in that same statement (CASCADE);
//  - a network with ports, or a subnet an address is allocated from, cannot be
//    deleted (foreign keys, reported as NetworkInUseError / SubnetInUseError).

import type { FixedIp, NetworkRecord, PortRecord, SubnetRecord } from "./network-records.js";

/** A subnet's pools have no free address left (Neutron's IpAddressGenerationFailure). */
export class AddressExhaustedError extends Error {
  override readonly name = "AddressExhaustedError";
  constructor(readonly networkId: string) {
    super(`No more IP addresses available on network ${networkId}.`);
  }
}

/** The address asked for is held by another port (Neutron's IpAddressAlreadyAllocated). */
export class AddressInUseError extends Error {
  override readonly name = "AddressInUseError";
  constructor(
    readonly ipAddress: string,
    readonly subnetId: string,
  ) {
    super(`IP address ${ipAddress} already allocated in subnet ${subnetId}`);
  }
}

/** A create lost more allocation races in a row than it may (each one another create's success): nothing was written. */
export class AllocationContentionError extends Error {
  override readonly name = "AllocationContentionError";
}

/** The network still has ports (Neutron's NetworkInUse). */
export class NetworkInUseError extends Error {
  override readonly name = "NetworkInUseError";
  constructor(readonly networkId: string) {
    super(`Unable to complete operation on network ${networkId}. There are one or more ports still in use on the network.`);
  }
}

/** An address of the subnet is still allocated (Neutron's SubnetInUse). */
export class SubnetInUseError extends Error {
  override readonly name = "SubnetInUseError";
  constructor(readonly subnetId: string) {
    super(`Unable to complete operation on subnet ${subnetId}: One or more ports have an IP allocation from this subnet.`);
  }
}

/** What a port asks for, per fixed IP: an address of the subnet, or (without one) the next free one. */
export interface FixedIpRequest {
  subnetId: string;
  ipAddress?: string;
}

/** A new port: its record without what the store fills in (the fixed IPs it allocates). */
export type NewPort = Omit<PortRecord, "fixedIps">;

export interface NetworkFilter {
  /** Networks of this project and shared ones; omit for every network (admin). */
  visibleTo?: string;
  ids?: readonly string[];
}

export interface SubnetFilter {
  networkIds?: readonly string[];
  ids?: readonly string[];
}

export interface PortFilter {
  /** Ports of this project; omit for every port. */
  projectId?: string;
  networkId?: string;
  deviceId?: string;
  /** Ports of any of these devices (a page of servers at once). */
  deviceIds?: readonly string[];
  ids?: readonly string[];
}

export type NetworkPatch = Partial<Pick<NetworkRecord, "name" | "shared" | "mtu" | "adminStateUp" | "description">>;
export type SubnetPatch = Partial<Pick<SubnetRecord, "name" | "gatewayIp" | "allocationPools" | "dnsNameservers" | "hostRoutes" | "enableDhcp" | "description">>;
export type PortPatch = Partial<Pick<PortRecord, "name" | "macAddress" | "deviceId" | "deviceOwner" | "bindingHostId" | "adminStateUp" | "status" | "description">>;

export interface NetworkStore {
  networks: {
    /** DuplicateError for a taken id, or a VLAN id taken on the physical network. */
    create(record: NetworkRecord): Promise<void>;
    get(id: string): Promise<NetworkRecord | undefined>;
    /** Oldest first (created time, then id). */
    list(filter?: NetworkFilter): Promise<NetworkRecord[]>;
    /** Applies `patch`, bumps the revision; undefined when there is no such network. */
    update(id: string, patch: NetworkPatch, now: string): Promise<NetworkRecord | undefined>;
    /** With its subnets. NetworkInUseError while it has ports; false when there was none. */
    delete(id: string): Promise<boolean>;
  };

  subnets: {
    create(record: SubnetRecord): Promise<void>;
    get(id: string): Promise<SubnetRecord | undefined>;
    /** Oldest first. */
    list(filter?: SubnetFilter): Promise<SubnetRecord[]>;
    update(id: string, patch: SubnetPatch, now: string): Promise<SubnetRecord | undefined>;
    /** SubnetInUseError while an address of it is allocated. */
    delete(id: string): Promise<boolean>;
  };

  ports: {
    /**
     * The port and its addresses in one transaction, race-free across
     * processes: an explicit address that is taken is AddressInUseError, a
     * subnet with no free address AddressExhaustedError; nothing is written
     * then. Each request's subnet must be of the port's network (TypeError otherwise).
     * DuplicateError for a MAC address taken on the network.
     */
    create(port: NewPort, fixedIps: readonly FixedIpRequest[]): Promise<PortRecord>;
    get(id: string): Promise<PortRecord | undefined>;
    /** Oldest first. */
    list(filter?: PortFilter): Promise<PortRecord[]>;
    /** Every fixed IP allocated from the subnets (what allocation must avoid). */
    addressesIn(subnetIds: readonly string[]): Promise<FixedIp[]>;
    update(id: string, patch: PortPatch, now: string): Promise<PortRecord | undefined>;
    /** Releases its addresses in the same statement. */
    delete(id: string): Promise<boolean>;
    /** Every port of the device (a server's), addresses released; how many. */
    deleteForDevice(deviceId: string): Promise<number>;
  };
}
