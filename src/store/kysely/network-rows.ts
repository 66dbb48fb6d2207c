// Row <-> record for the network model's tables (see rows.ts for the checks
// both directions get). Addresses and CIDRs must already be canonical: the
// schemas refuse any other spelling, so the unique key on (subnet, address)
// sees one text per address.

import type { Insertable, Selectable } from "kysely";
import { z } from "zod";
import { canonicalAddress, formatCidr, parseCidr } from "../ip.js";
import type * as records from "../network-records.js";
import type { NetworkPatch, PortPatch, SubnetPatch } from "../network-store.js";
import type * as tables from "../schema-networks.js";
import { isoTime } from "./record-schemas.js";
import { checkRow, fromIntBool, parseJsonColumns, toJson } from "./rows.js";

const canonicalIp = z.string().refine((text) => canonicalAddress(text) === text, "not an IP address in canonical form");
const canonicalCidr = z.string().refine((text) => {
  const parsed = parseCidr(text);
  return parsed.ok && formatCidr(parsed.cidr) === text;
}, "not a CIDR in canonical form");
const revision = z.number().int().nonnegative();
const ipv6Mode = z.enum(["slaac", "dhcpv6-stateful", "dhcpv6-stateless"]).nullable();
const macAddress = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "a lowercase MAC address");

export const networkSchema = z.object({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  shared: z.boolean(),
  mtu: z.number().int().min(68).max(65535),
  networkType: z.enum(["flat", "vlan"]),
  physicalNetwork: z.string().nullable(),
  segmentationId: z.number().int().min(1).max(4094).nullable(),
  adminStateUp: z.boolean(),
  description: z.string(),
  revisionNumber: revision,
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<records.NetworkRecord>;

export const networkPatchSchema = networkSchema
  .pick({ name: true, shared: true, mtu: true, adminStateUp: true, description: true })
  .partial() satisfies z.ZodType<NetworkPatch>;

const pool = z.object({ start: canonicalIp, end: canonicalIp });
const hostRoute = z.object({ destination: canonicalCidr, nexthop: canonicalIp });

export const subnetSchema = z.object({
  id: z.string(),
  networkId: z.string(),
  name: z.string(),
  projectId: z.string(),
  ipVersion: z.union([z.literal(4), z.literal(6)]),
  cidr: canonicalCidr,
  gatewayIp: canonicalIp.nullable(),
  allocationPools: z.array(pool),
  dnsNameservers: z.array(canonicalIp),
  hostRoutes: z.array(hostRoute),
  enableDhcp: z.boolean(),
  ipv6RaMode: ipv6Mode,
  ipv6AddressMode: ipv6Mode,
  description: z.string(),
  revisionNumber: revision,
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<records.SubnetRecord>;

export const subnetPatchSchema = subnetSchema
  .pick({ name: true, gatewayIp: true, allocationPools: true, dnsNameservers: true, hostRoutes: true, enableDhcp: true, description: true })
  .partial() satisfies z.ZodType<SubnetPatch>;

export const fixedIpSchema = z.object({ subnetId: z.string(), ipAddress: canonicalIp }) satisfies z.ZodType<records.FixedIp>;

export const portSchema = z.object({
  id: z.string(),
  networkId: z.string(),
  projectId: z.string(),
  name: z.string(),
  macAddress,
  fixedIps: z.array(fixedIpSchema),
  deviceId: z.string(),
  deviceOwner: z.string(),
  bindingHostId: z.string(),
  adminStateUp: z.boolean(),
  status: z.enum(["ACTIVE", "DOWN"]),
  description: z.string(),
  revisionNumber: revision,
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<records.PortRecord>;

export const newPortSchema = portSchema.omit({ fixedIps: true });

export const portPatchSchema = portSchema
  .pick({ name: true, macAddress: true, deviceId: true, deviceOwner: true, bindingHostId: true, adminStateUp: true, status: true, description: true })
  .partial() satisfies z.ZodType<PortPatch>;

export function networkFromRow(row: Selectable<tables.NetworksTable>): records.NetworkRecord {
  return checkRow("networks", row.id, networkSchema, { ...row, shared: fromIntBool(row.shared), adminStateUp: fromIntBool(row.adminStateUp) });
}

export function networkToRow(record: records.NetworkRecord): Insertable<tables.NetworksTable> {
  return { ...record, shared: record.shared ? 1 : 0, adminStateUp: record.adminStateUp ? 1 : 0 };
}

/** The columns a network patch writes (booleans as 0/1). */
export function networkPatchToRow(patch: NetworkPatch): Partial<tables.NetworksTable> {
  const { shared, adminStateUp, ...rest } = patch;
  return {
    ...rest,
    ...(shared === undefined ? {} : { shared: shared ? 1 : 0 }),
    ...(adminStateUp === undefined ? {} : { adminStateUp: adminStateUp ? 1 : 0 }),
  };
}

export function subnetFromRow(row: Selectable<tables.SubnetsTable>): records.SubnetRecord {
  return checkRow("subnets", row.id, subnetSchema, {
    ...parseJsonColumns("subnets", row, ["allocationPools", "dnsNameservers", "hostRoutes"]),
    enableDhcp: fromIntBool(row.enableDhcp),
  });
}

export function subnetToRow(record: records.SubnetRecord): Insertable<tables.SubnetsTable> {
  return {
    ...record,
    allocationPools: toJson(record.allocationPools),
    dnsNameservers: toJson(record.dnsNameservers),
    hostRoutes: toJson(record.hostRoutes),
    enableDhcp: record.enableDhcp ? 1 : 0,
  };
}

export function subnetPatchToRow(patch: SubnetPatch): Partial<tables.SubnetsTable> {
  const { allocationPools, dnsNameservers, hostRoutes, enableDhcp, ...rest } = patch;
  return {
    ...rest,
    ...(allocationPools === undefined ? {} : { allocationPools: toJson(allocationPools) }),
    ...(dnsNameservers === undefined ? {} : { dnsNameservers: toJson(dnsNameservers) }),
    ...(hostRoutes === undefined ? {} : { hostRoutes: toJson(hostRoutes) }),
    ...(enableDhcp === undefined ? {} : { enableDhcp: enableDhcp ? 1 : 0 }),
  };
}

export function portFromRow(row: Selectable<tables.PortsTable>, fixedIps: readonly records.FixedIp[]): records.PortRecord {
  return checkRow("ports", row.id, portSchema, { ...row, adminStateUp: fromIntBool(row.adminStateUp), fixedIps });
}

export function portToRow(record: Omit<records.PortRecord, "fixedIps">): Insertable<tables.PortsTable> {
  return { ...record, adminStateUp: record.adminStateUp ? 1 : 0 };
}

export function portPatchToRow(patch: PortPatch): Partial<tables.PortsTable> {
  const { adminStateUp, ...rest } = patch;
  return { ...rest, ...(adminStateUp === undefined ? {} : { adminStateUp: adminStateUp ? 1 : 0 }) };
}
