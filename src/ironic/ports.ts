// Ports and port groups of a node: the physical NICs (and bonds) that VIFs are
// bound to and that network_data.json describes.

import { z } from "zod";
import { IronicCollection } from "./collection.js";
import type { IronicHttp } from "./http.js";
import { uuidSchema } from "./node-schema.js";

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

/** create(body) and delete(uuid) as any collection; a node's ports by node_uuid. */
export class PortsApi extends IronicCollection<typeof portSchema, PortCreate> {
  constructor(http: IronicHttp) {
    super(http, { path: "/v1/ports", listPath: "/v1/ports/detail", collection: "ports", schema: portSchema });
  }

  async listByNode(nodeUuid: string): Promise<Port[]> {
    return this.list({ node_uuid: nodeUuid });
  }
}

/** create(body) and delete(uuid) as any collection; a node's port groups by node. */
export class PortgroupsApi extends IronicCollection<typeof portgroupSchema, PortgroupCreate> {
  constructor(http: IronicHttp) {
    super(http, { path: "/v1/portgroups", listPath: "/v1/portgroups/detail", collection: "portgroups", schema: portgroupSchema });
  }

  async listByNode(nodeUuid: string): Promise<Portgroup[]> {
    return this.list({ node: nodeUuid });
  }
}
