// Volume connectors (the node's initiator identities: iqn, wwpn, wwnn, ip, mac)
// and volume targets (the volumes it boots from or attaches) for boot from volume.

import { z } from "zod";
import { encodePath, type IronicHttp } from "./http.js";
import { uuidSchema } from "./node-schema.js";
import { collectAll, parseItem } from "./pagination.js";

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
  constructor(private readonly http: IronicHttp) {}

  async listConnectors(nodeUuid: string): Promise<VolumeConnector[]> {
    return collectAll(
      this.http,
      {
        path: "/v1/volume/connectors",
        collection: "connectors",
        query: { node: nodeUuid, detail: true },
        pageSize: this.http.options.pageSize,
      },
      (raw, label) => parseItem(volumeConnectorSchema, raw, label),
    );
  }

  async createConnector(body: VolumeConnectorCreate): Promise<VolumeConnector> {
    return this.http.json({ method: "POST", path: "/v1/volume/connectors", body, expect: [201] }, volumeConnectorSchema);
  }

  async deleteConnector(uuid: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `/v1/volume/connectors/${encodePath(uuid)}`, expect: [204] });
  }

  async listTargets(nodeUuid: string): Promise<VolumeTarget[]> {
    return collectAll(
      this.http,
      {
        path: "/v1/volume/targets",
        collection: "targets",
        query: { node: nodeUuid, detail: true },
        pageSize: this.http.options.pageSize,
      },
      (raw, label) => parseItem(volumeTargetSchema, raw, label),
    );
  }

  async createTarget(body: VolumeTargetCreate): Promise<VolumeTarget> {
    return this.http.json({ method: "POST", path: "/v1/volume/targets", body, expect: [201] }, volumeTargetSchema);
  }

  async deleteTarget(uuid: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `/v1/volume/targets/${encodePath(uuid)}`, expect: [204] });
  }
}
