// Networks, subnets and ports as Neutron's v2.0 API shows them: both
// project_id and tenant_id, status, revision_number, tags, Neutron's times
// (seconds, "Z"), and the attributes of extensions Neutron deployments carry
// (router:external, provider:*, binding:*) with the values this service has.
// Provider and binding attributes only where the caller may see them (admins).
import type { NetworkView, PortView } from "../compute/network-contract.js";
import type { SubnetRecord } from "../store/records.js";

/** Neutron's time format: "2026-12-02T03:25:59Z". */
export function neutronTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

export type Doc = Record<string, unknown>;

function common(record: { id: string; name: string; projectId: string; description: string; revisionNumber: number; createdAt: string; updatedAt: string }): Doc {
  return {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    description: record.description,
    tags: [],
    created_at: neutronTime(record.createdAt),
    updated_at: neutronTime(record.updatedAt),
    revision_number: record.revisionNumber,
  };
}

/** Attributes the caller may see only by policy (admins): left out otherwise, as Neutron does. */
function shownIf(visible: boolean, attributes: () => Doc): Doc {
  return visible ? attributes() : {};
}

export function networkDoc(network: NetworkView): Doc {
  return {
    ...common(network),
    admin_state_up: network.adminStateUp,
    status: "ACTIVE",
    subnets: network.subnetIds,
    shared: network.shared,
    mtu: network.mtu,
    "router:external": false,
    availability_zone_hints: [],
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    // No security groups here: nothing filters traffic.
    port_security_enabled: false,
    is_default: false,
    l2_adjacency: true,
    qos_policy_id: null,
    ...shownIf(network.providerVisible, () => ({
      "provider:network_type": network.networkType,
      "provider:physical_network": network.physicalNetwork,
      "provider:segmentation_id": network.segmentationId,
    })),
  };
}

export function subnetDoc(subnet: SubnetRecord): Doc {
  return {
    ...common(subnet),
    network_id: subnet.networkId,
    ip_version: subnet.ipVersion,
    cidr: subnet.cidr,
    gateway_ip: subnet.gatewayIp,
    allocation_pools: subnet.allocationPools.map((pool) => ({ start: pool.start, end: pool.end })),
    dns_nameservers: subnet.dnsNameservers,
    host_routes: subnet.hostRoutes.map((route) => ({ destination: route.destination, nexthop: route.nexthop })),
    enable_dhcp: subnet.enableDhcp,
    ipv6_ra_mode: subnet.ipv6RaMode,
    ipv6_address_mode: subnet.ipv6AddressMode,
    subnetpool_id: null,
    segment_id: null,
    service_types: [],
    dns_publish_fixed_ip: false,
  };
}

export function portDoc(port: PortView): Doc {
  return {
    ...common(port),
    network_id: port.networkId,
    mac_address: port.macAddress,
    admin_state_up: port.adminStateUp,
    status: port.status,
    device_id: port.deviceId,
    device_owner: port.deviceOwner,
    fixed_ips: port.fixedIps.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: [],
    port_security_enabled: false,
    propagate_uplink_status: false,
    dns_name: "",
    dns_assignment: [],
    ...shownIf(port.bindingVisible, () => ({
      "binding:host_id": port.bindingHostId,
      "binding:vnic_type": "baremetal",
      "binding:profile": {},
      "binding:vif_type": port.bindingHostId === "" ? "unbound" : "other",
      "binding:vif_details": {},
    })),
  };
}
