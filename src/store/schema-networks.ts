// The network model's tables (migration 0009_networks): Kysely types and the
// migration, kept apart from schema.ts so that file stays a list.
//
// "An address is never handed out twice" is the primary key of
// port_fixed_ips, (subnet_id, ip_address): the database refuses a second row
// for one address whatever the processes racing for it do, on SQLite and
// PostgreSQL alike. Addresses are stored in canonical text only (ip.ts), so
// two spellings of one address are one key.
//
// Foreign keys carry the "in use" rules, so no read-then-delete can race:
// - subnets go with their network (ON DELETE CASCADE);
// - a port keeps its network (no cascade: deleting a network with ports is
//   refused, Neutron's NetworkInUse), and a fixed IP its subnet (SubnetInUse);
// - a port's fixed IPs go with the port (CASCADE): deleting it releases them.
// A VLAN id is unique per physical network (Neutron's VlanIdInUse); NULLs
// (flat networks) never collide.

import type { Migration } from "kysely";

export interface NetworksTable {
  id: string;
  name: string;
  projectId: string;
  /** 0 or 1 */
  shared: number;
  mtu: number;
  networkType: string;
  physicalNetwork: string | null;
  segmentationId: number | null;
  /** 0 or 1 */
  adminStateUp: number;
  description: string;
  revisionNumber: number;
  createdAt: string;
  updatedAt: string;
}

export interface SubnetsTable {
  id: string;
  networkId: string;
  name: string;
  projectId: string;
  ipVersion: number;
  cidr: string;
  gatewayIp: string | null;
  /** JSON [{start, end}] */
  allocationPools: string;
  /** JSON string[] */
  dnsNameservers: string;
  /** JSON [{destination, nexthop}] */
  hostRoutes: string;
  /** 0 or 1 */
  enableDhcp: number;
  ipv6RaMode: string | null;
  ipv6AddressMode: string | null;
  description: string;
  revisionNumber: number;
  createdAt: string;
  updatedAt: string;
}

export interface PortsTable {
  id: string;
  networkId: string;
  projectId: string;
  name: string;
  macAddress: string;
  deviceId: string;
  deviceOwner: string;
  bindingHostId: string;
  /** 0 or 1 */
  adminStateUp: number;
  status: string;
  description: string;
  revisionNumber: number;
  createdAt: string;
  updatedAt: string;
}

export interface PortFixedIpsTable {
  portId: string;
  subnetId: string;
  ipAddress: string;
  /** Position in the port's fixed_ips (its allocation order). */
  position: number;
}

export interface NetworkTables {
  networks: NetworksTable;
  subnets: SubnetsTable;
  ports: PortsTable;
  portFixedIps: PortFixedIpsTable;
}

/** The primary key that makes a second allocation of one address impossible. */
export const FIXED_IP_KEY = "port_fixed_ips_pkey";

export const networksMigration: Migration = {
  async up(db): Promise<void> {
    const schema = db.schema;
    await schema
      .createTable("networks")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("shared", "integer", (c) => c.notNull())
      .addColumn("mtu", "integer", (c) => c.notNull())
      .addColumn("network_type", "text", (c) => c.notNull())
      .addColumn("physical_network", "text")
      .addColumn("segmentation_id", "integer")
      .addColumn("admin_state_up", "integer", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("revision_number", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addUniqueConstraint("networks_vlan", ["physical_network", "segmentation_id"])
      .execute();
    await schema.createIndex("networks_project").on("networks").columns(["project_id", "created_at", "id"]).execute();
    await schema.createIndex("networks_created").on("networks").columns(["created_at", "id"]).execute();

    await schema
      .createTable("subnets")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("network_id", "text", (c) => c.notNull().references("networks.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("ip_version", "integer", (c) => c.notNull())
      .addColumn("cidr", "text", (c) => c.notNull())
      .addColumn("gateway_ip", "text")
      .addColumn("allocation_pools", "text", (c) => c.notNull())
      .addColumn("dns_nameservers", "text", (c) => c.notNull())
      .addColumn("host_routes", "text", (c) => c.notNull())
      .addColumn("enable_dhcp", "integer", (c) => c.notNull())
      .addColumn("ipv6_ra_mode", "text")
      .addColumn("ipv6_address_mode", "text")
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("revision_number", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await schema.createIndex("subnets_network").on("subnets").columns(["network_id", "created_at", "id"]).execute();

    await schema
      .createTable("ports")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("network_id", "text", (c) => c.notNull().references("networks.id"))
      .addColumn("project_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("mac_address", "text", (c) => c.notNull())
      .addColumn("device_id", "text", (c) => c.notNull())
      .addColumn("device_owner", "text", (c) => c.notNull())
      .addColumn("binding_host_id", "text", (c) => c.notNull())
      .addColumn("admin_state_up", "integer", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("revision_number", "integer", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addUniqueConstraint("ports_network_mac", ["network_id", "mac_address"])
      .execute();
    await schema.createIndex("ports_created").on("ports").columns(["created_at", "id"]).execute();
    await schema.createIndex("ports_device").on("ports").column("device_id").execute();

    await schema
      .createTable("port_fixed_ips")
      .addColumn("port_id", "text", (c) => c.notNull().references("ports.id").onDelete("cascade"))
      .addColumn("subnet_id", "text", (c) => c.notNull().references("subnets.id"))
      .addColumn("ip_address", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint(FIXED_IP_KEY, ["subnet_id", "ip_address"])
      .execute();
    await schema.createIndex("port_fixed_ips_port").on("port_fixed_ips").columns(["port_id", "position"]).execute();
  },
};
