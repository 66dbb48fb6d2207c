// What the compute layer offers for networks (issue 12): the Neutron-shaped
// API's operations, and what servers on networks need (allocate, bind, list,
// release a server's ports). Who may see or do what lives behind it (policy
// in networks.ts, as Neutron's default policy words it).

import type { AddressRange } from "../store/ip.js";
import type { HostRoute, Ipv6Mode, NetworkRecord, NetworkType, PortRecord, SubnetRecord } from "../store/records.js";
import type { Caller } from "./contract.js";

export interface NetworkView extends NetworkRecord {
  /** Its subnets, oldest first. */
  subnetIds: string[];
  /** Neutron's get_network:provider:* (admin only): false hides the provider attributes. */
  providerVisible: boolean;
}

export interface PortView extends PortRecord {
  /** Neutron's get_port:binding:* (admin only): false hides binding:host_id and friends. */
  bindingVisible: boolean;
}

export interface ProviderRequest {
  networkType?: NetworkType;
  physicalNetwork?: string | null;
  segmentationId?: number | null;
}

export interface NetworkCreate {
  name?: string;
  /** Another project's: admins only. */
  projectId?: string;
  shared?: boolean;
  mtu?: number;
  adminStateUp?: boolean;
  description?: string;
  /** Admins only (Neutron's create_network:provider:*). */
  provider?: ProviderRequest;
}

export type NetworkUpdate = Partial<Pick<NetworkCreate, "name" | "shared" | "mtu" | "adminStateUp" | "description">>;

export interface SubnetCreate {
  networkId: string;
  name?: string;
  projectId?: string;
  ipVersion: 4 | 6;
  cidr: string;
  /** undefined: Neutron's default (the first address); null: no gateway. */
  gatewayIp?: string | null;
  allocationPools?: AddressRange[];
  dnsNameservers?: string[];
  hostRoutes?: HostRoute[];
  enableDhcp?: boolean;
  ipv6RaMode?: Ipv6Mode | null;
  ipv6AddressMode?: Ipv6Mode | null;
  description?: string;
}

export type SubnetUpdate = Partial<Pick<SubnetCreate, "name" | "gatewayIp" | "allocationPools" | "dnsNameservers" | "hostRoutes" | "enableDhcp" | "description">>;

/** One entry of a port's fixed_ips request: a subnet, an address, or both. */
export interface FixedIpAsk {
  subnetId?: string;
  ipAddress?: string;
}

export interface PortCreate {
  networkId: string;
  name?: string;
  projectId?: string;
  /** Admins and the network's owner only. */
  macAddress?: string;
  /** undefined: one address of the network's first IPv4 subnet with room, and of its first IPv6 one. */
  fixedIps?: FixedIpAsk[];
  deviceId?: string;
  deviceOwner?: string;
  /** Admins only. */
  bindingHostId?: string;
  adminStateUp?: boolean;
  description?: string;
}

export type PortUpdate = Partial<Pick<PortCreate, "name" | "macAddress" | "deviceId" | "deviceOwner" | "bindingHostId" | "adminStateUp" | "description">>;

/** Neutron's quota resources; every one is unlimited (-1) here. */
export const NETWORK_QUOTA_RESOURCES = ["network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule", "rbac_policy", "subnetpool"] as const;

export interface NetworkApi {
  /** Neutron's quotas of a project (all -1: nothing is limited): its own readers, or admins (PolicyNotAuthorized otherwise). */
  quota(caller: Caller, projectId: string): Promise<Record<(typeof NETWORK_QUOTA_RESOURCES)[number], number>>;
  networks: {
    /** Visible ones: the caller project's and shared ones (admins: all). */
    list(caller: Caller): Promise<NetworkView[]>;
    get(caller: Caller, id: string): Promise<NetworkView>;
    create(caller: Caller, request: NetworkCreate): Promise<NetworkView>;
    update(caller: Caller, id: string, update: NetworkUpdate): Promise<NetworkView>;
    /** ConflictError (NetworkInUse) while it has ports. */
    delete(caller: Caller, id: string): Promise<void>;
  };
  subnets: {
    list(caller: Caller): Promise<SubnetRecord[]>;
    get(caller: Caller, id: string): Promise<SubnetRecord>;
    create(caller: Caller, request: SubnetCreate): Promise<SubnetRecord>;
    update(caller: Caller, id: string, update: SubnetUpdate): Promise<SubnetRecord>;
    /** ConflictError (SubnetInUse) while an address of it is allocated. */
    delete(caller: Caller, id: string): Promise<void>;
  };
  ports: {
    /** The caller project's ports (admins: all). */
    list(caller: Caller): Promise<PortView[]>;
    get(caller: Caller, id: string): Promise<PortView>;
    /** ConflictError: IpAddressGenerationFailure (exhausted), IpAddressAlreadyAllocated, MacAddressInUse. */
    create(caller: Caller, request: PortCreate): Promise<PortView>;
    update(caller: Caller, id: string, update: PortUpdate): Promise<PortView>;
    delete(caller: Caller, id: string): Promise<void>;
  };
}
