// Volume connectors (the node's initiator identities: iqn, wwpn, wwnn, ip, mac)
// and volume targets (the volumes it boots from or attaches) for boot from volume.

import { z } from "zod";
import { IronicCollection } from "./collection.js";
import type { IronicHttp } from "./http.js";
import { uuidSchema } from "./node-schema.js";

const dictOrEmpty = z.record(z.string(), z.unknown()).nullable().optional().transform((value) => value ?? {});

export const volumeConnectorSchema = z
  .object({
    uuid: uuidSchema,
    node_uuid: uuidSchema,
    type: z.string(),
    connector_id: z.string(),
    extra: dictOrEmpty,
  })
  .loose();
export type VolumeConnector = z.output<typeof volumeConnectorSchema>;

export const volumeTargetSchema = z
  .object({
    uuid: uuidSchema,
    node_uuid: uuidSchema,
    volume_type: z.string(),
    volume_id: z.string(),
    boot_index: z.number().int().nullable(),
    properties: dictOrEmpty,
    extra: dictOrEmpty,
  })
  .loose();
export type VolumeTarget = z.output<typeof volumeTargetSchema>;

export interface VolumeConnectorCreate {
  node_uuid: string;
  type: "iqn" | "ip" | "mac" | "wwnn" | "wwpn" | "port" | "portgroup";
  connector_id: string;
  extra?: Record<string, unknown>;
}

export interface VolumeTargetCreate {
  node_uuid: string;
  volume_type: string;
  volume_id: string;
  boot_index: number;
  properties?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export class VolumesApi {
  private readonly connectors: IronicCollection<typeof volumeConnectorSchema, VolumeConnectorCreate>;
  private readonly targets: IronicCollection<typeof volumeTargetSchema, VolumeTargetCreate>;

  constructor(http: IronicHttp) {
    this.connectors = new IronicCollection(http, { path: "/v1/volume/connectors", collection: "connectors", schema: volumeConnectorSchema });
    this.targets = new IronicCollection(http, { path: "/v1/volume/targets", collection: "targets", schema: volumeTargetSchema });
  }

  async listConnectors(nodeUuid: string): Promise<VolumeConnector[]> {
    return this.connectors.list({ node: nodeUuid, detail: true });
  }

  async createConnector(body: VolumeConnectorCreate): Promise<VolumeConnector> {
    return this.connectors.create(body);
  }

  async deleteConnector(uuid: string): Promise<void> {
    await this.connectors.delete(uuid);
  }

  async listTargets(nodeUuid: string): Promise<VolumeTarget[]> {
    return this.targets.list({ node: nodeUuid, detail: true });
  }

  async createTarget(body: VolumeTargetCreate): Promise<VolumeTarget> {
    return this.targets.create(body);
  }

  async deleteTarget(uuid: string): Promise<void> {
    await this.targets.delete(uuid);
  }
}
