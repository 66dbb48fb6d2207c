// The bodies of the network API (Neutron v2.0): `{"network": {...}}` and so on.
// Unknown attributes are refused (Neutron: "Unrecognized attribute(s)"); the
// ones Neutron deployments carry and this service has no use for are accepted
// only with the value this service has (router:external false, no QoS …).
// Integers may come as strings: OpenStackClient sends --provider-segment and
// --mtu as given on its command line.
import { z } from "zod";

const name = z.string().max(255);
const description = z.string().max(255);
const projectRef = z.string().min(1).max(255);
const intLike = z.union([z.number().int(), z.string().regex(/^\d{1,9}$/).transform(Number)]);
const address = z.string().min(1).max(64);

const ownership = {
  project_id: projectRef.optional(),
  tenant_id: projectRef.optional(),
};

const tags = z.array(z.string().max(255)).max(0, "tags are not supported").optional();

/** What a network create and update both take. */
const networkCommon = {
  name: name.optional(),
  description: description.optional(),
  admin_state_up: z.boolean().optional(),
  shared: z.boolean().optional(),
  mtu: intLike.optional(),
  "router:external": z.literal(false).optional(),
  port_security_enabled: z.boolean().optional(),
  qos_policy_id: z.null().optional(),
};

export const networkCreateBody = z
  .object({
    network: z
      .object({
        ...networkCommon,
        ...ownership,
        "provider:network_type": z.enum(["flat", "vlan"]).optional(),
        "provider:physical_network": z.string().min(1).max(64).nullable().optional(),
        "provider:segmentation_id": intLike.nullable().optional(),
        availability_zone_hints: z.array(z.string()).max(0).optional(),
        is_default: z.literal(false).optional(),
        dns_domain: z.literal("").optional(),
        tags,
      })
      .strict(),
  })
  .strict();

export const networkUpdateBody = z
  .object({
    network: z
      .object(networkCommon)
      .strict(),
  })
  .strict();

const pool = z.object({ start: address, end: address }).strict();
const hostRoute = z.object({ destination: address, nexthop: address }).strict();
const ipv6Mode = z.enum(["slaac", "dhcpv6-stateful", "dhcpv6-stateless"]).nullable();

const subnetCommon = {
  name: name.optional(),
  description: description.optional(),
  gateway_ip: address.nullable().optional(),
  allocation_pools: z.array(pool).max(64).optional(),
  dns_nameservers: z.array(address).max(16).optional(),
  host_routes: z.array(hostRoute).max(64).optional(),
  enable_dhcp: z.boolean().optional(),
  service_types: z.array(z.string()).max(0).optional(),
  dns_publish_fixed_ip: z.literal(false).optional(),
};

export const subnetCreateBody = z
  .object({
    subnet: z
      .object({
        ...subnetCommon,
        network_id: projectRef,
        ip_version: z.union([z.literal(4), z.literal(6), z.literal("4").transform(() => 4 as const), z.literal("6").transform(() => 6 as const)]).optional(),
        cidr: z.string().min(1).max(64),
        ipv6_ra_mode: ipv6Mode.optional(),
        ipv6_address_mode: ipv6Mode.optional(),
        segment_id: z.null().optional(),
        subnetpool_id: z.null().optional(),
        use_default_subnet_pool: z.literal(false).optional(),
        ...ownership,
        tags,
      })
      .strict(),
  })
  .strict();

export const subnetUpdateBody = z.object({ subnet: z.object(subnetCommon).strict() }).strict();

const fixedIp = z.object({ subnet_id: projectRef.optional(), ip_address: address.optional() }).strict();
const mac = z.string().min(1).max(32);

const portCommon = {
  name: name.optional(),
  description: description.optional(),
  admin_state_up: z.boolean().optional(),
  device_id: z.string().max(255).optional(),
  device_owner: z.string().max(255).optional(),
  mac_address: mac.optional(),
  "binding:host_id": z.string().max(255).optional(),
  "binding:vnic_type": z.enum(["normal", "baremetal"]).optional(),
  "binding:profile": z.object({}).strict().optional(),
  port_security_enabled: z.literal(false).optional(),
  security_groups: z.array(z.string()).max(0).optional(),
  allowed_address_pairs: z.array(z.unknown()).max(0).optional(),
  extra_dhcp_opts: z.array(z.unknown()).max(0).optional(),
  qos_policy_id: z.null().optional(),
};

export const portCreateBody = z
  .object({
    port: z
      .object({
        ...portCommon,
        network_id: projectRef,
        fixed_ips: z.array(fixedIp).max(16).optional(),
        ...ownership,
        tags,
      })
      .strict(),
  })
  .strict();

export const portUpdateBody = z.object({ port: z.object(portCommon).strict() }).strict();

/** Neutron's list query: any attribute, repeated keys as arrays. */
export const neutronQuery = z.record(z.string(), z.union([z.string().max(1024), z.array(z.string().max(1024)).max(100)]));

export const networkIdParams = z.object({ id: z.string().min(1).max(255) }).strict();

/** The project a body names (project_id or its older name tenant_id; both must agree). */
export function projectOf(body: { project_id?: string | undefined; tenant_id?: string | undefined }): string | undefined | { conflict: true } {
  if (body.project_id !== undefined && body.tenant_id !== undefined && body.project_id !== body.tenant_id) return { conflict: true };
  return body.project_id ?? body.tenant_id;
}
