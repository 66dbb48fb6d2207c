// Ports and port groups of a node: the physical NICs (and bonds) that VIFs are
// bound to and that network_data.json describes.

import { z } from "zod";
import { encodePath, type IronicHttp } from "./http.js";
import { uuidSchema } from "./node-schema.js";
import { collectAll, parseItem } from "./pagination.js";

const jsonObject = z.record(z.string(), z.unknown());
const dictOrEmpty = jsonObject.nullable().transform((value) => value ?? {});

export const portSchema = z
  .object({
    uuid: uuidSchema,
    address: z.string(),
    node_uuid: uuidSchema,
    portgroup_uuid: z.string().nullable().optional().transform((value) => value ?? null),
    pxe_enabled: z.boolean().nullable().optional().transform((value) => value ?? true),
    physical_network: z.string().nullable().optional().transform((value) => value ?? null),
    local_link_connection: dictOrEmpty.optional().transform((value) => value ?? {}),
    internal_info: dictOrEmpty.optional().transform((value) => value ?? {}),
    extra: dictOrEmpty.optional().transform((value) => value ?? {}),
  })
  .loose();
export type Port = z.output<typeof portSchema>;

export const portgroupSchema = z
  .object({
    uuid: uuidSchema,
    name: z.string().nullable(),
    address: z.string().nullable(),
    node_uuid: uuidSchema,
    mode: z.string().nullable().optional().transform((value) => value ?? null),
    properties: dictOrEmpty.optional().transform((value) => value ?? {}),
    standalone_ports_supported: z.boolean().nullable().optional().transform((value) => value ?? true),
    internal_info: dictOrEmpty.optional().transform((value) => value ?? {}),
    extra: dictOrEmpty.optional().transform((value) => value ?? {}),
  })
  .loose();
export type Portgroup = z.output<typeof portgroupSchema>;

export interface PortCreate {
  node_uuid: string;
  address: string;
  portgroup_uuid?: string;
  pxe_enabled?: boolean;
  physical_network?: string;
  local_link_connection?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export interface PortgroupCreate {
  node_uuid: string;
  address?: string;
  name?: string;
  mode?: string;
  properties?: Record<string, unknown>;
  standalone_ports_supported?: boolean;
  extra?: Record<string, unknown>;
}

export class PortsApi {
  constructor(private readonly http: IronicHttp) {}

  async listByNode(nodeUuid: string): Promise<Port[]> {
    return collectAll(
      this.http,
      { path: "/v1/ports/detail", collection: "ports", query: { node_uuid: nodeUuid }, pageSize: this.http.options.pageSize },
      (raw, label) => parseItem(portSchema, raw, label),
    );
  }

  async create(body: PortCreate): Promise<Port> {
    return this.http.json({ method: "POST", path: "/v1/ports", body, expect: [201] }, portSchema);
  }

  async delete(uuid: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `/v1/ports/${encodePath(uuid)}`, expect: [204] });
  }
}

export class PortgroupsApi {
  constructor(private readonly http: IronicHttp) {}

  async listByNode(nodeUuid: string): Promise<Portgroup[]> {
    return collectAll(
      this.http,
      { path: "/v1/portgroups/detail", collection: "portgroups", query: { node: nodeUuid }, pageSize: this.http.options.pageSize },
      (raw, label) => parseItem(portgroupSchema, raw, label),
    );
  }

  async create(body: PortgroupCreate): Promise<Portgroup> {
    return this.http.json({ method: "POST", path: "/v1/portgroups", body, expect: [201] }, portgroupSchema);
  }

  async delete(uuid: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `/v1/portgroups/${encodePath(uuid)}`, expect: [204] });
  }
}
