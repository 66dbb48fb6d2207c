// Volume targets (boot from volume / attached volumes) and the node's volume
// connector. Every target we create is tagged with the instance in its `extra`,
// so cleanup removes exactly ours — from any process, even after Ironic's tear
// down has already unbound the node (S1, S9).

import type { IronicClient } from "../ironic/client.js";
import { IronicNotFoundError } from "../ironic/errors.js";
import type { VolumeTarget } from "../ironic/volumes.js";
import { boundNode } from "./claim.js";
import type { BlockDeviceSpec } from "./instance-spec.js";
import { parseProperties } from "./inventory.js";
import { silentLogger } from "../log/logger.js";

export const TARGET_OWNER_KEY = "ironic_compute_instance";

export function ourVolumeTargets(targets: readonly VolumeTarget[], instanceUuid: string): VolumeTarget[] {
  return targets.filter((target) => target.extra[TARGET_OWNER_KEY] === instanceUuid);
}

/** The volumes of `wanted` that have no target of ours yet. */
export function missingVolumes(
  wanted: readonly BlockDeviceSpec[],
  targets: readonly VolumeTarget[],
  instanceUuid: string,
): BlockDeviceSpec[] {
  const present = new Set(ourVolumeTargets(targets, instanceUuid).map((target) => target.volume_id));
  return wanted.filter((volume) => !present.has(volume.volumeId));
}

/** Creates targets; attached (non-boot) volumes get boot indexes after the used ones. */
export async function createVolumeTargets(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  volumes: readonly BlockDeviceSpec[],
): Promise<void> {
  const existing = await client.volumes.listTargets(nodeUuid);
  let nextIndex = Math.max(0, ...existing.map((target) => (target.boot_index ?? 0) + 1), ...volumes.map((v) => (v.bootIndex ?? 0) + 1));
  for (const volume of volumes) {
    await client.volumes.createTarget({
      node_uuid: nodeUuid,
      volume_type: volume.volumeType,
      volume_id: volume.volumeId,
      boot_index: volume.bootIndex ?? nextIndex++,
      properties: volume.properties,
      extra: { [TARGET_OWNER_KEY]: instanceUuid },
    });
  }
}

/** Deletes this instance's targets on the node; already-gone ones are fine. */
export async function deleteOurVolumeTargets(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  targets?: readonly VolumeTarget[],
): Promise<void> {
  const current = targets ?? (await client.volumes.listTargets(nodeUuid));
  for (const target of ourVolumeTargets(current, instanceUuid)) {
    try {
      await client.volumes.deleteTarget(target.uuid);
    } catch (error) {
      if (!(error instanceof IronicNotFoundError)) throw error;
    }
  }
}

/** What a storage service needs to export volumes to this node (Nova's get_volume_connector). */
export interface VolumeConnectorInfo {
  initiator?: string;
  ip?: string;
  host: string;
  wwpns?: string[];
  wwnns?: string[];
  platform: string | null;
  os_type: "baremetal";
  multipath: false;
}

export async function volumeConnector(
  client: IronicClient,
  nodeUuid: string,
  instanceUuid: string,
  hostname: string,
): Promise<VolumeConnectorInfo> {
  const node = await boundNode(client, nodeUuid, instanceUuid, ["properties"]);
  const connectors = await client.volumes.listConnectors(nodeUuid);
  const byType = (type: string) => connectors.filter((c) => c.type === type).map((c) => c.connector_id);
  const ip = byType("ip")[0];
  const initiator = byType("iqn")[0];
  const wwpns = byType("wwpn");
  const wwnns = byType("wwnn");
  return {
    ...(initiator === undefined ? {} : { initiator }),
    ...(ip === undefined ? {} : { ip }),
    host: ip ?? hostname,
    ...(wwpns.length > 0 ? { wwpns } : {}),
    ...(wwnns.length > 0 ? { wwnns } : {}),
    platform: parseProperties(node.properties, silentLogger, nodeUuid).cpuArch,
    os_type: "baremetal",
    multipath: false,
  };
}
