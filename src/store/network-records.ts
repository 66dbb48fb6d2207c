// The records of the network model (issue 12): networks, their subnets, and
// ports with their fixed IPs. Plain data, as records.ts; ids are UUIDs, times
// ISO-8601 UTC with milliseconds, IP addresses always in canonical text (ip.ts).

import type { AddressRange, IpVersion } from "./ip.js";

export type NetworkType = "flat" | "vlan";

export interface NetworkRecord {
  id: string;
  name: string;
  projectId: string;
  /** Visible to (and usable by) every project. */
  shared: boolean;
  mtu: number;
  networkType: NetworkType;
  /** The physical network label (Neutron's provider:physical_network); null: none. */
  physicalNetwork: string | null;
  /** The VLAN id of a vlan network; null for flat. */
  segmentationId: number | null;
  adminStateUp: boolean;
  description: string;
  /** Neutron's revision_number: 0 at create, +1 at each update. */
  revisionNumber: number;
  createdAt: string;
  updatedAt: string;
}

export type Ipv6Mode = "slaac" | "dhcpv6-stateful" | "dhcpv6-stateless";

export interface HostRoute {
  destination: string;
  nexthop: string;
}

export interface SubnetRecord {
  id: string;
  networkId: string;
  name: string;
  projectId: string;
  ipVersion: IpVersion;
  /** Canonical, host bits zero ("192.0.2.0/24"). */
  cidr: string;
  gatewayIp: string | null;
  allocationPools: AddressRange[];
  dnsNameservers: string[];
  hostRoutes: HostRoute[];
  enableDhcp: boolean;
  ipv6RaMode: Ipv6Mode | null;
  ipv6AddressMode: Ipv6Mode | null;
  description: string;
  revisionNumber: number;
  createdAt: string;
  updatedAt: string;
}

export interface FixedIp {
  subnetId: string;
  ipAddress: string;
}

export type PortStatus = "ACTIVE" | "DOWN";

export interface PortRecord {
  id: string;
  networkId: string;
  projectId: string;
  name: string;
  /** Lowercase, colon-separated. Unique within its network. */
  macAddress: string;
  /** In allocation order. */
  fixedIps: FixedIp[];
  /** The server using the port ("" when none). */
  deviceId: string;
  /** "compute:<zone>" for a server's port; "" when none. */
  deviceOwner: string;
  /** The Ironic node the port is bound to (Neutron's binding:host_id); "" when unbound. */
  bindingHostId: string;
  adminStateUp: boolean;
  status: PortStatus;
  description: string;
  revisionNumber: number;
  createdAt: string;
  updatedAt: string;
}
